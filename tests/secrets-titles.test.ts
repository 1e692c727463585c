/**
 * How a title is decided before it is written (components/onepassword/ownership.ts): the
 * lookup's error classified (titles.ts), then free, this stack's own (adopt by import id)
 * or refused. And ClusterSecrets writes only titles that were decided, each with the
 * stack's owner tag and, when adopted, its import id.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { MockWorld } from "../harness/mocks";
import { ClusterSecrets, clusterSecretTitles } from "../components/onepassword/cluster-secrets";
import { adoptionNotice, decideItem, ownerTag, type ItemQuestion } from "../components/onepassword/ownership";
import { classifyLookupError } from "../components/onepassword/titles";

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

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

const TAG = ownerTag("org/k8s-gitops/infra");
const TITLE = "kubernetes/infra/cloudflared/tunnel";
const question = (recorded = false): ItemQuestion => ({ title: TITLE, vaultUuid: "vaultuuid", vaultName: "Infra", tag: TAG, recorded });
const one = (tags: string[]) => ({ kind: "one" as const, uuid: "itemuuid", tags });

describe("decideItem", () => {
  it("creates a free title", () => {
    expect(decideItem(question(), { kind: "absent" })).toEqual({ kind: "create" });
  });

  it("adopts an item carrying this stack's tag, recorded or not, by its import id", () => {
    const adopt = { kind: "adopt", importId: "vaults/vaultuuid/items/itemuuid", uuid: "itemuuid", tagged: true };
    expect(decideItem(question(), one(["pulumi", TAG]))).toEqual({ ...adopt, recorded: false });
    expect(decideItem(question(true), one([TAG]))).toEqual({ ...adopt, recorded: true });
  });

  it("adopts an untagged item only when this stack recorded it (written before owner tags)", () => {
    expect(decideItem(question(true), one(["pulumi"]))).toMatchObject({ kind: "adopt", tagged: false, recorded: true });
    const refusal = decideItem(question(false), one(["pulumi"]));
    expect(refusal).toMatchObject({ kind: "refused" });
    expect(refusal.kind === "refused" && refusal.reason).toContain(`op item edit itemuuid --vault 'Infra' --tags 'pulumi,${TAG}'`);
  });

  it("refuses another stack's item, even one this stack recorded", () => {
    const other = ownerTag("org/k8s-gitops/apps");
    const refusal = decideItem(question(true), one([other]));
    expect(refusal.kind === "refused" && refusal.reason).toContain(`1Password vault "Infra" holds "${TITLE}" (item itemuuid) written by another stack (tag ${other})`);
  });

  it("refuses duplicates and lookups it cannot classify rather than guess", () => {
    expect(decideItem(question(true), { kind: "duplicates", count: 2 })).toMatchObject({ kind: "refused", reason: expect.stringContaining(`already holds 2 items titled "${TITLE}"`) });
    expect(decideItem(question(), { kind: "unknown", reason: "connection refused" })).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining(`looking up "${TITLE}" before writing it failed: connection refused`),
    });
  });

  it("announces only the adoptions the record does not explain", () => {
    const q = question();
    const adopted = decideItem(q, one([TAG]));
    expect(adoptionNotice(q, adopted)).toContain("adopts it with the import option (id vaults/vaultuuid/items/itemuuid)");
    expect(adoptionNotice(q, decideItem(question(true), one([TAG])))).toBeUndefined();
    expect(adoptionNotice(q, { kind: "create" })).toBeUndefined();
  });
});

describe("ClusterSecrets", () => {
  const created: { title: string; tags: unknown; id?: string }[] = [];
  class RecordingWorld extends MockWorld {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
      const inputs = args.inputs as Record<string, unknown>;
      if (args.type === "onepassword:index/item:Item") created.push({ title: String(inputs.title), tags: inputs.tags, id: args.id || undefined });
      return super.newResource(args);
    }
  }
  let provider: onepassword.Provider;
  beforeAll(async () => {
    await pulumi.runtime.setMocks(new RecordingWorld(), "k8s-gitops", "test", false, "organization");
    provider = new onepassword.Provider("onepassword", { url: "http://connect.invalid", token: pulumi.secret("MOCK-SECRET-token") });
  });

  it("writes each decided title with the owner tag, importing the adopted one", async () => {
    const [talosconfig, , tunnel] = clusterSecretTitles({ cluster: "infra", tunnel: true, cloudflareApps: [] });
    const secrets = new ClusterSecrets("cluster-secrets", {
      provider,
      vault: "vault-uuid",
      ownership: { tag: TAG, verdicts: { [talosconfig]: { kind: "create" }, [tunnel]: { kind: "adopt", importId: "vaults/v/items/i", uuid: "i", recorded: false, tagged: true } } },
      cluster: "infra",
      talosconfig: "MOCK-SECRET-talosconfig",
      tunnel: { id: "tunnel-uuid", token: "MOCK-SECRET-tunnel" },
    });
    for (const item of Object.values(secrets.items)) await settled(item.urn);
    expect(created.sort((a, b) => a.title.localeCompare(b.title))).toEqual([
      { title: tunnel, tags: ["pulumi", "k8s-gitops", TAG], id: "vaults/v/items/i" },
      { title: talosconfig, tags: ["pulumi", "k8s-gitops", TAG], id: undefined },
    ]);
  });

  it("refuses to write a title nobody decided", () => {
    expect(() => new ClusterSecrets("unchecked", { provider, vault: "vault-uuid", ownership: { tag: TAG, verdicts: {} }, cluster: "infra", kubeconfig: "MOCK-SECRET-k" })).toThrow(
      '1Password item "kubernetes/infra/kubernetes/kubeconfig" was not checked before writing',
    );
  });
});
