/**
 * Writes never add a second item to a title that several items already hold: every reader
 * by title fails on duplicates. The lookup's error decides (pure classifier), and
 * ClusterSecrets refuses such a title before the item is registered.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { MockWorld } from "../harness/mocks";
import { ClusterSecrets } from "../components/onepassword/cluster-secrets";
import { checkTitle, classifyLookupError } from "../components/onepassword/titles";

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

const DUPLICATED = "kubernetes/infra/kubernetes/kubeconfig";
const ABSENT = "kubernetes/infra/talos/talosconfig";

/** The mock world, recording which items get registered. */
class RecordingWorld extends MockWorld {
  readonly created: string[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    if (args.type === "onepassword:index/item:Item") this.created.push(String((args.inputs as Record<string, unknown>).title));
    return super.newResource(args);
  }
}

/**
 * What Connect answers, classified (the mock runtime drops an invoke's error text, so the
 * answers come through the component's lookup seam; the real lookup is getItem).
 */
const answers: Record<string, string> = {
  [DUPLICATED]: `Found 2 item(s) in vault "vault-uuid" with title "${DUPLICATED}"`,
  [ABSENT]: `Found 0 item(s) in vault "vault-uuid" with title "${ABSENT}"`,
  "kubernetes/infra/cloudflared/tunnel": `Found 0 item(s) in vault "vault-uuid" with title "kubernetes/infra/cloudflared/tunnel"`,
};
const lookups: string[] = [];
const lookupTitle = (vault: string, title: string) => {
  lookups.push(`${vault}/${title}`);
  return Promise.resolve(classifyLookupError(answers[title]));
};

describe("classifyLookupError", () => {
  it.each([
    ['Found 2 item(s) in vault "v" with title "t"', { kind: "duplicates", count: 2 }],
    ['Found 0 item(s) in vault "v" with title "t"', { kind: "absent" }],
    ['Found 1 item(s) in vault "v" with title "t"', { kind: "one" }],
    ['[ERROR] More than one item matches "t". Try again and specify the item by its ID', { kind: "duplicates" }],
    ['[ERROR] "t" isn\'t an item in the "Infra" vault', { kind: "absent" }],
    ["failed to get item: 404 not found", { kind: "absent" }],
    ["connection refused", { kind: "unknown", reason: "connection refused" }],
  ])("%s", (message, verdict) => {
    expect(classifyLookupError(message)).toEqual(verdict);
  });
});

const HELD = "kubernetes/infra/cloudflared/tunnel";
const target = { name: "cloudflared-tunnel", parent: "cluster-secrets=urn:parent", provider: "onepassword=urn:provider" };
const owning = (...titles: string[]) => ({ owned: new Set(titles), importTarget: () => Promise.resolve(target) });
const heldLookup = () => Promise.resolve({ kind: "one" as const, uuid: "itemuuid" });

describe("checkTitle", () => {
  it("refuses a title several items hold, naming vault and title and what to do, even when recorded", async () => {
    await expect(checkTitle(DUPLICATED, "vault-uuid", "Infra", lookupTitle, owning(DUPLICATED))).rejects.toThrow(
      `1Password vault "Infra" already holds 2 items titled "${DUPLICATED}"`,
    );
  });

  it("passes an absent title, and one held once by an item this stack recorded as its own", async () => {
    expect(await checkTitle(ABSENT, "vault-uuid", "Infra", lookupTitle, owning())).toBe(ABSENT);
    expect(await checkTitle(HELD, "vault-uuid", "Infra", heldLookup, owning(HELD))).toBe(HELD);
  });

  it("refuses a title one unrecorded item holds, naming vault, title and the import that adopts it", async () => {
    const refusal = checkTitle(HELD, "vault-uuid", "Infra", heldLookup, owning("kubernetes/infra/talos/talosconfig"));
    await expect(refusal).rejects.toThrow(`1Password vault "Infra" already holds an item titled "${HELD}" that this stack did not write`);
    await expect(refusal).rejects.toThrow(
      "pulumi import onepassword:index/item:Item cloudflared-tunnel vaults/vault-uuid/items/itemuuid --parent 'cluster-secrets=urn:parent' --provider 'onepassword=urn:provider'",
    );
  });

  it("fails on a lookup it cannot classify rather than guess", async () => {
    await expect(checkTitle("t", "v", "Infra", () => Promise.resolve(classifyLookupError("connection refused")), owning())).rejects.toThrow(
      'looking up "t" before writing it failed: connection refused',
    );
  });
});

describe("ClusterSecrets", () => {
  const world = new RecordingWorld();

  beforeAll(async () => {
    await pulumi.runtime.setMocks(world, "k8s-gitops", "test", false, "organization");
  });

  it("looks every title up in the vault before the item is registered with it", async () => {
    lookups.length = 0;
    const provider = new onepassword.Provider("onepassword", { url: "http://connect.invalid", token: pulumi.secret("MOCK-SECRET-token") });
    const secrets = new ClusterSecrets("cluster-secrets", {
      provider,
      vault: "vault-uuid",
      vaultName: "Infra",
      lookupTitle,
      cluster: "infra",
      talosconfig: "MOCK-SECRET-talosconfig",
      tunnel: { id: "tunnel-uuid", token: "MOCK-SECRET-tunnel" },
    });
    for (const item of Object.values(secrets.items)) await settled(item.urn);
    expect(lookups.sort()).toEqual(["kubernetes/infra/cloudflared/tunnel", ABSENT].map((t) => `vault-uuid/${t}`));
    expect(world.created.sort()).toEqual(["kubernetes/infra/cloudflared/tunnel", ABSENT]);
  });
});
