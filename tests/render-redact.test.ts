/**
 * Render redaction inside a secret goes leaf by leaf: a leaf the run knows as secret, one
 * under a secret-named key and one that looks like a credential become placeholders (a
 * realistic token the mocks never marked included); every other value stays in clear, and
 * a certificate (public by nature) stays. Talos's wholly secret inputs keep the allow-list.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MockSecret } from "../harness";
import { OriginIndex } from "../tools/render/origins";
import { isPublicCertificate, isSecretKey, looksLikeCredential, Redactor, WhollySecret } from "../tools/render/redact";

function certificate(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redact-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-days", "2", "-subj", "/CN=ca"], { cwd: dir, stdio: "pipe" });
    return { cert: fs.readFileSync(path.join(dir, "c.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "k.pem"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Redactor inside a secret", () => {
  // Shaped like a real Cloudflare tunnel token / GitHub token: no mock marker, unknown to the mocks.
  const realisticToken = "eyJhIjoiOGYzYjJjMWQ0ZTVmNmE3YjhjOWQwZTFmMmEzYjRjNWQiLCJ0IjoiM2Q0ZTVmNmEtN2I4Yy05ZDBlLTFmMmEtM2I0YzVkNmU3ZjhhIn0=";
  const { cert, key } = certificate();

  it("replaces every leaf that is not known public, whatever it looks like", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const cleaned = redactor.clean(
      new MockSecret({ stringData: { token: realisticToken, pin: 1234, "ca.crt": cert, "ca.key": key, "ca.crt.b64": Buffer.from(cert).toString("base64") }, immutable: true }),
      'kubernetes:core/v1:Secret "tunnel"',
    ) as { stringData: Record<string, unknown>; immutable: boolean };
    expect(cleaned.stringData.token).toBe('<secret at kubernetes:core/v1:Secret "tunnel" stringData.token>');
    expect(cleaned.stringData.pin).toMatch(/^<secret at /);
    expect(cleaned.stringData["ca.key"]).toMatch(/^<secret at /);
    expect(cleaned.stringData["ca.crt"]).toBe(cert);
    expect(cleaned.stringData["ca.crt.b64"]).toBe(Buffer.from(cert).toString("base64"));
    expect(cleaned.immutable).toBe(true);
    expect(JSON.stringify(cleaned)).not.toContain(realisticToken);
    expect(redactor.placeholders).toBe(3);
  });

  it("shows every leaf that is not a secret: names, numbers, addresses, modes", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const cleaned = redactor.clean(
      new MockSecret({ cluster: { name: "infra", id: 1 }, k8sServiceHost: "127.0.0.1", routingMode: "native", topologyKey: "kubernetes.io/hostname", tls: { ca: { key, cert } }, apiToken: "short" }),
      'kubernetes:helm.sh/v3:Release "cilium"',
      "values",
    ) as Record<string, unknown> & { tls: { ca: Record<string, string> } };
    expect(cleaned).toMatchObject({ cluster: { name: "infra", id: 1 }, k8sServiceHost: "127.0.0.1", routingMode: "native", topologyKey: "kubernetes.io/hostname" });
    expect(cleaned.tls.ca.cert).toBe(cert);
    expect(cleaned.tls.ca.key).toMatch(/^<secret at /);
    expect(cleaned.apiToken).toMatch(/^<secret at /);
    expect(redactor.placeholders).toBe(2);
  });

  it("shows a secret YAML text the program built leaf by leaf", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const text = `cluster:\n  name: infra\n  id: 1\ntls:\n  ca:\n    key: ${JSON.stringify(key)}\n`;
    const cleaned = redactor.clean(new MockSecret({ stringData: { "values.yaml": new MockSecret(text) } }), 'kubernetes:core/v1:Secret "values"') as { stringData: Record<string, string> };
    expect(cleaned.stringData["values.yaml"]).toMatch(/^cluster:\n {2}name: infra\n {2}id: 1\ntls:\n {2}ca:\n {4}key: <secret at /);
    expect(cleaned.stringData["values.yaml"]).not.toContain("PRIVATE KEY");
  });

  it("keeps the allow-list for wholly secret inputs", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const cleaned = redactor.clean(new WhollySecret({ cluster: { id: "plain-looking", name: "infra" } }), "invoke x") as { cluster: Record<string, string> };
    expect(cleaned.cluster.id).toMatch(/^<secret at /);
    expect(cleaned.cluster.name).toMatch(/^<secret at /);
  });

  it("tells secret keys and credential-shaped values", () => {
    for (const k of ["token", "apiToken", "ca.key", "client-key", "password", "pin", "clusterSecret", "privateKey"]) expect(isSecretKey(k, "x")).toBe(true);
    for (const k of ["name", "publicKey", "k8sServiceHost", "routingMode"]) expect(isSecretKey(k, "x")).toBe(false);
    expect(isSecretKey("topologyKey", "kubernetes.io/hostname")).toBe(false);
    expect(looksLikeCredential(realisticToken)).toBe(true);
    expect(looksLikeCredential("cilium-gateway-external.kube-system.svc.cluster.local")).toBe(false);
    expect(looksLikeCredential("infra")).toBe(false);
  });

  it("knows a certificate from a key or a header alone", () => {
    expect(isPublicCertificate(cert)).toBe(true);
    expect(isPublicCertificate(key)).toBe(false);
    expect(isPublicCertificate("-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n")).toBe(false);
    expect(isPublicCertificate(realisticToken)).toBe(false);
  });
});
