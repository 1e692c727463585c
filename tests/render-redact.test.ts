/**
 * Render redaction inside a secret is an allow-list: a realistic token the mocks never
 * marked still becomes a placeholder; only a certificate (public by nature) stays.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MockSecret } from "../harness";
import { OriginIndex } from "../tools/render/origins";
import { isPublicCertificate, Redactor } from "../tools/render/redact";

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

  it("knows a certificate from a key or a header alone", () => {
    expect(isPublicCertificate(cert)).toBe(true);
    expect(isPublicCertificate(key)).toBe(false);
    expect(isPublicCertificate("-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n")).toBe(false);
    expect(isPublicCertificate(realisticToken)).toBe(false);
  });
});
