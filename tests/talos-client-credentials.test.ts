/**
 * Credentials derived from an adopted PKI (components/talos/client-credentials.ts,
 * lib/x509.ts), against the committed throwaway PKI (harness/pki-fixtures.ts): the
 * certificates parse, chain to the fixture CA, carry the Talos role or system:masters in
 * O, are short-lived, and are the same bytes within a window and new ones in the next.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "crypto";
import { parse } from "yaml";
import { talosPkiItem } from "../harness/pki-fixtures";
import {
  CLOCK_SKEW_MS,
  credentialWindow,
  CREDENTIAL_WINDOW_HOURS,
  derivedKubeconfig,
  derivedTalosconfig,
  talosTarget,
} from "../components/talos/client-credentials";
import { issueClientCertificate, privateKeyFromPem } from "../lib/x509";
import { standardKeyPem } from "../components/talos/admin-cert";
import type { PkiFields } from "../components/talos/rules/pki";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier, id_ce_subjectKeyIdentifier, SubjectKeyIdentifier } from "@peculiar/asn1-x509";

const fields = talosPkiItem("infra-talos") as PkiFields;
const other = talosPkiItem("other-cluster-talos") as PkiFields;
const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const HOUR = 3_600_000;
const NOW = new Date("2026-12-07T18:30:00Z");
const target = talosTarget("infra", [
  { address: "10.25.11.11", role: "controlplane" },
  { address: "10.25.11.12", role: "controlplane" },
  { address: "10.25.11.21", role: "worker" },
]);

interface TalosContext {
  endpoints: string[];
  nodes: string[];
  ca: string;
  crt: string;
  key: string;
}
function talosconfig(text: string): { context: string; contexts: Record<string, TalosContext> } {
  return parse(text) as { context: string; contexts: Record<string, TalosContext> };
}
interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace: string } }[];
  "current-context": string;
}
const kubeconfig = (text: string) => parse(text) as Kubeconfig;

function expectChainsTo(cert: X509Certificate, caField: string) {
  const ca = new X509Certificate(pem(caField));
  expect(cert.checkIssued(ca)).toBe(true);
  expect(cert.verify(ca.publicKey)).toBe(true);
  expect(cert.ca).toBe(false);
}

describe("talosconfig", () => {
  const text = derivedTalosconfig(fields, target, "os:reader", NOW);
  const config = talosconfig(text);
  const context = config.contexts.infra;
  const cert = new X509Certificate(pem(context.crt));

  it("is a context named after the cluster: endpoints the control planes, nodes every node, the OS CA", () => {
    expect(config.context).toBe("infra");
    expect(Object.keys(config.contexts)).toEqual(["infra"]);
    expect(context.endpoints).toEqual(["10.25.11.11", "10.25.11.12"]);
    expect(context.nodes).toEqual(["10.25.11.11", "10.25.11.12", "10.25.11.21"]);
    expect(context.ca).toBe(fields.MACHINE_CA_CRT);
  });

  it("holds a client certificate the OS CA signed, with the role in O and clientAuth only", () => {
    expectChainsTo(cert, fields.MACHINE_CA_CRT);
    expect(cert.subject).toBe("O=os:reader");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(cert.publicKey.asymmetricKeyType).toBe("ed25519");
    expect(cert.checkIssued(new X509Certificate(pem(other.MACHINE_CA_CRT)))).toBe(false);
  });

  it("holds the certificate's own key, Ed25519 under Talos's label", () => {
    const keyPem = pem(context.key);
    expect(keyPem).toMatch(/^-----BEGIN ED25519 PRIVATE KEY-----\n/);
    expect(createPublicKey(createPrivateKey(standardKeyPem(keyPem))).equals(cert.publicKey)).toBe(true);
  });

  it("carries the role asked for: os:admin only where asked", () => {
    const admin = new X509Certificate(pem(talosconfig(derivedTalosconfig(fields, target, "os:admin", NOW)).contexts.infra.crt));
    expect(admin.subject).toBe("O=os:admin");
    expect(admin.publicKey.equals(cert.publicKey)).toBe(false);
  });

  it("is short-lived: valid from its window's start until the next window ends", () => {
    const window = credentialWindow(NOW, CREDENTIAL_WINDOW_HOURS.talosconfig);
    expect(new Date(cert.validFrom).getTime()).toBe(window.notBefore.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(window.notAfter.getTime());
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(2 * CREDENTIAL_WINDOW_HOURS.talosconfig * HOUR + CLOCK_SKEW_MS);
  });

  it("refuses a cluster without a control plane to reach", () => {
    expect(() => derivedTalosconfig(fields, { ...target, endpoints: [] }, "os:reader", NOW)).toThrow(/no control plane/);
  });
});

describe("kubeconfig", () => {
  const config = kubeconfig(derivedKubeconfig(fields, { cluster: "infra", endpoint: "https://infra-k8s.monosense.io:6443" }, NOW));
  const user = config.users[0].user;
  const cert = new X509Certificate(pem(user["client-certificate-data"]));

  it("names cluster, user and context after the cluster, for the cluster endpoint and CA", () => {
    expect(config.clusters).toEqual([{ name: "infra", cluster: { server: "https://infra-k8s.monosense.io:6443", "certificate-authority-data": fields.CLUSTER_CA_CRT } }]);
    expect(config.users.map((u) => u.name)).toEqual(["infra"]);
    expect(config.contexts).toEqual([{ name: "infra", context: { cluster: "infra", user: "infra", namespace: "default" } }]);
    expect(config["current-context"]).toBe("infra");
  });

  it("holds an admin client certificate the Kubernetes CA signed: O=system:masters, CN=admin, ECDSA P-256", () => {
    expectChainsTo(cert, fields.CLUSTER_CA_CRT);
    expect(cert.subject.split("\n")).toEqual(["O=system:masters", "CN=admin"]);
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const key = createPrivateKey(pem(user["client-key-data"]));
    expect(createPublicKey(key).equals(cert.publicKey)).toBe(true);
  });

  it("lives two days at most", () => {
    const lifetime = new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime();
    expect(lifetime).toBe(2 * CREDENTIAL_WINDOW_HOURS.kubeconfig * HOUR + CLOCK_SKEW_MS);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(new Date(cert.validTo).getTime() - NOW.getTime()).toBeGreaterThanOrEqual(CREDENTIAL_WINDOW_HOURS.kubeconfig * HOUR);
  });
});

describe("stability", () => {
  const k8s = { cluster: "infra", endpoint: "https://infra-k8s.monosense.io:6443" };
  const dayStart = new Date("2026-12-07T00:00:00Z");

  it("gives the same kubeconfig, byte for byte, anywhere in one UTC day", () => {
    const first = derivedKubeconfig(fields, k8s, dayStart);
    expect(derivedKubeconfig(fields, k8s, new Date(dayStart.getTime() + 13 * HOUR))).toBe(first);
    expect(derivedKubeconfig(fields, k8s, new Date(dayStart.getTime() + 24 * HOUR - 1))).toBe(first);
  });

  it("gives a new key, serial and validity the next day", () => {
    const today = kubeconfig(derivedKubeconfig(fields, k8s, dayStart)).users[0].user;
    const tomorrow = kubeconfig(derivedKubeconfig(fields, k8s, new Date(dayStart.getTime() + 24 * HOUR))).users[0].user;
    expect(tomorrow["client-key-data"]).not.toBe(today["client-key-data"]);
    const [a, b] = [today, tomorrow].map((u) => new X509Certificate(pem(u["client-certificate-data"])));
    expect(b.serialNumber).not.toBe(a.serialNumber);
    expect(new Date(b.validFrom).getTime() - new Date(a.validFrom).getTime()).toBe(24 * HOUR);
  });

  it("gives the same talosconfig within its hour and a new one the next hour", () => {
    const hourStart = new Date("2026-12-07T18:00:00Z");
    const first = derivedTalosconfig(fields, target, "os:reader", hourStart);
    expect(derivedTalosconfig(fields, target, "os:reader", new Date(hourStart.getTime() + HOUR - 1))).toBe(first);
    expect(derivedTalosconfig(fields, target, "os:reader", new Date(hourStart.getTime() + HOUR))).not.toBe(first);
  });

  it("derives different keys from different clusters' CAs", () => {
    const ours = kubeconfig(derivedKubeconfig(fields, k8s, NOW)).users[0].user["client-key-data"];
    const theirs = kubeconfig(derivedKubeconfig(other, k8s, NOW)).users[0].user["client-key-data"];
    expect(theirs).not.toBe(ours);
  });
});

describe("issueClientCertificate", () => {
  const ca = { certificatePem: pem(fields.CLUSTER_CA_CRT), privateKeyPem: pem(fields.CLUSTER_CA_KEY) };
  const base = { ca, organizations: ["system:masters"], notBefore: new Date("2026-12-07T00:00:00Z"), notAfter: new Date("2026-12-08T00:00:00Z"), keyUsage: ["digitalSignature" as const], label: "test" };

  it("signs ECDSA deterministically: the same request twice is the same certificate", () => {
    expect(issueClientCertificate(base).certificatePem).toBe(issueClientCertificate(base).certificatePem);
  });

  it("copies the CA's subject key id as the authority key id, as Go does", () => {
    const extension = (certPem: string, id: string) => {
      const found = AsnConvert.parse(new X509Certificate(certPem).raw, Certificate).tbsCertificate.extensions?.find((e) => e.extnID === id);
      return found ? Buffer.from(found.extnValue.buffer) : undefined;
    };
    const ski = AsnConvert.parse(extension(ca.certificatePem, id_ce_subjectKeyIdentifier) as Buffer, SubjectKeyIdentifier);
    const aki = AsnConvert.parse(extension(issueClientCertificate(base).certificatePem, id_ce_authorityKeyIdentifier) as Buffer, AuthorityKeyIdentifier);
    expect(Buffer.from(aki.keyIdentifier?.buffer ?? new ArrayBuffer(0)).toString("hex")).toBe(Buffer.from(ski.buffer).toString("hex"));
  });

  it("refuses a key that is not the certificate's", () => {
    expect(() => issueClientCertificate({ ...base, ca: { ...ca, privateKeyPem: pem(other.CLUSTER_CA_KEY) } })).toThrow(/does not match the CA certificate/);
  });

  it("refuses a leaf certificate as CA", () => {
    const leaf = issueClientCertificate(base);
    expect(() => issueClientCertificate({ ...base, ca: { certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem } })).toThrow(/not a CA certificate/);
  });

  it("refuses an empty validity", () => {
    expect(() => issueClientCertificate({ ...base, notAfter: base.notBefore })).toThrow(/notBefore must precede notAfter/);
  });

  it("reads keys under Talos's own labels", () => {
    expect(privateKeyFromPem(pem(fields.MACHINE_CA_KEY)).asymmetricKeyType).toBe("ed25519");
    expect(privateKeyFromPem(pem(fields.CLUSTER_CA_KEY)).asymmetricKeyType).toBe("ec");
  });
});
