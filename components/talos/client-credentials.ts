/**
 * Credentials derived in the program from an adopted PKI, with no resource: a talosconfig
 * whose client certificate the OS CA signs, and an admin kubeconfig whose client
 * certificate the Kubernetes CA signs. Both are known whenever the PKI item is (it is
 * read by invokes, which run at preview), so a first preview can observe the nodes and
 * diff real Kubernetes objects.
 *
 * Mirrors Talos's own derivations:
 * - talosconfig: siderolabs/talos pkg/machinery/config/generate/secrets/ca.go
 *   NewAdminCertificateAndKey (what `talosctl config new` and `gen config` use): subject O =
 *   the roles, KeyUsage digitalSignature, ExtKeyUsage clientAuth, an Ed25519 key under an
 *   Ed25519 OS CA (siderolabs/crypto x509/keypair.go NewKeyPair); the file layout of
 *   pkg/machinery/client/config/config.go (context, contexts: endpoints, nodes, ca, crt, key,
 *   each base64 PEM).
 * - kubeconfig: siderolabs/talos pkg/kubeconfig/generate.go Generate: CN `admin`, O
 *   `system:masters` (pkg/machinery/constants KubernetesAdminCertCommonName,
 *   KubernetesAdminCertOrganization), KeyUsage digitalSignature|keyEncipherment, ExtKeyUsage
 *   clientAuth, server = the cluster endpoint, CA = the cluster CA. Context and user are
 *   named after the cluster, as kubeconfig.ts renames Talos's `admin@<cluster>`.
 *
 * Unlike Talos (a year from now), validity is a short window aligned to UTC: the same
 * window gives the same bytes (lib/x509.ts), so a kubeconfig that is a provider input does
 * not change between runs, and a new window renews it. Pure: no Pulumi import.
 */
import { stringify } from "yaml";
import { issueClientCertificate, type ClientKeyUsage } from "../../lib/x509";
import type { PkiFields } from "./rules/pki";

/** Talos API roles (siderolabs/talos pkg/machinery/role/role.go). */
export type TalosRole = "os:admin" | "os:operator" | "os:reader" | "os:etcd:backup";

const HOUR_MS = 3_600_000;

/**
 * Windows, in hours. A credential derived in window N is valid from N's start (less the
 * skew) until the end of window N + 1, so it has at least one window left whenever it is
 * used. The kubeconfig changes once per UTC day (the first run after 00:00 UTC shows the
 * Kubernetes provider's kubeconfig as an update, nothing else); the talosconfig, which is
 * no resource's input, once an hour.
 */
export const CREDENTIAL_WINDOW_HOURS = { kubeconfig: 24, talosconfig: 1 } as const;
/** Clock skew the nodes may have (Talos allows a minute: pkg/kubernetes NewTemporaryClientFromPKI). */
export const CLOCK_SKEW_MS = 60_000;

export interface CredentialWindow {
  /** Windows since the Unix epoch: part of the derivation label. */
  readonly index: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function credentialWindow(now: Date, hours: number): CredentialWindow {
  if (!Number.isInteger(hours) || hours <= 0) throw new Error(`a credential window is a whole number of hours, not ${hours}`);
  const length = hours * HOUR_MS;
  const index = Math.floor(now.getTime() / length);
  return { index, notBefore: new Date(index * length - CLOCK_SKEW_MS), notAfter: new Date((index + 2) * length) };
}

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const encode = (text: string) => Buffer.from(text, "utf8").toString("base64");
/** Talos labels an Ed25519 PKCS#8 key `ED25519 PRIVATE KEY` (siderolabs/crypto x509/constants.go). */
const talosKeyPem = (pem: string) => pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "-----$1 ED25519 PRIVATE KEY-----");

function derive(
  ca: { cert: string; key: string },
  subject: { organizations: readonly string[]; commonName?: string },
  keyUsage: readonly ClientKeyUsage[],
  purpose: string,
  window: CredentialWindow,
  hours: number,
) {
  return issueClientCertificate({
    ca: { certificatePem: decode(ca.cert), privateKeyPem: decode(ca.key) },
    ...subject,
    keyUsage,
    notBefore: window.notBefore,
    notAfter: window.notAfter,
    label: `${purpose}/${[...subject.organizations].join(",")}/${hours}h/${window.index}`,
  });
}

export interface TalosTarget {
  /** The context's name. */
  readonly cluster: string;
  /** Control-plane addresses: the talosconfig's endpoints. */
  readonly endpoints: readonly string[];
  /** Every node's address: the talosconfig's nodes. */
  readonly nodes: readonly string[];
}

/** The target of a cluster's nodes in config order: endpoints are its control planes. */
export function talosTarget(cluster: string, nodes: readonly { readonly address: string; readonly role: string }[]): TalosTarget {
  return { cluster, endpoints: nodes.filter((n) => n.role === "controlplane").map((n) => n.address), nodes: nodes.map((n) => n.address) };
}

/**
 * A talosconfig for the target with a client certificate of `role` signed by the OS CA,
 * valid for the current talosconfig window. `os:reader` observes (versions, etcd members,
 * health); only steps that write need `os:admin`.
 */
export function derivedTalosconfig(
  fields: Pick<PkiFields, "MACHINE_CA_CRT" | "MACHINE_CA_KEY">,
  target: TalosTarget,
  role: TalosRole,
  now: Date,
): string {
  if (target.endpoints.length === 0) throw new Error(`talosconfig for ${target.cluster}: no control plane to use as endpoint`);
  const hours = CREDENTIAL_WINDOW_HOURS.talosconfig;
  const issued = derive({ cert: fields.MACHINE_CA_CRT, key: fields.MACHINE_CA_KEY }, { organizations: [role] }, ["digitalSignature"], "talosconfig", credentialWindow(now, hours), hours);
  const key = issued.keyType === "ed25519" ? talosKeyPem(issued.privateKeyPem) : issued.privateKeyPem;
  return stringify({
    context: target.cluster,
    contexts: {
      [target.cluster]: {
        endpoints: [...target.endpoints],
        nodes: [...target.nodes],
        ca: fields.MACHINE_CA_CRT,
        crt: encode(issued.certificatePem),
        key: encode(key),
      },
    },
  });
}

export interface KubernetesTarget {
  /** Cluster, context and user name. */
  readonly cluster: string;
  /** The API server URL (`cluster.endpoint`). */
  readonly endpoint: string;
}

/** An admin (system:masters) kubeconfig for the cluster endpoint, valid for the current kubeconfig window. */
export function derivedKubeconfig(fields: Pick<PkiFields, "CLUSTER_CA_CRT" | "CLUSTER_CA_KEY">, target: KubernetesTarget, now: Date): string {
  const hours = CREDENTIAL_WINDOW_HOURS.kubeconfig;
  const issued = derive(
    { cert: fields.CLUSTER_CA_CRT, key: fields.CLUSTER_CA_KEY },
    { organizations: ["system:masters"], commonName: "admin" },
    ["digitalSignature", "keyEncipherment"],
    "kubeconfig",
    credentialWindow(now, hours),
    hours,
  );
  const name = target.cluster;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: target.endpoint, "certificate-authority-data": fields.CLUSTER_CA_CRT } }],
    users: [{ name, user: { "client-certificate-data": encode(issued.certificatePem), "client-key-data": encode(issued.privateKeyPem) } }],
    contexts: [{ name, context: { cluster: name, namespace: "default", user: name } }],
    "current-context": name,
  });
}
