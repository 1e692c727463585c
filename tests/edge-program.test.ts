/**
 * Cloudflare in the whole program, for both stacks: one tunnel per cluster with its
 * ingress to the cluster's external gateway, its token read as a secret, and API tokens
 * limited to DNS edit and zone read on the configured zone, one per consuming app. No DNS
 * record is made (external-dns owns them). Off means nothing of Cloudflare is registered.
 */
import { MockSecret, named, ofType, programResources, reveal, sharedRun, RunResult } from "../harness";
import { CATCH_ALL, tunnelIngress } from "../components/cloudflare/ingress";

const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared";
const TUNNEL_CONFIG = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";
const ACCOUNT_TOKEN = "cloudflare:index/accountToken:AccountToken";
const USER_API_TOKEN = "cloudflare:index/apiToken:ApiToken";
const PROVIDER = "pulumi:providers:cloudflare";
const GET_ZONE = "cloudflare:index/getZone:getZone";
const GET_GROUPS = "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList";
const GET_USER_GROUPS = "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList";
const GET_TUNNEL_TOKEN = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken";
const ENV_ACCOUNT = "0123456789abcdef0123456789abcdef";
const SERVICE = "https://cilium-gateway-external.kube-system.svc.cluster.local:443";

/** What the mock answers a lookup with: the test asks the run's own world, not a copy of its logic. */
function ask(result: RunResult, token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  return result.world.call({ token, inputs, provider: "" });
}

function permissionGroupId(result: RunResult, name: string): string {
  const answer = ask(result, GET_GROUPS, { accountId: ENV_ACCOUNT, name, scope: "com.cloudflare.api.account.zone" }) as { results: { id: string; name: string }[] };
  return answer.results.find((g) => g.name === name)?.id ?? "missing";
}

function cloudflareFootprint(result: RunResult): string[] {
  return [
    ...result.resources.filter((r) => r.type.startsWith("cloudflare:") || r.type === PROVIDER).map((r) => `${r.type}::${r.name}`),
    ...result.invokes.filter((i) => i.token.startsWith("cloudflare:")).map((i) => `invoke ${i.token}`),
  ];
}

describe.each(["infra", "apps"])("stack %s with Cloudflare", (stack) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await sharedRun({ stack });
  });

  it("runs without error and makes no DNS record", () => {
    expect(result.error).toBeUndefined();
    expect(ofType(result, "cloudflare:index/dnsRecord:DnsRecord")).toEqual([]);
    expect(ofType(result, "cloudflare:index/record:Record")).toEqual([]);
  });

  it("passes one explicitly configured provider, its token a secret, to every resource and lookup", () => {
    const providers = ofType(result, PROVIDER);
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs).toEqual({ apiToken: new MockSecret("MOCK-SECRET-cloudflare-api-token-env") });
    const ref = `${providers[0].urn}::${providers[0].id}`;
    const resources = result.resources.filter((r) => r.type.startsWith("cloudflare:"));
    const invokes = result.invokes.filter((i) => i.token.startsWith("cloudflare:"));
    expect(resources.length).toBeGreaterThan(0);
    expect(invokes.length).toBeGreaterThan(0);
    for (const r of resources) expect(r.provider).toBe(ref);
    for (const i of invokes) expect(i.provider).toBe(ref);
  });

  it("creates one remotely managed tunnel for the cluster in the account", () => {
    const tunnels = ofType(result, TUNNEL);
    expect(tunnels).toHaveLength(1);
    expect(tunnels[0].inputs).toEqual({ accountId: ENV_ACCOUNT, name: `kubernetes-${stack}`, configSrc: "cloudflare" });
    expect(tunnels[0].inputs.tunnelSecret).toBeUndefined();
    // Retained, so never delete-first: that would skip the delete and fail creating a second tunnel of the name.
    expect([tunnels[0].options.retainOnDelete, tunnels[0].options.deleteBeforeReplace]).toEqual([true, false]);
    expect(result.outputs.cloudflareTunnel?.value).toMatchObject({ name: `kubernetes-${stack}`, id: tunnels[0].id });
  });

  it("routes the zone to the external gateway service, then 404", () => {
    const tunnel = ofType(result, TUNNEL)[0];
    const config = named(result, TUNNEL_CONFIG, "tunnel-config");
    expect(config.inputs).toMatchObject({ accountId: ENV_ACCOUNT, tunnelId: tunnel.id, source: "cloudflare" });
    const ingresses = (config.inputs.config as { ingresses: { hostname?: string; service: string; originRequest?: unknown }[] }).ingresses;
    expect(ingresses.map((i) => [i.hostname, i.service])).toEqual([
      ["monosense.io", SERVICE],
      ["*.monosense.io", SERVICE],
      [undefined, "http_status:404"],
    ]);
    for (const rule of ingresses.slice(0, -1)) expect(rule.originRequest).toEqual({ originServerName: "external.monosense.io", http2Origin: true });
    expect(config.dependencies).toContain(tunnel.urn);
  });

  it("reads the tunnel token for this tunnel", () => {
    const tunnel = ofType(result, TUNNEL)[0];
    expect(result.invokes.filter((i) => i.token === GET_TUNNEL_TOKEN).map((i) => i.inputs)).toEqual([
      { accountId: ENV_ACCOUNT, tunnelId: tunnel.id },
    ]);
  });

  it("looks the zone up by name in the account", () => {
    expect(result.invokes.filter((i) => i.token === GET_ZONE).map((i) => i.inputs)).toEqual([
      { filter: { name: "monosense.io", account: { id: ENV_ACCOUNT } } },
    ]);
  });

  it("issues one account-owned token per consumer, allowed DNS Write and Zone Read on that zone only", () => {
    const zoneId = String(ask(result, GET_ZONE, { filter: { name: "monosense.io", account: { id: ENV_ACCOUNT } } }).id);
    // User-level tokens would need a user-owned runner token; none is made, no user lookup runs.
    expect(ofType(result, USER_API_TOKEN)).toEqual([]);
    expect(result.invokes.filter((i) => i.token === GET_USER_GROUPS)).toEqual([]);
    const tokens = ofType(result, ACCOUNT_TOKEN);
    for (const token of tokens) expect(token.inputs.accountId).toBe(ENV_ACCOUNT);
    expect(tokens.map((t) => t.inputs.name).sort()).toEqual([`kubernetes/${stack}/cert-manager`, `kubernetes/${stack}/external-dns`]);
    for (const token of tokens) {
      const policies = token.inputs.policies as { effect: string; permissionGroups: { id: string }[]; resources: string }[];
      expect(policies).toHaveLength(1);
      expect(policies[0].effect).toBe("allow");
      expect(policies[0].permissionGroups).toEqual([{ id: permissionGroupId(result, "DNS Write") }, { id: permissionGroupId(result, "Zone Read") }]);
      expect(JSON.parse(policies[0].resources)).toEqual({ [`com.cloudflare.api.account.zone.${zoneId}`]: "*" });
    }
    expect(result.invokes.filter((i) => i.token === GET_GROUPS).map((i) => i.inputs.name).sort()).toEqual(["DNS Write", "Zone Read"]);
    for (const lookup of result.invokes.filter((i) => i.token === GET_GROUPS)) expect(lookup.inputs.accountId).toBe(ENV_ACCOUNT);
  });

  it("writes each token's value with the zone id it is scoped to beside it (external-dns needs it)", () => {
    const zoneId = String(ask(result, GET_ZONE, { filter: { name: "monosense.io", account: { id: ENV_ACCOUNT } } }).id);
    for (const app of ["cert-manager", "external-dns"]) {
      const written = ofType(result, "onepassword:index/item:Item").find((r) => r.inputs.title === `kubernetes/${stack}/${app}/cloudflare`);
      const sections = reveal(written?.inputs.sections) as { fields: { label: string; type: string; value: string }[] }[];
      expect(sections).toHaveLength(1);
      expect(sections[0].fields).toEqual([
        expect.objectContaining({ label: "credential", type: "CONCEALED", value: `MOCK-SECRET-${app}-api-token-api-token` }),
        expect.objectContaining({ label: "ZONE_ID", type: "STRING", value: zoneId }),
      ]);
    }
  });

  it("keeps the tunnel, its config and the tokens on destroy: the running cluster uses them", () => {
    const kept = [...ofType(result, TUNNEL), ...ofType(result, TUNNEL_CONFIG), ...ofType(result, ACCOUNT_TOKEN)];
    expect(kept.map((r) => r.name).sort()).toEqual(["cert-manager-api-token", "external-dns-api-token", "tunnel", "tunnel-config"]);
    for (const r of kept) expect([r.name, r.options.retainOnDelete]).toEqual([r.name, true]);
  });
});

describe("Cloudflare config", () => {
  it("uses a configured zone id and account id without a zone lookup", async () => {
    const zoneId = "fedcba9876543210fedcba9876543210";
    const accountId = "abcdefabcdefabcdefabcdefabcdefab";
    const result = await sharedRun({
      stack: "apps",
      config: { "k8s-gitops:cloudflare.zoneId": zoneId, "k8s-gitops:cloudflare.accountId": accountId },
    });
    expect(result.error).toBeUndefined();
    expect(result.invokes.filter((i) => i.token === GET_ZONE)).toEqual([]);
    expect(ofType(result, TUNNEL)[0].inputs.accountId).toBe(accountId);
    for (const token of ofType(result, ACCOUNT_TOKEN)) {
      const [policy] = token.inputs.policies as { resources: string }[];
      expect(JSON.parse(policy.resources)).toEqual({ [`com.cloudflare.api.account.zone.${zoneId}`]: "*" });
    }
  });

  it("looks up a configured zone name and verifies a configured origin server name", async () => {
    const result = await sharedRun({
      stack: "infra",
      config: { "k8s-gitops:cloudflare.zone": "example.org", "k8s-gitops:cloudflare.tunnel.originServerName": "gw.example.org" },
    });
    expect(result.error).toBeUndefined();
    expect(result.invokes.find((i) => i.token === GET_ZONE)?.inputs).toEqual({ filter: { name: "example.org", account: { id: ENV_ACCOUNT } } });
    const ingresses = (named(result, TUNNEL_CONFIG, "tunnel-config").inputs.config as { ingresses: { hostname?: string; originRequest?: unknown }[] }).ingresses;
    expect(ingresses[1]).toMatchObject({ hostname: "*.example.org", originRequest: { originServerName: "gw.example.org" } });
    const [policy] = ofType(result, ACCOUNT_TOKEN)[0].inputs.policies as { resources: string }[];
    const zoneId = String(ask(result, GET_ZONE, { filter: { name: "example.org", account: { id: ENV_ACCOUNT } } }).id);
    expect(Object.keys(JSON.parse(policy.resources))).toEqual([`com.cloudflare.api.account.zone.${zoneId}`]);
  });

  it.each(["infra", "apps"])("%s: a missing API token fails before anything is registered, naming what to set", async (stack) => {
    const result = await sharedRun({ stack, env: { CLOUDFLARE_API_TOKEN: undefined } });
    expect(result.error?.name).toBe("ConfigError");
    expect(result.error?.message).toContain("k8s-gitops:cloudflare.enabled: Cloudflare is enabled but no API token is set: export CLOUDFLARE_API_TOKEN");
    expect(result.error?.message).not.toContain("OP_CONNECT_TOKEN");
    expect(programResources(result)).toEqual([]);
    expect(result.invokes).toEqual([]);
  });

  it("a missing account id names the config key and CLOUDFLARE_ACCOUNT_ID", async () => {
    const result = await sharedRun({ stack: "infra", env: { CLOUDFLARE_ACCOUNT_ID: undefined } });
    expect(result.error?.message).toContain("k8s-gitops:cloudflare.accountId");
    expect(result.error?.message).toContain("CLOUDFLARE_ACCOUNT_ID");
    expect(programResources(result)).toEqual([]);
  });
});

describe.each(["infra", "apps"])("stack %s with Cloudflare off", (stack) => {
  let result: RunResult;
  beforeAll(async () => {
    // No Cloudflare variable at all: off must not need its credentials.
    result = await sharedRun({
      stack,
      replaceEnv: true,
      env: { OP_CONNECT_HOST: "https://opconnect.invalid", OP_CONNECT_TOKEN: "MOCK-SECRET-op" },
      config: { "k8s-gitops:cloudflare.enabled": false },
    });
  });

  it("runs and registers no Cloudflare resource, provider or invoke", () => {
    expect(result.error).toBeUndefined();
    expect(programResources(result).length).toBeGreaterThan(0);
    expect(cloudflareFootprint(result)).toEqual([]);
    expect(result.outputs.cloudflareTunnel).toBeUndefined();
    expect(result.outputs.cloudflareSecrets).toBeUndefined();
  });

  it("writes no Cloudflare items to 1Password", () => {
    const titles = ofType(result, "onepassword:index/item:Item").map((r) => String(r.inputs.title));
    expect(titles.filter((t) => /cloudflare|cloudflared/.test(t))).toEqual([]);
  });
});

it("the footprint check sees Cloudflare when it is on", async () => {
  const result = await sharedRun({ stack: "infra" });
  expect(cloudflareFootprint(result)).toEqual(
    expect.arrayContaining([`${PROVIDER}::cloudflare`, `${TUNNEL}::tunnel`, `invoke ${GET_TUNNEL_TOKEN}`, `invoke ${GET_GROUPS}`]),
  );
});

describe("tunnelIngress", () => {
  it("sends no TLS settings to a plain http origin and always ends in the catch-all", () => {
    const rules = tunnelIngress({ zone: "example.org", service: "http://gw.default.svc:80", originServerName: "external.example.org" });
    expect(rules).toEqual([
      { hostname: "example.org", service: "http://gw.default.svc:80", originRequest: undefined },
      { hostname: "*.example.org", service: "http://gw.default.svc:80", originRequest: undefined },
      { service: CATCH_ALL },
    ]);
  });
});
