/**
 * The stack writes a 1Password title only when that adds no second item of it: the title
 * is free, or its one item is this stack's own by the record its previous run left in the
 * `lifecycle` output (read back through a StackReference to the stack itself). An item the
 * stack did not write is refused before anything is written, naming the `pulumi import`
 * that makes it the stack's own; a title several items hold is refused always.
 */
import { asStackReference, ofType, ORGANIZATION, readProjectConfig, PROJECT_ROOT, runProgram, RunResult, StackReferenceState } from "../harness";
import { hex } from "../harness/mocks";
import { generatingPki } from "./helpers/generated-pki";

const STACK = "infra";
const SELF = `${ORGANIZATION}/k8s-gitops/${STACK}`;
const ITEM = "onepassword:index/item:Item";
const VAULT = (readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:onepassword"] as { clusterVault: string }).clusterVault;

/** Items ClusterSecrets registered, by title. */
function written(result: RunResult): string[] {
  return ofType(result, ITEM)
    .filter((r) => r.parent?.includes("ClusterSecrets"))
    .map((r) => String(r.inputs.title))
    .sort();
}

type Recorded = { vault: string; title: string }[];

let first: RunResult;
let titles: string[];
beforeAll(async () => {
  first = await runProgram({ stack: STACK });
  titles = written(first);
});

/** The titles as items that exist in the vault (what Connect returns for each). */
const existing = (ts: readonly string[]) => Object.fromEntries(ts.map((t) => [t, { notesPlain: "" }]));
/** A self reference holding the first run's outputs, its lifecycle record replaced by `record`. */
function previousRun(record?: Recorded): Record<string, StackReferenceState> {
  const state = asStackReference(first);
  const lifecycle = { ...(state.outputs.lifecycle as Record<string, unknown>) };
  if (record) lifecycle.onepasswordItems = record;
  return { [SELF]: { ...state, outputs: { ...state.outputs, lifecycle } } };
}

describe("first run, nothing in the vault", () => {
  it("creates every item and records each in the lifecycle output", () => {
    expect(first.error).toBeUndefined();
    expect(titles.length).toBeGreaterThanOrEqual(3);
    const lifecycle = first.outputs.lifecycle.value as { onepasswordItems: Recorded };
    expect([...lifecycle.onepasswordItems].sort((a, b) => a.title.localeCompare(b.title))).toEqual(titles.map((title) => ({ vault: VAULT, title })));
  });
});

describe("a later run", () => {
  it("proceeds over the items its record names", async () => {
    const result = await runProgram({ stack: STACK, stackReferences: previousRun(), onepasswordItems: existing(titles) });
    expect(result.error).toBeUndefined();
    expect(written(result)).toEqual(titles);
  });

  it("takes the record of runs that kept it in the onepasswordItems output", async () => {
    const refs = previousRun();
    const lifecycle = { ...(refs[SELF].outputs.lifecycle as Record<string, unknown>) };
    delete lifecycle.onepasswordItems;
    refs[SELF] = { ...refs[SELF], outputs: { ...refs[SELF].outputs, lifecycle, onepasswordItems: { vault: VAULT, titles } } };
    const result = await runProgram({ stack: STACK, stackReferences: refs, onepasswordItems: existing(titles) });
    expect(result.error).toBeUndefined();
    expect(written(result)).toEqual(titles);
  });
});

describe("refusals, before anything is written", () => {
  const target = () => titles.find((t) => t.endsWith("/talos/talosconfig")) as string;

  it("an item this stack did not write: names vault, title and the import that adopts it", async () => {
    const result = await runProgram({ stack: STACK, onepasswordItems: existing([target()]) });
    const message = result.error?.message ?? "";
    expect(message).toContain(`1Password vault "${VAULT}" already holds an item titled "${target()}" that this stack did not write`);
    // The id the provider imports by (vaults/<vault uuid>/items/<item uuid>), as the lookups returned them.
    const vaultUuid = hex("vault", VAULT).slice(0, 26);
    const itemUuid = hex("item", target()).slice(0, 26);
    const component = ofType(first, "k8s-gitops:onepassword:ClusterSecrets")[0];
    const provider = first.resources.find((r) => r.type === "pulumi:providers:onepassword" && r.name === "onepassword");
    expect(message).toContain(
      `pulumi import onepassword:index/item:Item talos-talosconfig vaults/${vaultUuid}/items/${itemUuid} --parent '${component.name}=${component.urn}' --provider 'onepassword=${provider?.urn}'`,
    );
    expect(written(result)).toEqual([]);
  });

  it("an item recorded in another vault is not this one's", async () => {
    const result = await runProgram({
      stack: STACK,
      stackReferences: previousRun(titles.map((title) => ({ vault: `${VAULT}-elsewhere`, title }))),
      onepasswordItems: existing([target()]),
    });
    expect(result.error?.message).toContain(`already holds an item titled "${target()}" that this stack did not write`);
    expect(written(result)).toEqual([]);
  });

  it("a title several items hold, even one the record names", async () => {
    const result = await runProgram({ stack: STACK, stackReferences: previousRun(), onepasswordItems: { ...existing(titles), [target()]: 2 } });
    expect(result.error?.message).toContain(`1Password vault "${VAULT}" already holds 2 items titled "${target()}"`);
    expect(written(result)).toEqual([]);
  });
});

describe("the generated Talos PKI's backup item", () => {
  const onepassword = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:onepassword"] as { talosVault: string; talosItem: string };
  const backups = (result: RunResult) => ofType(result, ITEM).filter((r) => r.name === "talos-pki");
  let fresh: RunResult;
  beforeAll(async () => {
    fresh = await runProgram({ stack: STACK, ...generatingPki(STACK) });
  });
  /** A self reference holding the fresh run's outputs, as the next run reads them. */
  const afterFresh = (): Record<string, StackReferenceState> => ({ [SELF]: asStackReference(fresh) });

  it("is written under a free title and recorded in its vault once it exists", () => {
    expect(fresh.error).toBeUndefined();
    expect(backups(fresh).map((r) => r.inputs.title)).toEqual([onepassword.talosItem]);
    const recorded = (fresh.outputs.lifecycle.value as { onepasswordItems: Recorded }).onepasswordItems;
    expect(recorded).toContainEqual({ vault: onepassword.talosVault, title: onepassword.talosItem });
  });

  it("a later run proceeds over the backup its record names", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, stackReferences: afterFresh() });
    expect(result.error).toBeUndefined();
    expect(backups(result)).toHaveLength(1);
  });

  it("an item of its title this stack did not write is refused before the backup is written, naming the import", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config });
    const message = result.error?.message ?? "";
    expect(message).toContain(`1Password vault "${onepassword.talosVault}" already holds an item titled "${onepassword.talosItem}" that this stack did not write`);
    const component = ofType(fresh, "k8s-gitops:talos:Cluster")[0];
    const provider = fresh.resources.find((r) => r.type === "pulumi:providers:onepassword" && r.name === "onepassword");
    const vaultUuid = hex("vault", onepassword.talosVault).slice(0, 26);
    const itemUuid = hex("item", onepassword.talosItem).slice(0, 26);
    expect(message).toContain(
      `pulumi import onepassword:index/item:Item talos-pki vaults/${vaultUuid}/items/${itemUuid} --parent '${component.name}=${component.urn}' --provider 'onepassword=${provider?.urn}'`,
    );
    expect(backups(result)).toEqual([]);
  });

  it("a record of the same title in another vault does not make it this stack's", async () => {
    const refs = afterFresh();
    const lifecycle = { ...(refs[SELF].outputs.lifecycle as { onepasswordItems: Recorded }) };
    lifecycle.onepasswordItems = lifecycle.onepasswordItems.map((item) => ({ ...item, vault: `${item.vault}-elsewhere` }));
    refs[SELF] = { ...refs[SELF], outputs: { ...refs[SELF].outputs, lifecycle } };
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, stackReferences: refs });
    expect(result.error?.message).toContain(`already holds an item titled "${onepassword.talosItem}" that this stack did not write`);
    expect(backups(result)).toEqual([]);
  });

  it("a title several items hold is refused, even its own", async () => {
    const result = await runProgram({ stack: STACK, config: generatingPki(STACK).config, stackReferences: afterFresh(), onepasswordItems: { [onepassword.talosItem]: 2 } });
    expect(result.error?.message).toContain(`1Password vault "${onepassword.talosVault}" already holds 2 items titled "${onepassword.talosItem}"`);
    expect(backups(result)).toEqual([]);
  });
});
