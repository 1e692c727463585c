/**
 * Bad input the schema of single values used to let through: config namespaces with a
 * typo, endpoints without a port, URLs with credentials or control characters, unbounded
 * strings, plain-HTTP 1Password Connect. Each fails with one ConfigError naming the config
 * path, never echoing a huge or secret value, before any resource is registered.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programResources, runProgram, RunResult } from "../harness";
import { parsePemCertificates } from "../stacks/pem";
import { forError, urlProblem } from "../stacks/strings";

async function failing(config: Record<string, unknown>, env?: Record<string, string | undefined>): Promise<string> {
  const result: RunResult = await runProgram({ stack: "infra", config, env });
  expect(result.error?.name).toBe("ConfigError");
  expect(programResources(result)).toEqual([]);
  expect(result.invokes).toEqual([]);
  return result.error?.message ?? "";
}

describe("config namespaces", () => {
  it.each(["clustermesh", "talos"])("a typo in the namespace of k8s-gitops:%s is an error, not a silent default", async (key) => {
    const infra = fs.readFileSync(path.join(__dirname, "..", "Pulumi.infra.yaml"), "utf8");
    expect(infra).toContain(`k8s-gitops:${key}:`);
    const message = await failing({ [`k8s-gitops:${key}`]: undefined, [`k8s-gitop:${key}`]: { enabled: true } });
    expect(message).toContain(`"k8s-gitop:${key}": unknown config namespace (typo?)`);
  });

  it("accepts the providers' own namespaces", async () => {
    const result = await runProgram({ stack: "infra", config: { "kubernetes:enableServerSideApply": "true", "pulumi:disable-default-providers": ["*"] } });
    expect(result.error?.message ?? "").not.toContain("unknown config namespace");
  });
});

describe("strings and URLs", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["endpoint without a port", { "k8s-gitops:cluster.endpoint": "https://infra-k8s.monosense.io" }, "k8s-gitops:cluster.endpoint: must name its port"],
    ["endpoint with the default port left implicit", { "k8s-gitops:cluster.endpoint": "https://infra-k8s.monosense.io/" }, "k8s-gitops:cluster.endpoint: must name its port"],
    ["flux.repository with a newline", { "k8s-gitops:flux.repository": "https://github.com/monosense-io/k8s-gitops\n  injected: true" }, "k8s-gitops:flux.repository: contains whitespace or control characters"],
    ["flux.repository with user:token@", { "k8s-gitops:flux.repository": "https://user:ghp_abcdefghijklmnop@github.com/monosense-io/k8s-gitops" }, "k8s-gitops:flux.repository: must not carry credentials"],
    ["flux.repository with token@", { "k8s-gitops:flux.repository": "https://ghp_abcdefghijklmnop@github.com/monosense-io/k8s-gitops" }, "k8s-gitops:flux.repository: must not carry credentials"],
    ["connectHost with a password", { "k8s-gitops:onepassword.connectHost": "https://a:b@opconnect.monosense.dev" }, "k8s-gitops:onepassword.connectHost: must not carry credentials"],
    ["control character in a vault name", { "k8s-gitops:onepassword.talosVault": "Prod\u0007" }, "k8s-gitops:onepassword.talosVault: contains control characters"],
    ["huge item name", { "k8s-gitops:onepassword.talosItem": "x".repeat(100_000) }, "k8s-gitops:onepassword.talosItem: must be at most 100 characters"],
    ["branch with a space", { "k8s-gitops:flux.branch": "main; rm" }, "k8s-gitops:flux.branch: may contain only letters, digits and . _ / -"],
    ["unbounded duration", { "k8s-gitops:talos.applyTimeout": `${"9".repeat(50)}m` }, "k8s-gitops:talos.applyTimeout: is not a duration"],
    ["flux.path leaving the cluster tree", { "k8s-gitops:flux.path": "kubernetes/../../etc" }, "k8s-gitops:flux.path: is not a relative path inside the repository (no . or .. segment)"],
    ["flux.path through a . segment", { "k8s-gitops:flux.path": "./kubernetes/clusters/infra" }, "k8s-gitops:flux.path: is not a relative path inside the repository (no . or .. segment)"],
    ["tunnel service with credentials", { "k8s-gitops:cloudflare.tunnel.service": "https://u:p@gw.local:443" }, "k8s-gitops:cloudflare.tunnel.service: must not carry credentials"],
  ];

  it.each(cases)("%s", async (_name, config, expected) => {
    const message = await failing(config);
    expect(message).toContain(expected);
    // The offending value is never echoed back.
    for (const value of Object.values(config)) if (typeof value === "string" && value.length > 60) expect(message).not.toContain(value);
    expect(message).not.toContain("ghp_abcdefghijklmnop");
  });

  it("ssh:// keeps its user name (git@), https:// may not have one", () => {
    expect(urlProblem("ssh://git@github.com/monosense-io/k8s-gitops", { protocols: ["https:", "ssh:"], allowUserFor: ["ssh:"] })).toBeUndefined();
    expect(urlProblem("https://git@github.com/x", { protocols: ["https:", "ssh:"], allowUserFor: ["ssh:"] })).toMatch(/credentials/);
    expect(urlProblem("https://h:443", { protocols: ["https:"], requirePort: true })).toBeUndefined();
  });

  it("shortens a huge value for an error and escapes control characters", () => {
    const shown = forError(`${"A".repeat(2_000_000)}\n`);
    expect(shown.length).toBeLessThan(120);
    expect(shown).toContain("(2000001 characters)");
    expect(forError("a\nb")).toBe('"a\\nb"');
  });
});

describe("versions", () => {
  it("point at Pulumi.yaml, where they are pinned", async () => {
    const message = await failing({ "k8s-gitops:versions.talos": "latest" });
    expect(message).toContain("k8s-gitops:versions.talos: is not a pinned version");
    expect(message).toContain("(pinned in Pulumi.yaml under config.versions)");
  });
});

describe("1Password Connect transport", () => {
  it("refuses plain http without an acknowledgement, from the stack or the environment", async () => {
    const fromStack = await failing({ "k8s-gitops:onepassword.connectHost": "http://opconnect.monosense.dev" }, { OP_CONNECT_HOST: undefined });
    expect(fromStack).toContain("k8s-gitops:onepassword.connectHost: 1Password Connect over plain http");
    const fromEnv = await failing({}, { OP_CONNECT_HOST: "http://opconnect.example" });
    expect(fromEnv).toContain("1Password Connect over plain http");
    expect(fromEnv).not.toContain("MOCK-SECRET-op-connect-token-env");
  });

  it("applies the URL rules to OP_CONNECT_HOST too, without echoing it", async () => {
    const message = await failing({}, { OP_CONNECT_HOST: "https://user:s3cr3t-value@opconnect.example" });
    expect(message).toContain("the 1Password Connect URL in use (OP_CONNECT_HOST, onepassword:url or connectHost) must not carry credentials");
    expect(message).not.toContain("s3cr3t-value");
  });

  it("accepts plain http with a reasoned acknowledgement, and https without one", async () => {
    const acknowledged = await runProgram({
      stack: "infra",
      config: { "k8s-gitops:onepassword.allowInsecureConnect": "Connect listens on loopback of the runner only" },
      env: { OP_CONNECT_HOST: "http://127.0.0.1:8080" },
    });
    expect(acknowledged.error).toBeUndefined();
    const committed = await runProgram({ stack: "infra" });
    expect(committed.error).toBeUndefined();
  });

  it("the committed stacks use https", () => {
    for (const stack of ["infra", "apps"]) {
      expect(fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8")).toMatch(/connectHost: https:\/\//);
    }
  });
});

describe("parsePemCertificates", () => {
  let dir: string;
  let caPem: string;
  let leafPem: string;
  let keyPem: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pem-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=mesh-ca", "-addext", "basicConstraints=critical,CA:TRUE");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "leaf.key", "-out", "leaf.crt", "-days", "2", "-subj", "/CN=leaf", "-addext", "basicConstraints=critical,CA:FALSE");
    caPem = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    leafPem = fs.readFileSync(path.join(dir, "leaf.crt"), "utf8");
    keyPem = fs.readFileSync(path.join(dir, "ca.key"), "utf8");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("parses a real CA certificate", () => {
    const result = parsePemCertificates(caPem, { requireCa: true });
    expect(result).toMatchObject({ ok: true, certificates: [{ subject: "CN=mesh-ca", isCa: true }] });
  });

  it.each([
    ["a header alone", "-----BEGIN CERTIFICATE-----\n", "holds no PEM block"],
    ["garbage between the markers", "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n", "block 1 is not a parseable X.509 certificate"],
    ["text around the block", () => `junk\n${caPem}`, "holds text outside its PEM blocks"],
    ["a private key", () => keyPem, "not a CERTIFICATE"],
    ["a leaf where a CA is needed", () => leafPem, "is not a CA certificate"],
    ["a huge value", "A".repeat(2_000_000), "more than a certificate bundle"],
  ])("refuses %s without quoting it", (_name, input, problem) => {
    const pem = typeof input === "function" ? input() : input;
    const result = parsePemCertificates(pem, { requireCa: true });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : result.problem;
    expect(text).toContain(problem);
    expect(text.length).toBeLessThan(200);
  });

  it("refuses an expired certificate when given the time", () => {
    const result = parsePemCertificates(caPem, { now: new Date(Date.now() + 10 * 24 * 3600 * 1000) });
    expect(result.ok ? "" : result.problem).toMatch(/expired on/);
  });
});

describe("stack files", () => {
  it("a YAML syntax error names the stack file and line, before anything is registered", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-yaml-"));
    try {
      fs.copyFileSync(path.join(__dirname, "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  k8s-gitops:cluster:\n    name: [infra\n");
      const result = await runProgram({ stack: "broken", projectRoot: dir }).catch((error: unknown) => ({ thrown: error }));
      const message = "thrown" in result ? String(result.thrown) : String(result.error);
      expect(message).toMatch(/Pulumi\.broken\.yaml:\d+:\d+: invalid YAML/);
      if (!("thrown" in result)) expect(programResources(result)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
