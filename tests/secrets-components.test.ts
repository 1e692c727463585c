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
import { BASE64_SECTION, clusterItemTitle, itemFields, ITEM_CATEGORY, readItemField, readItemFields } from "../components/onepassword/items";
import type { ItemOwnership } from "../components/onepassword/ownership";

/** Every title free: what the ownership check decides on an empty vault. */
const creating = (...titles: string[]): ItemOwnership => ({ tag: "k8s-gitops:organization/k8s-gitops/test", verdicts: Object.fromEntries(titles.map((t) => [t, { kind: "create" as const }])) });

/** The value of an Output, rejecting when the Output failed. Uses the SDK's own promise. */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

interface Registration {
  type: string;
  name: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
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
      deleteBeforeReplace: req.getDeletebeforereplace() === true,
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

describe("itemFields: a field wherever the item keeps it", () => {
  const field = (label: string, value: string) => ({ id: label, label, purpose: "", type: "CONCEALED", value });

  it("reads top-level fields the data source keeps outside sections (a Login's password, an API Credential)", () => {
    const fields = itemFields({ sections: [], username: "admin", password: "MOCK-SECRET-pw", credential: "MOCK-SECRET-cred", noteValue: "a note" });
    expect(fields).toEqual({ username: "admin", password: "MOCK-SECRET-pw", credential: "MOCK-SECRET-cred", notesPlain: "a note" });
  });

  it("prefers a section field over a top-level one of the same label, and skips empty top-level values", () => {
    const fields = itemFields({ sections: [{ id: "s", label: "fields", fields: [field("password", "MOCK-SECRET-section")] }], password: "MOCK-SECRET-top", username: "" });
    expect(fields).toEqual({ password: "MOCK-SECRET-section" });
  });

  it("decodes the base64 section, so multi-line values come back with their newlines", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const fields = itemFields({ sections: [{ id: "b", label: BASE64_SECTION, fields: [field("ca.crt", Buffer.from(pem).toString("base64"))] }] });
    expect(fields["ca.crt"]).toBe(pem);
  });
});

describe("ClusterSecrets", () => {
  let secrets: ClusterSecrets;
  beforeAll(() => {
    secrets = new ClusterSecrets("cluster-secrets", {
      provider,
      vault: "vault-uuid",
      ownership: creating(
        "kubernetes/infra/talos/talosconfig",
        "kubernetes/infra/kubernetes/kubeconfig",
        "kubernetes/infra/cloudflared/tunnel",
        "kubernetes/infra/cert-manager/cloudflare",
        "kubernetes/infra/external-dns/cloudflare",
      ),
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
    ["kubernetes/infra/cloudflared/tunnel", { TUNNEL_TOKEN: ["CONCEALED", "MOCK-SECRET-tunnel"], TUNNEL_ID: ["STRING", "tunnel-uuid"] }],
    ["kubernetes/infra/cert-manager/cloudflare", { credential: ["CONCEALED", "MOCK-SECRET-cm"] }],
    ["kubernetes/infra/external-dns/cloudflare", { credential: ["CONCEALED", "MOCK-SECRET-ed"] }],
  ])("%s holds its fields, secret", async (title, expected) => {
    const sections = secrets.items[title].sections;
    expect(await pulumi.isSecret(sections)).toBe(true);
    const fields = (await settled(sections))?.flatMap((s) => s.fields ?? []) ?? [];
    expect(Object.fromEntries(fields.map((f) => [f.label, [f.type, f.value]]))).toEqual(expected);
  });

  it.each([
    ["kubernetes/infra/talos/talosconfig", "talosconfig", "MOCK-SECRET-talosconfig"],
    ["kubernetes/infra/kubernetes/kubeconfig", "kubeconfig", "MOCK-SECRET-kubeconfig"],
  ])("%s keeps its multi-line value base64 in section base64, secret", async (title, label, value) => {
    const sections = secrets.items[title].sections;
    expect(await pulumi.isSecret(sections)).toBe(true);
    const settledSections = (await settled(sections)) ?? [];
    expect(settledSections.map((s) => s.label)).toEqual([BASE64_SECTION]);
    expect(settledSections[0].fields?.map((f) => [f.label, f.type, f.value])).toEqual([[label, "CONCEALED", Buffer.from(value).toString("base64")]]);
  });

  it("writes nothing it was not given; keeps items on destroy, never replaces them delete-first, category constant", async () => {
    const only = new ClusterSecrets("only-kubeconfig", { provider, vault: "vault-uuid", ownership: creating("kubernetes/apps/kubernetes/kubeconfig"), cluster: "apps", kubeconfig: "MOCK-SECRET-k" });
    expect(only.titles).toEqual(["kubernetes/apps/kubernetes/kubeconfig"]);
    const items = registrations.filter((r) => r.type === "onepassword:index/item:Item");
    expect(items.length).toBeGreaterThan(0);
    // Retained and delete-first together would leave a second item of the title on a replacement.
    for (const r of items) expect([r.name, r.protect, r.retainOnDelete, r.deleteBeforeReplace]).toEqual([r.name, false, true, false]);
    for (const item of Object.values(secrets.items)) expect(await settled(item.category)).toBe(ITEM_CATEGORY);
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
