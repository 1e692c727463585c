/**
 * 1Password in the whole program, for both stacks: the provider is configured explicitly
 * from the environment, the bootstrap reads and the generated-material writes go to the
 * configured vault under `kubernetes/<cluster>/<app>/<purpose>`, and with the integration
 * off nothing of it is registered or needs a credential.
 */
import { MockSecret, ofType, programResources, reveal, sharedRun, RunResult } from "../harness";
import { generatingPki } from "./helpers/generated-pki";

const ITEM = "onepassword:index/item:Item";
const PROVIDER = "pulumi:providers:onepassword";
const GET_VAULT = "onepassword:index/getVault:getVault";
const GET_ITEM = "onepassword:index/getItem:getItem";
const CF_ENV = { CLOUDFLARE_API_TOKEN: "MOCK-SECRET-cf", CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" };

/** The UUID the mock 1Password returns for a vault name, asked of the run's own mock. */
function vaultUuidOf(result: RunResult, name: string): string {
  return String(result.world.call({ token: GET_VAULT, inputs: { name }, provider: "" }).uuid);
}

interface ItemField {
  label: string;
  type: string;
  value: unknown;
}

/** The written item of a title and its fields by label (values still wrapped). */
function item(result: RunResult, title: string): { vault: unknown; fields: Record<string, ItemField>; sectionsSecret: boolean } {
  const found = ofType(result, ITEM).filter((r) => r.inputs.title === title);
  expect(found).toHaveLength(1);
  const inputs = found[0].inputs;
  const sectionsSecret = inputs.sections instanceof MockSecret;
  const sections = (sectionsSecret ? (inputs.sections as MockSecret).value : inputs.sections) as { fields: ItemField[] }[];
  const fields = Object.fromEntries(sections.flatMap((s) => s.fields).map((f) => [f.label, f]));
  return { vault: inputs.vault, fields, sectionsSecret };
}

function onePasswordFootprint(result: RunResult): string[] {
  return [
    ...result.resources.filter((r) => r.type.startsWith("onepassword:") || r.type === PROVIDER).map((r) => `${r.type}::${r.name}`),
    ...result.invokes.filter((i) => i.token.startsWith("onepassword:")).map((i) => `invoke ${i.token}`),
  ];
}

describe.each(["infra", "apps"])("stack %s with 1Password", (stack) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await sharedRun({ stack });
  });

  it("runs without error", () => {
    expect(result.error).toBeUndefined();
  });

  it("configures one provider explicitly for 1Password Connect, its token a secret", () => {
    const providers = ofType(result, PROVIDER);
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs).toEqual({
      url: "https://opconnect.invalid",
      token: new MockSecret("MOCK-SECRET-op-connect-token-env"),
    });
    const ref = (r: { urn: string; id?: string }) => `${r.urn}::${r.id}`;
    for (const r of ofType(result, ITEM)) expect(r.provider).toBe(ref(providers[0]));
    const invokes = result.invokes.filter((i) => i.token.startsWith("onepassword:"));
    expect(invokes.length).toBeGreaterThan(0);
    for (const i of invokes) expect(i.provider).toBe(ref(providers[0]));
  });

  it("reads the Connect token for external-secrets from the cluster vault", () => {
    expect(result.invokes.filter((i) => i.token === GET_VAULT).map((i) => i.inputs)).toContainEqual({ name: "Infra" });
    expect(result.invokes.filter((i) => i.token === GET_ITEM).map((i) => i.inputs)).toContainEqual({
      vault: vaultUuidOf(result, "Infra"),
      title: "shared-1password",
    });
  });

  it("writes the tunnel token and the scoped API tokens into the cluster vault by path", () => {
    const vault = vaultUuidOf(result, "Infra");
    const tunnel = ofType(result, "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared")[0];

    const tunnelItem = item(result, `kubernetes/${stack}/cloudflared/tunnel`);
    expect(tunnelItem.vault).toBe(vault);
    // The engine sees the whole `sections` property as one secret.
    expect(tunnelItem.sectionsSecret).toBe(true);
    expect(tunnelItem.fields.TUNNEL_TOKEN.type).toBe("CONCEALED");
    // The token of this cluster's tunnel, exactly as Cloudflare hands it out.
    const issued = result.world.call({
      token: "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken",
      inputs: { accountId: "0123456789abcdef0123456789abcdef", tunnelId: tunnel.id },
      provider: "",
    }).token;
    expect(reveal(tunnelItem.fields.TUNNEL_TOKEN.value)).toBe(issued);
    expect(tunnelItem.fields.TUNNEL_ID).toMatchObject({ type: "STRING", value: tunnel.id });

    for (const app of ["cert-manager", "external-dns"]) {
      const written = item(result, `kubernetes/${stack}/${app}/cloudflare`);
      expect(written.vault).toBe(vault);
      expect(written.sectionsSecret).toBe(true);
      expect(Object.keys(written.fields)).toEqual(["credential", "ZONE_ID"]);
      expect(written.fields.credential.type).toBe("CONCEALED");
      expect(reveal(written.fields.credential.value)).toBe(`MOCK-SECRET-${app}-api-token-api-token`);
    }
  });

  it("writes the cluster's talosconfig and kubeconfig for `op`, the very values the stack exports", () => {
    const vault = vaultUuidOf(result, "Infra");
    for (const [title, field, output] of [
      [`kubernetes/${stack}/talos/talosconfig`, "talosconfig", "talosconfig"],
      [`kubernetes/${stack}/kubernetes/kubeconfig`, "kubeconfig", "kubeconfig"],
    ]) {
      const written = item(result, title);
      expect(written.vault).toBe(vault);
      expect(written.sectionsSecret).toBe(true);
      expect(Object.keys(written.fields)).toEqual([field]);
      expect(written.fields[field].type).toBe("CONCEALED");
      expect(result.outputs[output]?.secret).toBe(true);
      // Multi-line: stored base64 so the 1Password app cannot collapse its lines.
      expect(fromBase64(written.fields[field].value)).toBe(reveal(result.outputs[output]?.value));
    }
    expect(fromBase64(item(result, `kubernetes/${stack}/kubernetes/kubeconfig`).fields.kubeconfig.value)).toContain(`current-context: ${stack}`);
  });

  it("writes only titles that follow kubernetes/<cluster>/<app>/<purpose>, each once", () => {
    const titles = ofType(result, ITEM)
      .filter((r) => r.parent?.includes("ClusterSecrets"))
      .map((r) => String(r.inputs.title));
    expect(titles.length).toBeGreaterThanOrEqual(3);
    for (const title of titles) expect(title).toMatch(new RegExp(`^kubernetes/${stack}/[a-z0-9-]+/[a-z0-9-]+$`));
    expect(new Set(titles).size).toBe(titles.length);
    expect(result.outputs.onepasswordItems).toEqual({ value: { vault: "Infra", titles: expect.arrayContaining(titles) }, secret: false });
  });
});

const fromBase64 = (value: unknown) => Buffer.from(String(value), "base64").toString("utf8");

describe("1Password credentials", () => {
  it.each([
    [{ OP_SERVICE_ACCOUNT_TOKEN: "MOCK-SECRET-service-account" }, ["OP_CONNECT_HOST", "OP_CONNECT_TOKEN", "OP_SERVICE_ACCOUNT_TOKEN"]],
    [{ OP_ACCOUNT: "my.1password.com" }, ["OP_CONNECT_HOST", "OP_CONNECT_TOKEN", "OP_ACCOUNT"]],
    [{ OP_CONNECT_TOKEN: undefined, OP_SERVICE_ACCOUNT_TOKEN: "MOCK-SECRET-service-account" }, ["OP_CONNECT_HOST", "OP_SERVICE_ACCOUNT_TOKEN"]],
  ])("both credential kinds present (%j over Connect) fail before anything is registered, naming them", async (extra, named) => {
    const result = await sharedRun({ stack: "infra", env: extra });
    expect(result.error?.name).toBe("ConfigError");
    const message = result.error?.message ?? "";
    expect(message).toContain("both 1Password credential kinds are set");
    for (const variable of named) expect(message).toContain(variable);
    expect(message).not.toContain("MOCK-SECRET");
    expect(programResources(result)).toEqual([]);
    expect(result.invokes).toEqual([]);
  });

  it("uses a service account when no Connect token is set", async () => {
    const result = await sharedRun({
      stack: "infra",
      replaceEnv: true,
      env: { ...CF_ENV, OP_SERVICE_ACCOUNT_TOKEN: "MOCK-SECRET-service-account" },
    });
    expect(result.error).toBeUndefined();
    expect(ofType(result, PROVIDER).map((p) => p.inputs)).toEqual([{ serviceAccountToken: new MockSecret("MOCK-SECRET-service-account") }]);
  });

  it("falls back to the stack's Connect host when OP_CONNECT_HOST is not set", async () => {
    const result = await sharedRun({ stack: "apps", env: { OP_CONNECT_HOST: undefined } });
    expect(result.error).toBeUndefined();
    expect(ofType(result, PROVIDER)[0].inputs.url).toBe("https://opconnect.monosense.dev");
  });

  it.each(["infra", "apps"])("%s: a missing credential fails before anything is registered, naming what to set", async (stack) => {
    const result = await sharedRun({ stack, replaceEnv: true, env: CF_ENV });
    expect(result.error?.name).toBe("ConfigError");
    const message = result.error?.message ?? "";
    expect(message).toContain("k8s-gitops:onepassword.enabled: 1Password is enabled but no credential is set");
    for (const variable of ["OP_CONNECT_TOKEN", "OP_CONNECT_HOST", "OP_SERVICE_ACCOUNT_TOKEN"]) expect(message).toContain(variable);
    expect(message).not.toContain("CLOUDFLARE_API_TOKEN");
    expect(programResources(result)).toEqual([]);
    expect(result.invokes).toEqual([]);
  });

  it("fails naming the item and field when the Connect token field is missing", async () => {
    const result = await sharedRun({ stack: "infra", onepasswordItems: { "shared-1password": { OTHER: "MOCK-SECRET-other" } } });
    // The bootstrap's Connect-token Secret consumes the field, so the SDK reports it while serializing that Secret.
    expect(result.error?.message).toContain('1Password item "shared-1password" has no field "OP_CONNECT_TOKEN"');
  });

  it("says which half of a Connect credential is missing", async () => {
    const result = await sharedRun({ stack: "infra", env: { OP_CONNECT_TOKEN: undefined } });
    expect(result.error?.message).toContain("OP_CONNECT_HOST is set but OP_CONNECT_TOKEN is not");
    expect(programResources(result)).toEqual([]);
  });
});

describe.each(["infra", "apps"])("stack %s generating its Talos PKI", (stack) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await sharedRun({ stack, ...generatingPki(stack) });
  });

  it("backs the PKI up where adopt reads it, and keeps the item through pulumi destroy", () => {
    expect(result.error).toBeUndefined();
    const backups = ofType(result, ITEM).filter((r) => r.inputs.title === `${stack}-talos`);
    expect(backups).toHaveLength(1);
    expect(backups[0].inputs.vault).toBe(vaultUuidOf(result, "Prod"));
    // Retained, not protected: a switch to adopt or turning 1Password off drops it from the program in one run.
    expect(backups[0].options).toMatchObject({ retainOnDelete: true, protect: false, deleteBeforeReplace: false });
    expect(backups[0].inputs.sections).toBeInstanceOf(MockSecret);
    expect(Object.keys(item(result, `${stack}-talos`).fields)).toHaveLength(14);
  });

  it("keeps the written items on destroy (the running cluster reads them), unprotected, never replaced delete-first", () => {
    const written = ofType(result, ITEM).filter((r) => r.parent?.includes("ClusterSecrets"));
    expect(written.length).toBe(5);
    for (const r of written) {
      expect([r.inputs.title, r.options.retainOnDelete, r.options.protect, r.options.deleteBeforeReplace]).toEqual([r.inputs.title, true, false, false]);
    }
  });
});

describe.each(["infra", "apps"])("stack %s with 1Password off", (stack) => {
  let result: RunResult;
  beforeAll(async () => {
    // No 1Password variable at all: off must not need its credentials.
    result = await sharedRun({
      stack,
      replaceEnv: true,
      env: CF_ENV,
      config: { "k8s-gitops:onepassword.enabled": false, "k8s-gitops:talos.pki": "generate" },
    });
  });

  it("runs and registers no 1Password resource, provider or invoke", () => {
    expect(result.error).toBeUndefined();
    expect(programResources(result).length).toBeGreaterThan(0);
    expect(onePasswordFootprint(result)).toEqual([]);
    expect(result.outputs.onepasswordItems).toBeUndefined();
  });

  it("keeps the Cloudflare tokens it cannot write as one secret stack output", () => {
    const output = result.outputs.cloudflareSecrets;
    expect(output?.secret).toBe(true);
    const value = reveal(output?.value) as { tunnelToken: string; apiTokens: Record<string, string> };
    expect(Object.keys(value.apiTokens).sort()).toEqual(["cert-manager", "external-dns"]);
    expect(value.tunnelToken).toEqual(expect.any(String));
  });
});

it("the footprint check sees 1Password when it is on", async () => {
  // Guards the off-test above against passing because nothing is ever registered.
  const result = await sharedRun({ stack: "infra" });
  expect(onePasswordFootprint(result)).toEqual(
    expect.arrayContaining([`${PROVIDER}::onepassword`, `invoke ${GET_VAULT}`, `invoke ${GET_ITEM}`, `${ITEM}::cert-manager-cloudflare`]),
  );
});
