/**
 * Ownership recorded on the item: every item the stack writes carries the tag
 * `k8s-gitops:<organization>/<project>/<stack>`. Before anything but the 1Password
 * provider is registered, each title is looked up: free (create), this stack's (adopt with
 * the `import` resource option, so a run after a failed one proceeds), or refused naming
 * vault, title and fix (another stack's item, an untagged item this stack never recorded,
 * a title several items hold).
 */
import { asStackReference, ofType, ORGANIZATION, readProjectConfig, PROJECT_ROOT, runProgram, RunResult, StackReferenceState } from "../harness";
import { hex } from "../harness/mocks";
import { ownerTag } from "../components/onepassword/ownership";
import { enginePlan, twins, uniqueKey } from "./helpers/engine-plan";
import { generatingPki } from "./helpers/generated-pki";

const STACK = "infra";
const SELF = `${ORGANIZATION}/k8s-gitops/${STACK}`;
const TAG = ownerTag(SELF);
const ITEM = "onepassword:index/item:Item";
const onepasswordConfig = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:onepassword"] as { clusterVault: string; talosVault: string; talosItem: string };
const VAULT = onepasswordConfig.clusterVault;
const vaultUuid = (name: string) => hex("vault", name).slice(0, 26);
const itemUuid = (title: string) => hex("item", title).slice(0, 26);

/** Items ClusterSecrets registered, by title. */
function written(result: RunResult) {
  return ofType(result, ITEM).filter((r) => r.parent?.includes("ClusterSecrets"));
}
const titlesOf = (result: RunResult) => written(result).map((r) => String(r.inputs.title)).sort();

/** What the program registered besides providers and reads: a refusal must leave this empty. */
const writes = (result: RunResult) =>
  result.resources.filter((r) => !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:StackReference" && r.type !== "pulumi:pulumi:Stack");

type Recorded = { vault: string; title: string }[];

let first: RunResult;
let titles: string[];
beforeAll(async () => {
  first = await runProgram({ stack: STACK });
  titles = titlesOf(first);
});

/** The titles as items in the vault (what the lookup finds), tagged as `tags` says. */
const existing = (ts: readonly string[]) => Object.fromEntries(ts.map((t) => [t, { notesPlain: "" }]));
const tagged = (ts: readonly string[], tags: readonly string[] = ["pulumi", "k8s-gitops", TAG]) => Object.fromEntries(ts.map((t) => [t, tags]));
/** A self reference holding the first run's outputs, its lifecycle record replaced by `record`. */
function previousRun(record?: Recorded): Record<string, StackReferenceState> {
  const state = asStackReference(first);
  const lifecycle = { ...(state.outputs.lifecycle as Record<string, unknown>) };
  if (record) lifecycle.onepasswordItems = record;
  return { [SELF]: { ...state, outputs: { ...state.outputs, lifecycle } } };
}

describe("first run, nothing in the vault", () => {
  it("creates every item with the stack's owner tag, imports none, and records each", () => {
    expect(first.error).toBeUndefined();
    expect(titles.length).toBeGreaterThanOrEqual(3);
    for (const item of written(first)) {
      expect(item.inputs.tags).toEqual(["pulumi", "k8s-gitops", TAG]);
      expect(item.options.importId).toBeUndefined();
      // Retained, never replaced delete-first: that pair leaves a second item of the title.
      expect([item.options.retainOnDelete, item.options.deleteBeforeReplace, item.options.protect]).toEqual([true, false, false]);
    }
    const lifecycle = first.outputs.lifecycle.value as { onepasswordItems: Recorded };
    expect([...lifecycle.onepasswordItems].sort((a, b) => a.title.localeCompare(b.title))).toEqual(titles.map((title) => ({ vault: VAULT, title })));
  });
});

describe("a later run adopts its own items by import id", () => {
  it("over the items its record names: the import id is the state's id, so nothing is imported twice", async () => {
    const result = await runProgram({ stack: STACK, stackReferences: previousRun(), onepasswordItems: existing(titles), onepasswordTags: tagged(titles) });
    expect(result.error).toBeUndefined();
    expect(titlesOf(result)).toEqual(titles);
    for (const item of written(result)) {
      expect(item.options.importId).toBe(`vaults/${vaultUuid(VAULT)}/items/${itemUuid(String(item.inputs.title))}`);
    }
    expect(result.warnings.filter((w) => w.includes("adopts it with the import option"))).toEqual([]);
  });

  it("after a failed run: tagged items the record lacks are imported, and the preview says so for each", async () => {
    // A first `up` that failed after writing the items: they exist with this stack's tag,
    // and no successful run recorded them (no previous outputs at all).
    const result = await runProgram({ stack: STACK, onepasswordItems: existing(titles), onepasswordTags: tagged(titles) });
    expect(result.error).toBeUndefined();
    expect(titlesOf(result)).toEqual(titles);
    for (const item of written(result)) {
      const title = String(item.inputs.title);
      const id = `vaults/${vaultUuid(VAULT)}/items/${itemUuid(title)}`;
      expect(item.options.importId).toBe(id);
      expect(result.warnings).toContainEqual(expect.stringContaining(`"${title}" in vault "${VAULT}" (item ${itemUuid(title)}) carries this stack's tag ${TAG}`));
      expect(result.warnings).toContainEqual(expect.stringContaining(`adopts it with the import option (id ${id})`));
    }
    // The run records them, so the next one proceeds silently.
    const recorded = (result.outputs.lifecycle.value as { onepasswordItems: Recorded }).onepasswordItems.map((i) => i.title).sort();
    expect(recorded).toEqual(titles);
  });

  it("the engine's plan after the failed run: an import where the state lacks an item, nothing where it holds it; never a second item", async () => {
    const next = await runProgram({ stack: STACK, onepasswordItems: existing(titles), onepasswordTags: tagged(titles) });
    const items = written(first);
    // State without the items (written, never checkpointed), the items in the vault.
    const lost = enginePlan(first.resources.filter((r) => !items.includes(r)), next.resources, items.map((r) => uniqueKey(r) as string));
    expect(lost.steps.filter((s) => s.type === ITEM).map((s) => s.op)).toEqual(items.map(() => "import"));
    expect([lost.errors, twins(lost)]).toEqual([[], []]);
    // State with them (checkpointed before the failure): the import id is theirs, so no import.
    const kept = enginePlan(first.resources, next.resources);
    expect(kept.steps.filter((s) => s.type === ITEM && s.op === "import")).toEqual([]);
    expect([kept.errors, twins(kept)]).toEqual([[], []]);
  });

  it("in a first preview with unknown outputs the verdicts are the same: decided from reads before anything is registered", async () => {
    const result = await runProgram({ stack: STACK, firstPreview: true, onepasswordItems: existing(titles), onepasswordTags: tagged(titles) });
    expect(result.error).toBeUndefined();
    expect(written(result).map((r) => r.options.importId)).toEqual(written(result).map((r) => `vaults/${vaultUuid(VAULT)}/items/${itemUuid(String(r.inputs.title))}`));
    expect(result.warnings.filter((w) => w.includes("adopts it with the import option"))).toHaveLength(titles.length);
  });

  it("items recorded by a run from before owner tags stay its own; the update adds the tag", async () => {
    const result = await runProgram({ stack: STACK, stackReferences: previousRun(), onepasswordItems: existing(titles), onepasswordTags: tagged(titles, ["pulumi", "k8s-gitops"]) });
    expect(result.error).toBeUndefined();
    for (const item of written(result)) {
      expect(item.options.importId).toBeDefined();
      expect(item.inputs.tags).toContain(TAG);
    }
  });
});

describe("refusals, before anything but the provider is registered", () => {
  const target = () => titles.find((t) => t.endsWith("/talos/talosconfig")) as string;

  it("an untagged item this stack never recorded: names vault, title and the tag that makes it its own", async () => {
    const result = await runProgram({ stack: STACK, onepasswordItems: existing([target()]), onepasswordTags: tagged([target()], ["team"]) });
    const message = result.error?.message ?? "";
    expect(message.split("\n")[0]).toBe("1Password ownership checks refused this run (1 problem); nothing was written:");
    expect(message).toContain(`1Password vault "${VAULT}" already holds an item titled "${target()}" (item ${itemUuid(target())}) that this stack did not write`);
    expect(message).toContain(`op item edit ${itemUuid(target())} --vault '${VAULT}' --tags 'team,${TAG}'`);
    expect(writes(result)).toEqual([]);
  });

  it("an item another stack's tag names, even one this stack's record names", async () => {
    const other = ownerTag(`${ORGANIZATION}/k8s-gitops/apps`);
    const result = await runProgram({ stack: STACK, stackReferences: previousRun(), onepasswordItems: existing(titles), onepasswordTags: { ...tagged(titles), ...tagged([target()], [other]) } });
    expect(result.error?.message).toContain(`1Password vault "${VAULT}" holds "${target()}" (item ${itemUuid(target())}) written by another stack (tag ${other})`);
    expect(writes(result)).toEqual([]);
  });

  it("an item recorded in another vault is not this one's", async () => {
    const result = await runProgram({
      stack: STACK,
      stackReferences: previousRun(titles.map((title) => ({ vault: `${VAULT}-elsewhere`, title }))),
      onepasswordItems: existing([target()]),
    });
    expect(result.error?.message).toContain(`already holds an item titled "${target()}" (item ${itemUuid(target())}) that this stack did not write`);
    expect(writes(result)).toEqual([]);
  });

  it("a title several items hold, even one tagged and recorded as its own; every refusal in one error", async () => {
    const kubeconfig = titles.find((t) => t.endsWith("/kubernetes/kubeconfig")) as string;
    const result = await runProgram({
      stack: STACK,
      stackReferences: previousRun(),
      onepasswordItems: { ...existing(titles), [target()]: 2, [kubeconfig]: 3 },
      onepasswordTags: tagged(titles),
    });
    expect(result.error?.message).toContain("(2 problems)");
    expect(result.error?.message).toContain(`1Password vault "${VAULT}" already holds 2 items titled "${target()}"`);
    expect(result.error?.message).toContain(`1Password vault "${VAULT}" already holds 3 items titled "${kubeconfig}"`);
    expect(writes(result)).toEqual([]);
  });

  it("is shown by a first preview too", async () => {
    const result = await runProgram({ stack: STACK, firstPreview: true, onepasswordItems: existing([target()]) });
    expect(result.error?.message).toContain(`already holds an item titled "${target()}"`);
    expect(writes(result)).toEqual([]);
  });
});

describe("the generated Talos PKI's backup item", () => {
  const { talosVault, talosItem } = onepasswordConfig;
  const backups = (result: RunResult) => ofType(result, ITEM).filter((r) => r.name === "talos-pki");
  let fresh: RunResult;
  beforeAll(async () => {
    fresh = await runProgram({ stack: STACK, ...generatingPki(STACK) });
  });
  const afterFresh = (): Record<string, StackReferenceState> => ({ [SELF]: asStackReference(fresh) });

  it("is written under a free title with the owner tag, retained and not protected, and recorded", () => {
    expect(fresh.error).toBeUndefined();
    const [backup] = backups(fresh);
    expect(backup.inputs.title).toBe(talosItem);
    expect(backup.inputs.tags).toEqual(["pulumi", "k8s-gitops", "talos", TAG]);
    expect([backup.options.retainOnDelete, backup.options.protect, backup.options.deleteBeforeReplace, backup.options.importId]).toEqual([true, false, false, undefined]);
    const recorded = (fresh.outputs.lifecycle.value as { onepasswordItems: Recorded }).onepasswordItems;
    expect(recorded).toContainEqual({ vault: talosVault, title: talosItem });
  });

  it("after a failed run that wrote it (tagged, unrecorded), the next run imports it", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, onepasswordTags: tagged([talosItem]) });
    expect(result.error).toBeUndefined();
    expect(backups(result).map((r) => r.options.importId)).toEqual([`vaults/${vaultUuid(talosVault)}/items/${itemUuid(talosItem)}`]);
  });

  it("a later run proceeds over the backup its record names", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, stackReferences: afterFresh(), onepasswordTags: tagged([talosItem]) });
    expect(result.error).toBeUndefined();
    expect(backups(result)).toHaveLength(1);
  });

  it("an untagged item of its title this stack did not record is refused before anything is written", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config });
    expect(result.error?.message).toContain(`1Password vault "${talosVault}" already holds an item titled "${talosItem}" (item ${itemUuid(talosItem)}) that this stack did not write`);
    expect(writes(result)).toEqual([]);
  });

  it("a title several items hold is refused, even its own", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, stackReferences: afterFresh(), onepasswordItems: { [talosItem]: 2 } });
    expect(result.error?.message).toContain(`1Password vault "${talosVault}" already holds 2 items titled "${talosItem}"`);
    expect(writes(result)).toEqual([]);
  });
});
