/**
 * Realistic mock outputs per resource type and function token, shaped like the real
 * providers' (pulumiverse Talos 0.8.1, 1Password 1.1.3, Cloudflare 6, Kubernetes 4, TLS 5).
 * Values a real provider returns as secrets come back as secrets; values a provider
 * returns in the clear although they are sensitive come back in the clear, so the
 * program has to wrap them. Every sensitive mock value contains MOCK_SECRET_MARKER or is
 * recorded in `sensitiveValues`, which is what the leak scan looks for.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { PKI_FIELDS } from "../components/talos/rules/pki";
import { issueClientCertificate } from "../lib/x509";
import { sensitiveFormsOf, talosPkiFixtures, talosPkiItem as fixturePkiItem } from "./pki-fixtures";
import { secretEnvelope } from "./values";

export const MOCK_SECRET_MARKER = "MOCK-SECRET";

/** The fields of the `<cluster>-talos` 1Password item the running clusters use. */
export const TALOS_PKI_FIELDS = PKI_FIELDS;

export interface StackReferenceState {
  readonly outputs: Record<string, unknown>;
  readonly secretOutputNames?: readonly string[];
}

export interface MockWorldOptions {
  /** Outputs of peer stacks by fully-qualified name (`org/project/stack`). */
  readonly stackReferences?: Record<string, StackReferenceState>;
  /** Stacks whose lookup fails as for a stack that was never created. */
  readonly missingStacks?: readonly string[];
  /**
   * 1Password items by title: label → value; null: no item has the title; a number: that many
   * items share it. Replaces the default catalog entry of that title. By default the titles
   * the program writes (`kubernetes/...`) hold no item yet, as before a first run.
   */
  readonly onepasswordItems?: Record<string, Record<string, string> | null | number>;
  /** Tags of the items of `onepasswordItems` by title (getItem's `tags`); none by default. */
  readonly onepasswordTags?: Record<string, readonly string[]>;
  /** Names of the API token permission groups Cloudflare offers; a realistic subset by default. */
  readonly cloudflarePermissionGroups?: readonly string[];
  /**
   * What the running Talos nodes report to the day-2 observation, by address; null: the
   * node does not answer (maintenance mode or gone). Default for every node: `runningDefault`.
   */
  readonly talosNodes?: Record<string, { talos: string; kubernetes: string } | null>;
  /** Versions a node not in `talosNodes` runs; the harness passes the stack's pinned versions. */
  readonly runningDefault?: { talos: string; kubernetes: string };
  /** etcd members beyond those of the answering control planes (e.g. a removed node's). */
  readonly extraEtcdMembers?: readonly { id: string; hostname: string; peerUrls: string[]; learner: boolean }[];
  /**
   * Whose PKI the running nodes hold: the certificates they present to the observation on
   * their Talos API (50000) and Kubernetes API (6443) are signed by this fixture item's OS
   * and Kubernetes CAs (harness/pki-fixtures.ts, e.g. `other-cluster`). Default: the Talos
   * PKI item the program read, as on a cluster whose item is right.
   */
  readonly runningPki?: string;
  /** What `tools/day2.ts observe` itself does: `fails` as a crash of the tool (not of talosctl) would. */
  readonly observeTool?: "fails";
  /**
   * A first `pulumi preview`: every resource the run registers is a create, so the engine
   * answers with the inputs it was given and leaves the id and every computed output
   * unknown (the SDK marks a property the engine did not return as unknown during a dry
   * run: @pulumi/pulumi runtime/rpc.js resolveProperties). Reads stay known: a
   * StackReference, a `get` and an `import` are read from the provider at preview too.
   */
  readonly unknownOutputs?: boolean;
  /**
   * The schematic ID Image Factory answers. Default: the SHA-256 of the posted text, which is
   * the factory's answer when the program posts the canonical form the factory hashes.
   */
  readonly imageFactorySchematicId?: string;
}

export function hex(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

function uuid(...parts: string[]): string {
  const h = hex(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export class MockWorld implements pulumi.runtime.Mocks {
  /** Sensitive values in encodings that hide the marker (base64). */
  readonly sensitiveValues = new Set<string>();

  constructor(private readonly options: MockWorldOptions = {}) {}

  /** A sensitive value carrying the marker, also remembered base64-encoded. */
  sensitive(name: string): string {
    const value = `${MOCK_SECRET_MARKER}-${name}`;
    this.sensitiveValues.add(b64(value));
    return value;
  }

  pem(kind: "CERTIFICATE" | "EC PRIVATE KEY" | "ED25519 PRIVATE KEY" | "RSA PRIVATE KEY", name: string): string {
    const body = kind === "CERTIFICATE" ? b64(`mock certificate ${name}`) : this.sensitive(name);
    const pem = `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
    // Charts take keys as base64 of the whole PEM, which hides the marker: remember that too.
    if (kind !== "CERTIFICATE") this.sensitiveValues.add(b64(pem));
    return pem;
  }

  /** Base64 of a PEM, as Talos and the 1Password item hold them. */
  pemB64(kind: Parameters<MockWorld["pem"]>[0], name: string): string {
    const encoded = b64(this.pem(kind, name));
    if (kind !== "CERTIFICATE") this.sensitiveValues.add(encoded);
    return encoded;
  }

  /** A Talos PKI item of real throwaway material (harness/pki-fixtures.ts), every secret form remembered. */
  talosPkiItem(title: string): Record<string, string> {
    const fields = fixturePkiItem(title);
    for (const form of sensitiveFormsOf(fields)) this.sensitiveValues.add(form);
    return fields;
  }

  private onepasswordItem(title: string, vault: string): Record<string, string> {
    const custom = this.options.onepasswordItems?.[title];
    if (custom === null || typeof custom === "number" || (custom === undefined && title.startsWith("kubernetes/"))) {
      // Connect's GetItemByTitle answer (1Password/connect-sdk-go connect/client.go), carried
      // in `details` as a provider's gRPC error is (the SDK's invoke rethrows the details).
      const count = typeof custom === "number" ? custom : 0;
      throw Object.assign(new Error(`Found ${count} item(s)`), { details: `Found ${count} item(s) in vault "${vault}" with title "${title}"` });
    }
    if (custom) {
      // A test's own PKI item: its secret forms count for the leak scan like the default's.
      if (/-talos$/.test(title)) {
        for (const form of sensitiveFormsOf(custom)) this.sensitiveValues.add(form);
        this.readPki = custom;
      }
      return custom;
    }
    if (/-talos$/.test(title)) return (this.readPki = this.talosPkiItem(title));
    return {
      OP_CONNECT_TOKEN: this.sensitive(`${title}-connect-token`),
      credential: this.sensitive(`${title}-credential`),
    };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const read = args.type === "pulumi:pulumi:StackReference" || Boolean(args.id);
    if (this.options.unknownOutputs && !read) return { id: undefined, state: { ...(args.inputs as Record<string, unknown>) } };
    return this.answer(args);
  }

  /** What the provider answers once the resource exists (an `up`, or a read at preview). */
  private answer(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const id = (value: string) => ({ id: value });
    switch (args.type) {
      case "pulumi:pulumi:StackReference": {
        const name = String(inputs.name ?? args.name);
        if (this.options.missingStacks?.includes(name)) throw new Error(`unknown stack "${name}"`);
        const ref = this.options.stackReferences?.[name] ?? { outputs: {} };
        return { id: name, state: { name, outputs: ref.outputs, secretOutputNames: ref.secretOutputNames ?? [] } };
      }
      case "talos:machine/secrets:Secrets": {
        const n = args.name;
        const cert = (c: string) => ({ cert: this.pemB64("CERTIFICATE", `${n}-${c}`), key: secretEnvelope(this.pemB64("EC PRIVATE KEY", `${n}-${c}-key`)) });
        return {
          ...id(hex(args.type, n).slice(0, 16)),
          state: {
            ...inputs,
            talosVersion: inputs.talosVersion ?? "v1.13",
            machineSecrets: {
              certs: {
                etcd: cert("etcd"),
                k8s: cert("k8s"),
                k8sAggregator: cert("k8s-aggregator"),
                k8sServiceaccount: { key: secretEnvelope(this.pemB64("EC PRIVATE KEY", `${n}-sa`)) },
                os: { cert: this.pemB64("CERTIFICATE", `${n}-os`), key: secretEnvelope(this.pemB64("ED25519 PRIVATE KEY", `${n}-os-key`)) },
              },
              cluster: { id: b64(`cluster-id-${n}`), secret: secretEnvelope(this.sensitive(`${n}-cluster-secret`)) },
              secrets: {
                bootstrapToken: secretEnvelope(this.sensitive(`${n}-bootstrap-token`)),
                secretboxEncryptionSecret: secretEnvelope(this.sensitive(`${n}-secretbox`)),
              },
              trustdinfo: { token: secretEnvelope(this.sensitive(`${n}-trustd-token`)) },
            },
            clientConfiguration: {
              caCertificate: this.pemB64("CERTIFICATE", `${n}-os`),
              clientCertificate: this.pemB64("CERTIFICATE", `${n}-admin`),
              clientKey: secretEnvelope(this.pemB64("ED25519 PRIVATE KEY", `${n}-admin-key`)),
            },
          },
        };
      }
      case "talos:machine/configurationApply:ConfigurationApply":
        return {
          ...id(`${String(inputs.node)}`),
          state: {
            ...inputs,
            applyMode: inputs.applyMode ?? "auto",
            endpoint: inputs.endpoint ?? inputs.node,
            machineConfiguration: inputs.machineConfigurationInput,
            machineConfigurationHash: hex(JSON.stringify(inputs.machineConfigurationInput ?? "")),
            resolvedApplyMode: inputs.applyMode === "staged_if_needing_reboot" ? "auto" : (inputs.applyMode ?? "auto"),
          },
        };
      case "talos:machine/bootstrap:Bootstrap":
        // An imported bootstrap (a running cluster) keeps its import id.
        return { ...id(args.id || `${String(inputs.node)}`), state: { ...inputs, endpoint: inputs.endpoint ?? inputs.node } };
      case "talos:cluster/kubeconfig:Kubeconfig": {
        const node = String(inputs.node);
        const endpoint = String(inputs.endpoint ?? node);
        const cluster = args.name.replace(/-kubeconfig$/, "");
        const ca = this.pemB64("CERTIFICATE", `${cluster}-k8s`);
        const clientCert = this.pemB64("CERTIFICATE", `${cluster}-kube-admin`);
        const clientKey = this.pemB64("EC PRIVATE KEY", `${cluster}-kube-admin-key`);
        // Talos names the context admin@<cluster>; the program must rename it.
        const kubeconfigRaw = stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: cluster, cluster: { server: `https://${endpoint}:6443`, "certificate-authority-data": ca } }],
          users: [{ name: `admin@${cluster}`, user: { "client-certificate-data": clientCert, "client-key-data": clientKey } }],
          contexts: [{ name: `admin@${cluster}`, context: { cluster, namespace: "default", user: `admin@${cluster}` } }],
          "current-context": `admin@${cluster}`,
        });
        return {
          ...id(hex(args.type, args.name).slice(0, 16)),
          state: {
            ...inputs,
            endpoint,
            certificateRenewalDuration: inputs.certificateRenewalDuration ?? "720h",
            kubeconfigRaw: secretEnvelope(kubeconfigRaw),
            kubernetesClientConfiguration: {
              host: `https://${endpoint}:6443`,
              caCertificate: ca,
              clientCertificate: clientCert,
              clientKey: secretEnvelope(clientKey),
            },
          },
        };
      }
      case "talos:imageFactory/schematic:Schematic":
        return { id: this.options.imageFactorySchematicId ?? hex(String(inputs.schematic ?? "")), state: { ...inputs } };
      case "kubernetes:helm.sh/v3:Release":
        return {
          ...id(`${String(inputs.namespace ?? "default")}/${String(inputs.name ?? args.name)}`),
          state: {
            ...inputs,
            status: {
              name: inputs.name ?? args.name,
              namespace: inputs.namespace ?? "default",
              revision: 1,
              status: "deployed",
              chart: String(inputs.chart ?? "").split("/").pop(),
              version: inputs.version ?? "",
              appVersion: inputs.version ?? "",
            },
          },
        };
      case "kubernetes:yaml/v2:ConfigGroup":
      case "kubernetes:yaml/v2:ConfigFile":
        // Remote components: the provider expands the files into objects; here they stay one resource.
        return { id: undefined, state: { ...inputs, resources: [] } };
      case "onepassword:index/item:Item": {
        // The provider's id is `vaults/<vault>/items/<item>`; the item's uuid is the one getItem answers for its title.
        const itemUuid = hex("item", String(inputs.title ?? args.name)).slice(0, 26);
        return { ...id(`vaults/${String(inputs.vault)}/items/${itemUuid}`), state: { ...inputs, uuid: itemUuid, category: inputs.category ?? "login" } };
      }
      case "tls:index/privateKey:PrivateKey": {
        const algorithm = String(inputs.algorithm ?? "RSA");
        const kind = algorithm === "ECDSA" ? "EC PRIVATE KEY" : algorithm === "ED25519" ? "ED25519 PRIVATE KEY" : "RSA PRIVATE KEY";
        const pem = this.pem(kind, `${args.name}-tls-key`);
        return {
          ...id(hex(args.type, args.name).slice(0, 16)),
          state: {
            ...inputs,
            privateKeyPem: secretEnvelope(pem),
            privateKeyPemPkcs8: secretEnvelope(pem),
            publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${b64(`mock public ${args.name}`)}\n-----END PUBLIC KEY-----\n`,
          },
        };
      }
      case "tls:index/selfSignedCert:SelfSignedCert":
      case "tls:index/locallySignedCert:LocallySignedCert":
        return {
          ...id(hex(args.type, args.name).slice(0, 16)),
          state: {
            ...inputs,
            certPem: this.pem("CERTIFICATE", args.name),
            readyForRenewal: false,
            validityStartTime: "2026-11-26T00:00:00Z",
            validityEndTime: "2027-11-26T00:00:00Z",
          },
        };
      case "tls:index/certRequest:CertRequest":
        return {
          ...id(hex(args.type, args.name).slice(0, 16)),
          state: { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${b64(args.name)}\n-----END CERTIFICATE REQUEST-----\n` },
        };
      case "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared":
        return { ...id(uuid(args.type, args.name)), state: { ...inputs, status: "inactive", tunType: "cfd_tunnel" } };
      case "cloudflare:index/apiToken:ApiToken":
      case "cloudflare:index/accountToken:AccountToken":
        return {
          ...id(hex(args.type, args.name).slice(0, 32)),
          state: { ...inputs, status: "active", value: secretEnvelope(this.sensitive(`${args.name}-api-token`)) },
        };
      default:
        if (args.type.startsWith("kubernetes:")) {
          const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
          const name = String(metadata.name ?? args.name);
          const objectId = metadata.namespace ? `${String(metadata.namespace)}/${name}` : name;
          // A CRD's live object echoes its (large) schema, which nothing in the program reads:
          // answering with its identity only keeps every mock run from carrying the vendored
          // CRDs back through the runtime a second time.
          if (args.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") {
            return { id: objectId, state: { apiVersion: inputs.apiVersion, kind: inputs.kind, metadata } };
          }
          return { id: objectId, state: { ...inputs } };
        }
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...inputs } };
    }
  }

  /** The Talos PKI item last read: what the nodes hold unless `runningPki` says otherwise. */
  private readPki?: Record<string, string>;
  private readonly presented = new Map<string, string>();

  /** The leaf a node presents on one port, signed by the CA the running nodes hold. */
  private presentedCertificate(address: string, port: number): { certificate?: string; error?: string } {
    const pki = this.options.runningPki ? talosPkiFixtures()[this.options.runningPki] : this.readPki;
    if (!pki) return { error: "no Talos PKI in this world" };
    const [crt, key] = port === 6443 ? ["CLUSTER_CA_CRT", "CLUSTER_CA_KEY"] : ["MACHINE_CA_CRT", "MACHINE_CA_KEY"];
    const cacheKey = `${pki[crt]}|${address}|${port}`;
    let pem = this.presented.get(cacheKey);
    if (!pem) {
      const decode = (v: string) => Buffer.from(v, "base64").toString("utf8");
      pem = issueClientCertificate({
        ca: { certificatePem: decode(pki[crt]), privateKeyPem: decode(pki[key]) },
        organizations: [],
        commonName: address,
        keyUsage: ["digitalSignature"],
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter: new Date("2036-01-01T00:00:00Z"),
        label: `mock-serving/${address}/${port}`,
      }).certificatePem;
      this.presented.set(cacheKey, pem);
    }
    return { certificate: pem };
  }

  /** stdout of `tools/day2.ts observe` (components/talos/day2/runner.ts `observe`) for this world. */
  private day2Observation(spec: { nodes: { address: string; role: string }[]; certificates?: boolean }): string {
    const nodes = spec.nodes.map((n) => {
      const running = this.options.talosNodes?.[n.address] === undefined ? this.options.runningDefault : this.options.talosNodes[n.address];
      return running ? { address: n.address, talos: running.talos, kubernetes: running.kubernetes } : { address: n.address };
    });
    const members = spec.nodes
      .filter((n, i) => n.role === "controlplane" && nodes[i].talos)
      .map((n) => ({ id: hex("member", n.address).slice(0, 16), hostname: n.address, peerUrls: [`https://${n.address}:2380`], learner: false }));
    const certificates = spec.certificates
      ? spec.nodes
          .filter((_, i) => nodes[i].talos)
          .flatMap((n) => [50000, ...(n.role === "controlplane" ? [6443] : [])].map((port) => ({ address: n.address, port, ...this.presentedCertificate(n.address, port) })))
      : undefined;
    return JSON.stringify({ nodes, etcdMembers: [...members, ...(this.options.extraEtcdMembers ?? [])], ...(certificates ? { certificates } : {}) });
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.token) {
      case "command:local:run": {
        const env = (inputs.environment ?? {}) as Record<string, string>;
        const spec = JSON.parse(env.DAY2_SPEC ?? "{}") as { action?: string; nodes: { address: string; role: string }[]; certificates?: boolean };
        // The command provider answers a non-zero exit as an error of the invoke.
        if (spec.action === "observe" && this.options.observeTool === "fails") {
          throw Object.assign(new Error("exit status 1"), { details: "exit status 1: Error: Cannot find module 'ts-node/dist/bin'" });
        }
        const stdout = spec.action === "observe" ? this.day2Observation(spec) : "";
        return { ...inputs, stdout, stderr: "" };
      }
      case "talos:machine/getConfiguration:getConfiguration": {
        const patches = (inputs.configPatches as string[] | undefined) ?? [];
        const rendered = [
          stringify({
            version: "v1alpha1",
            machine: { type: inputs.machineType, token: this.sensitive("machine-token") },
            cluster: { clusterName: inputs.clusterName, controlPlane: { endpoint: inputs.clusterEndpoint } },
          }),
          ...patches,
        ].join("---\n");
        return { ...inputs, id: String(inputs.clusterName), machineConfiguration: secretEnvelope(rendered) };
      }
      case "talos:client/getConfiguration:getConfiguration": {
        const cc = inputs.clientConfiguration as Record<string, unknown>;
        const name = String(inputs.clusterName);
        const talosConfig = stringify({
          context: name,
          contexts: { [name]: { endpoints: inputs.endpoints ?? [], nodes: inputs.nodes ?? [], ca: cc?.caCertificate, crt: cc?.clientCertificate, key: cc?.clientKey } },
        });
        return { ...inputs, id: name, talosConfig: secretEnvelope(talosConfig) };
      }
      case "talos:cluster/getHealth:getHealth":
        return { ...inputs, id: String(inputs.endpoints) };
      case "talos:imageFactory/getUrls:getUrls": {
        const id = String(inputs.schematicId);
        const version = String(inputs.talosVersion);
        const platform = String(inputs.platform ?? "metal");
        const arch = String(inputs.architecture ?? "amd64");
        const base = `https://factory.talos.dev/image/${id}/${version}`;
        return {
          ...inputs,
          id,
          architecture: arch,
          urls: {
            installer: `factory.talos.dev/${platform}-installer/${id}:${version}`,
            installerSecureboot: `factory.talos.dev/${platform}-installer-secureboot/${id}:${version}`,
            iso: `${base}/${platform}-${arch}.iso`,
            isoSecureboot: `${base}/${platform}-${arch}-secureboot.iso`,
            diskImage: `${base}/${platform}-${arch}.raw.zst`,
            diskImageSecureboot: `${base}/${platform}-${arch}-secureboot.raw.zst`,
            initramfs: `${base}/initramfs-${arch}.xz`,
            kernel: `${base}/kernel-${arch}`,
            kernelCommandLine: `${base}/cmdline-${platform}-${arch}`,
            pxe: `https://pxe.factory.talos.dev/pxe/${id}/${version}/${platform}-${arch}`,
            uki: `${base}/${platform}-${arch}-secureboot-uki.efi`,
          },
        };
      }
      case "onepassword:index/getVault:getVault": {
        const name = String(inputs.name ?? inputs.uuid);
        const vaultUuid = hex("vault", name).slice(0, 26);
        return { id: `vaults/${vaultUuid}`, name, uuid: vaultUuid, description: `${name} vault` };
      }
      case "onepassword:index/getItem:getItem": {
        const title = String(inputs.title ?? inputs.uuid);
        const fields = this.onepasswordItem(title, String(inputs.vault));
        const itemUuid = hex("item", title).slice(0, 26);
        return {
          id: `vaults/${String(inputs.vault)}/items/${itemUuid}`,
          uuid: itemUuid,
          vault: inputs.vault,
          title,
          category: "login",
          tags: [...(this.options.onepasswordTags?.[title] ?? [])],
          password: fields.password ?? "",
          credential: fields.credential ?? "",
          sections: [
            {
              id: "",
              label: "",
              fields: Object.entries(fields).map(([label, value]) => ({ id: label, label, purpose: "", type: "CONCEALED", value })),
            },
          ],
        };
      }
      case "cloudflare:index/getZone:getZone": {
        const filter = (inputs.filter ?? {}) as Record<string, unknown>;
        const name = String(filter.name ?? "example.com");
        const zoneId = String(inputs.zoneId ?? hex("zone", name).slice(0, 32));
        return { id: zoneId, zoneId, name, status: "active", nameServers: ["ns1.cloudflare.com"], account: { id: hex("account").slice(0, 32) } };
      }
      case "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken": {
        // Not marked sensitive upstream: it arrives in the clear.
        const token = b64(this.sensitive(`tunnel-token-${String(inputs.tunnelId)}`));
        this.sensitiveValues.add(token);
        return { accountId: inputs.accountId, tunnelId: inputs.tunnelId, token };
      }
      case "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList":
      case "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList": {
        const groups = this.options.cloudflarePermissionGroups ?? ["DNS Write", "DNS Read", "Zone Read", "Zone Write", "Cloudflare Tunnel Write"];
        const all = groups.map((name) => ({ id: hex("perm", name).slice(0, 32), name, scopes: ["com.cloudflare.api.account.zone"] }));
        const wanted = inputs.name ? all.filter((g) => g.name === inputs.name) : all;
        return { results: wanted };
      }
      default:
        return { ...inputs };
    }
  }
}
