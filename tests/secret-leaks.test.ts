/**
 * No mock secret value shows outside a secret anywhere the engine would see it: in any
 * registered resource's inputs, any invoke's arguments, or any stack output. Every
 * sensitive mock value carries a marker (or is registered in its encoded form), so the
 * scan finds a secret that lost its wrapper anywhere in the program. The scan is first
 * shown to catch planted leaks, so it cannot pass by looking at nothing.
 *
 * Invoke arguments: the SDK strips secret wrappers from them just before the RPC (it then
 * marks the result secret); the harness records them as the program handed them over,
 * wrappers included, so an argument is a leak only if the program passed it unwrapped.
 */
import { MockSecret, plainOccurrences, reveal, sharedRun, RunOptions, RunResult, secretLeaks } from "../harness";
import { MOCK_SECRET_MARKER } from "../harness/mocks";
import { generatingPki } from "./helpers/generated-pki";


const CF_ENV = { CLOUDFLARE_API_TOKEN: "MOCK-SECRET-cf", CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" };

/** Secret values the run did keep wrapped: proof the scan had secrets to look at. */
function wrappedSecrets(result: RunResult): number {
  let count = 0;
  const visit = (value: unknown): void => {
    if (value instanceof MockSecret) {
      // A wrapped value that does hold a mock secret.
      if (plainOccurrences(reveal(value), new RegExp(MOCK_SECRET_MARKER)).length > 0) count++;
      return;
    }
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
  };
  for (const r of result.resources) visit(r.inputs);
  for (const o of Object.values(result.outputs)) if (o.secret) count++;
  return count;
}

const variants: [string, (stack: string) => Omit<RunOptions, "stack">][] = [
  ["as committed", () => ({})],
  ["with a 1Password service account", () => ({ replaceEnv: true, env: { ...CF_ENV, OP_SERVICE_ACCOUNT_TOKEN: "MOCK-SECRET-service-account" } })],
  ["generating its Talos PKI", (stack) => generatingPki(stack)],
  ["with 1Password off", () => ({ replaceEnv: true, env: CF_ENV, config: { "k8s-gitops:onepassword.enabled": false, "k8s-gitops:talos.pki": "generate" } })],
  ["with Cloudflare off", () => ({ config: { "k8s-gitops:cloudflare.enabled": false } })],
];

describe.each(["infra", "apps"])("stack %s", (stack) => {
  it.each(variants)("%s: nothing secret shows in the clear", async (_name, options) => {
    const result = await sharedRun({ stack, ...options(stack) });
    expect(result.error).toBeUndefined();
    expect(wrappedSecrets(result)).toBeGreaterThan(0);
    expect(secretLeaks(result)).toEqual([]);
  });
});

describe("the scan", () => {
  let clean: RunResult;
  beforeAll(async () => {
    clean = await sharedRun({ stack: "infra" });
    expect(secretLeaks(clean)).toEqual([]);
  });

  /** The clean run with one resource's inputs unwrapped. */
  function unwrapped(type: string, name: string): RunResult {
    const target = clean.resources.find((r) => r.type === type && r.name === name);
    expect(target).toBeDefined();
    return { ...clean, resources: clean.resources.map((r) => (r === target ? { ...r, inputs: reveal(r.inputs) as Record<string, unknown> } : r)) };
  }

  it("finds an API token written to 1Password without its secret wrapper", () => {
    expect(secretLeaks(unwrapped("onepassword:index/item:Item", "cert-manager-cloudflare"))).toEqual([
      "onepassword:index/item:Item::cert-manager-cloudflare inputs.sections[0].fields[0].value",
    ]);
  });

  it("finds the tunnel token although it is base64 and carries no visible marker", () => {
    const leaks = secretLeaks(unwrapped("onepassword:index/item:Item", "cloudflared-tunnel"));
    expect(leaks).toEqual(["onepassword:index/item:Item::cloudflared-tunnel inputs.sections[0].fields[0].value"]);
  });

  it("finds a provider credential in the clear", () => {
    expect(secretLeaks(unwrapped("pulumi:providers:onepassword", "onepassword"))).toEqual(["pulumi:providers:onepassword::onepassword inputs.token"]);
    expect(secretLeaks(unwrapped("pulumi:providers:cloudflare", "cloudflare"))).toEqual(["pulumi:providers:cloudflare::cloudflare inputs.apiToken"]);
  });

  it("finds a secret the program passed to an invoke unwrapped", () => {
    const index = clean.invokes.findIndex((i) => i.token === "talos:machine/getConfiguration:getConfiguration");
    expect(index).toBeGreaterThanOrEqual(0);
    expect(plainOccurrences(clean.invokes[index].inputs, new RegExp(MOCK_SECRET_MARKER))).toEqual([]);
    const invokes = clean.invokes.map((i, n) => (n === index ? { ...i, inputs: reveal(i.inputs) as Record<string, unknown> } : i));
    expect(secretLeaks({ ...clean, invokes })).toContain("invoke talos:machine/getConfiguration:getConfiguration inputs.machineSecrets.secrets.bootstrapToken");
  });

  it("finds every secret of the adopted PKI item unwrapped, though the test-only material carries no marker", () => {
    const index = clean.invokes.findIndex((i) => i.token === "talos:machine/getConfiguration:getConfiguration");
    const invokes = clean.invokes.map((i, n) => (n === index ? { ...i, inputs: reveal(i.inputs) as Record<string, unknown> } : i));
    const at = "invoke talos:machine/getConfiguration:getConfiguration inputs.machineSecrets.";
    const leaks = secretLeaks({ ...clean, invokes }).filter((l) => l.startsWith(at)).map((l) => l.slice(at.length));
    expect(leaks.sort()).toEqual(
      [
        "certs.etcd.key",
        "certs.k8s.key",
        "certs.k8sAggregator.key",
        "certs.k8sServiceaccount.key",
        "certs.os.key",
        "cluster.secret",
        "secrets.bootstrapToken",
        "secrets.secretboxEncryptionSecret",
        "trustdinfo.token",
      ].sort(),
    );
    // The OS CA key handed to the TLS provider under the standard PKCS#8 label is found too.
    expect(secretLeaks(unwrapped("tls:index/locallySignedCert:LocallySignedCert", "talos-admin"))).toEqual([
      "tls:index/locallySignedCert:LocallySignedCert::talos-admin inputs.caPrivateKeyPem",
    ]);
  });

  it("finds a secret in an invoke's inputs and in a plain stack output, but not in a secret one", () => {
    const token = "MOCK-SECRET-planted";
    const planted: RunResult = {
      ...clean,
      invokes: [...clean.invokes, { seq: 0, token: "test:index:lookup", inputs: { nested: [{ key: token }] }, version: "", pluginDownloadURL: "" }],
      outputs: { ...clean.outputs, plain: { value: { token }, secret: false }, hidden: { value: { token }, secret: true } },
    };
    expect(secretLeaks(planted)).toEqual(["invoke test:index:lookup inputs.nested[0].key", "stack output plain.token"]);
  });
});
