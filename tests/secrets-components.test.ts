/**
 * The 1Password components on their own, under the mock runtime: reads come back as
 * secrets, ClusterSecrets writes the Talos material (talosconfig,
 * kubeconfig) and the edge material under `kubernetes/<cluster>/<app>/<purpose>` as
 * concealed secrets, and loss-critical items survive `pulumi destroy`.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { MockWorld } from "../harness/mocks";
import { ClusterSecrets } from "../components/onepassword/cluster-secrets";
import { clusterItemTitle, KEEP_ON_DESTROY, readItemField, readItemFields, secretItem } from "../components/onepassword/items";

/** The value of an Output, rejecting when the Output failed. Uses the SDK's own promise. */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

interface Registration {
  type: string;
  name: string;
  protect: boolean;
  retainOnDelete: boolean;
}

type Request = Record<string, () => unknown>;
const registrations: Registration[] = [];
let provider: onepassword.Provider;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    new MockWorld({ onepasswordItems: { "shared-1password": { OP_CONNECT_TOKEN: "MOCK-SECRET-connect", notes: "" } } }),
    "k8s-gitops",
    "test",
    false,
    "organization",
  );
  // Resource options are not part of what mocks see; record them from the requests.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Request, cb: unknown): void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    registrations.push({
      type: String(req.getType()),
      name: String(req.getName()),
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
    });
    register(req, cb);
  };
  provider = new onepassword.Provider("onepassword", { url: "http://connect.invalid", token: pulumi.secret("MOCK-SECRET-token") });
});

describe("reads", () => {
  it("returns an item's fields as one secret", async () => {
    const fields = readItemFields("vault-uuid", "shared-1password", provider);
    expect(await pulumi.isSecret(fields)).toBe(true);
    expect(await settled(fields)).toMatchObject({ OP_CONNECT_TOKEN: "MOCK-SECRET-connect" });
  });

  it("returns one field as a secret", async () => {
    const token = readItemField("vault-uuid", "shared-1password", "OP_CONNECT_TOKEN", provider);
    expect(await pulumi.isSecret(token)).toBe(true);
    expect(await settled(token)).toBe("MOCK-SECRET-connect");
  });
});

describe("ClusterSecrets", () => {
  let secrets: ClusterSecrets;
  beforeAll(() => {
    secrets = new ClusterSecrets("cluster-secrets", {
      provider,
      vault: "vault-uuid",
      cluster: "infra",
      // Plain strings on purpose: the component must make them secret itself.
      talosconfig: "MOCK-SECRET-talosconfig",
      kubeconfig: pulumi.secret("MOCK-SECRET-kubeconfig"),
      tunnel: { id: "tunnel-uuid", token: "MOCK-SECRET-tunnel" },
      cloudflareTokens: { "cert-manager": "MOCK-SECRET-cm", "external-dns": "MOCK-SECRET-ed" },
    });
  });

  it("writes one item per path, in the given vault", async () => {
    expect(secrets.titles).toEqual([
      "kubernetes/infra/talos/talosconfig",
      "kubernetes/infra/kubernetes/kubeconfig",
      "kubernetes/infra/cloudflared/tunnel",
      "kubernetes/infra/cert-manager/cloudflare",
      "kubernetes/infra/external-dns/cloudflare",
    ]);
    for (const [title, item] of Object.entries(secrets.items)) {
      expect(await settled(item.title)).toBe(title);
      expect(await settled(item.vault)).toBe("vault-uuid");
    }
  });

  it.each([
    ["kubernetes/infra/talos/talosconfig", { talosconfig: ["CONCEALED", "MOCK-SECRET-talosconfig"] }],
    ["kubernetes/infra/kubernetes/kubeconfig", { kubeconfig: ["CONCEALED", "MOCK-SECRET-kubeconfig"] }],
    ["kubernetes/infra/cloudflared/tunnel", { TUNNEL_TOKEN: ["CONCEALED", "MOCK-SECRET-tunnel"], TUNNEL_ID: ["STRING", "tunnel-uuid"] }],
    ["kubernetes/infra/cert-manager/cloudflare", { credential: ["CONCEALED", "MOCK-SECRET-cm"] }],
    ["kubernetes/infra/external-dns/cloudflare", { credential: ["CONCEALED", "MOCK-SECRET-ed"] }],
  ])("%s holds its fields, secret", async (title, expected) => {
    const sections = secrets.items[title].sections;
    expect(await pulumi.isSecret(sections)).toBe(true);
    const fields = (await settled(sections))?.flatMap((s) => s.fields ?? []) ?? [];
    expect(Object.fromEntries(fields.map((f) => [f.label, [f.type, f.value]]))).toEqual(expected);
  });

  it("writes nothing it was not given, and is not protected", () => {
    const only = new ClusterSecrets("only-kubeconfig", { provider, vault: "vault-uuid", cluster: "apps", kubeconfig: "MOCK-SECRET-k" });
    expect(only.titles).toEqual(["kubernetes/apps/kubernetes/kubeconfig"]);
    const items = registrations.filter((r) => r.type === "onepassword:index/item:Item" && r.name !== "pki");
    expect(items.length).toBeGreaterThan(0);
    for (const r of items) expect([r.protect, r.retainOnDelete]).toEqual([false, false]);
  });
});

describe("items whose loss loses a cluster", () => {
  it("are protected and retained on destroy with KEEP_ON_DESTROY", async () => {
    const item = secretItem("pki", { vault: "vault-uuid", title: "kubernetes/infra/talos/pki", fields: { CLUSTER_CA_KEY: "MOCK-SECRET-ca" } }, { provider, ...KEEP_ON_DESTROY });
    await settled(item.urn);
    expect(registrations.find((r) => r.name === "pki")).toMatchObject({ protect: true, retainOnDelete: true });
  });
});

describe("clusterItemTitle", () => {
  it("builds kubernetes/<cluster>/<app>/<purpose>", () => {
    expect(clusterItemTitle("apps", "cert-manager", "cloudflare")).toBe("kubernetes/apps/cert-manager/cloudflare");
  });

  it.each([["", "a", "b"], ["Infra", "a", "b"], ["infra", "a/b", "c"], ["infra", "a", "-b"]])("rejects %j/%j/%j", (cluster, app, purpose) => {
    expect(() => clusterItemTitle(cluster, app, purpose)).toThrow("is not a lower-case path segment");
  });
});
