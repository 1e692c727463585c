/**
 * The adopted PKI item's field checks (components/talos/rules/pki.ts) against material
 * generated here: CA certificates from openssl, keys and random secrets from node:crypto.
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CERTIFICATE_KEYS, pkiFieldProblems } from "../components/talos/rules/pki";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** A self-signed CA (certificate and key, base64 PEM) made by openssl. */
function selfSignedCa(dir: string, name: string, algorithm: "ec" | "ed25519"): { crt: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  const keyArgs = algorithm === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "ed25519"];
  execFileSync("openssl", ["req", "-x509", ...keyArgs, "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE"], { stdio: "ignore" });
  return { crt: b64(fs.readFileSync(crt, "utf8")), key: b64(fs.readFileSync(key, "utf8")) };
}

const token = () => `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}`;

let valid: Record<string, string>;
let foreign: { crt: string; key: string };
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "talos-pki-"));
  try {
    const os_ = selfSignedCa(dir, "os", "ed25519");
    const k8s = selfSignedCa(dir, "k8s", "ec");
    const aggregator = selfSignedCa(dir, "aggregator", "ec");
    const etcd = selfSignedCa(dir, "etcd", "ec");
    const sa = selfSignedCa(dir, "sa", "ec");
    foreign = selfSignedCa(dir, "other-cluster", "ec");
    valid = {
      MACHINE_TOKEN: token(),
      MACHINE_CA_CRT: os_.crt,
      MACHINE_CA_KEY: os_.key,
      CLUSTER_ID: randomBytes(32).toString("base64url") + "=",
      CLUSTER_SECRET: randomBytes(32).toString("base64"),
      CLUSTER_TOKEN: token(),
      CLUSTER_CA_CRT: k8s.crt,
      CLUSTER_CA_KEY: k8s.key,
      CLUSTER_AGGREGATORCA_CRT: aggregator.crt,
      CLUSTER_AGGREGATORCA_KEY: aggregator.key,
      CLUSTER_ETCD_CA_CRT: etcd.crt,
      CLUSTER_ETCD_CA_KEY: etcd.key,
      CLUSTER_SERVICEACCOUNT_KEY: sa.key,
      CLUSTER_SECRETBOXENCRYPTIONSECRET: randomBytes(32).toString("base64"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("adopted PKI fields", () => {
  it("accepts what Talos generates", () => {
    expect(pkiFieldProblems(valid)).toEqual([]);
  });

  it.each([
    ["a secretbox key of the wrong length", () => ({ CLUSTER_SECRETBOXENCRYPTIONSECRET: randomBytes(16).toString("base64") }), "CLUSTER_SECRETBOXENCRYPTIONSECRET: must be base64 of 32 bytes, decodes to 16"],
    ["a secretbox key that is not base64", () => ({ CLUSTER_SECRETBOXENCRYPTIONSECRET: "not base64!" }), "CLUSTER_SECRETBOXENCRYPTIONSECRET: must be base64 of 32 bytes"],
    ["a short cluster secret", () => ({ CLUSTER_SECRET: randomBytes(31).toString("base64") }), "CLUSTER_SECRET: must be base64 of 32 bytes, decodes to 31"],
    ["a cluster id of the wrong length", () => ({ CLUSTER_ID: randomBytes(8).toString("base64url") + "=" }), "CLUSTER_ID: must be URL-safe base64 of 32 bytes, decodes to 8"],
    ["a malformed bootstrap token", () => ({ CLUSTER_TOKEN: "ABCDEF.0123456789abcdef" }), "CLUSTER_TOKEN: is not a Talos token"],
    ["a malformed trustd token", () => ({ MACHINE_TOKEN: "abc.def" }), "MACHINE_TOKEN: is not a Talos token"],
    ["another cluster's CA key", () => ({ CLUSTER_CA_KEY: foreign.key }), "CLUSTER_CA_KEY: does not match CLUSTER_CA_CRT"],
    ["a certificate that does not parse", () => ({ CLUSTER_ETCD_CA_CRT: b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }), "CLUSTER_ETCD_CA_CRT: is not a base64-encoded PEM certificate"],
    ["a key that does not parse", () => ({ CLUSTER_SERVICEACCOUNT_KEY: b64("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n") }), "CLUSTER_SERVICEACCOUNT_KEY: is not a base64-encoded PEM private key"],
  ])("rejects %s, naming the field and never the value", (_name, change, message) => {
    const changed: Record<string, string> = { ...valid, ...change() };
    const problems = pkiFieldProblems(changed);
    expect(problems).toEqual([expect.stringContaining(message)]);
    const field = message.split(":")[0];
    expect(problems.join("\n")).not.toContain(changed[field]);
  });

  it("reads keys under Talos's own labels: Ed25519 PKCS#8 as ED25519 PRIVATE KEY, ECDSA as SEC1 EC PRIVATE KEY", () => {
    const relabel = (field: string, from: string, to: string) => b64(Buffer.from(field, "base64").toString("utf8").split(from).join(to));
    const talosOs = relabel(valid.MACHINE_CA_KEY, " PRIVATE KEY-----", " ED25519 PRIVATE KEY-----");
    expect(Buffer.from(talosOs, "base64").toString("utf8")).toMatch(/^-----BEGIN ED25519 PRIVATE KEY-----/);
    expect(pkiFieldProblems({ ...valid, MACHINE_CA_KEY: talosOs })).toEqual([]);
    // The same bytes under a label of another layout do not parse.
    const mislabelled = relabel(valid.MACHINE_CA_KEY, " PRIVATE KEY-----", " EC PRIVATE KEY-----");
    expect(pkiFieldProblems({ ...valid, MACHINE_CA_KEY: mislabelled })).toEqual(["MACHINE_CA_KEY: is not a base64-encoded PEM private key"]);
  });

  it("checks every certificate against its own key", () => {
    for (const [crt, key] of Object.entries(CERTIFICATE_KEYS)) {
      expect(pkiFieldProblems({ ...valid, [key]: foreign.key })).toEqual([`${key}: does not match ${crt}`]);
    }
  });
});
