/**
 * Ownership recorded on the item itself: every item this program writes carries the tag
 * `k8s-gitops:<organization>/<project>/<stack>` of the stack that wrote it, so a failed
 * `up`, a lost stack output or a restored state still finds the stack's own items. Before
 * anything is registered each title is looked up and decided here: free (create), this
 * stack's (adopt with the `import` resource option), or refused. Pure: no Pulumi import.
 *
 * Adopting by `import` (a resource option, not the `pulumi import` command): the engine
 * imports when the resource is not in the state, or is there under another id, and since
 * pulumi v3.174.0 an import whose inputs differ is followed by an update to the program's
 * inputs (pulumi/pulumi#19339); when the state already holds that id the option changes
 * nothing (pkg/resource/deploy/step_generator.go: `isImport` compares the goal's id with
 * the old one).
 */
import { duplicateTitleError, type TitleLookup } from "./titles";

export const OWNER_TAG_PREFIX = "k8s-gitops:";

/** The tag naming the stack (`<organization>/<project>/<stack>`) that wrote an item. */
export function ownerTag(stack: string): string {
  return `${OWNER_TAG_PREFIX}${stack}`;
}

/** What the run does with one title it writes. */
export type ItemVerdict =
  | { readonly kind: "create" }
  | {
      readonly kind: "adopt";
      /** `vaults/<vault uuid>/items/<item uuid>`: the Item's import id (its "## Import" section). */
      readonly importId: string;
      readonly uuid: string;
      /** Named by the stack's last successful run (its `lifecycle` output). */
      readonly recorded: boolean;
      /** Carries this stack's owner tag (else: recorded by a run from before owner tags). */
      readonly tagged: boolean;
    };

export type ItemDecision = ItemVerdict | { readonly kind: "refused"; readonly reason: string };

export interface ItemQuestion {
  readonly title: string;
  readonly vaultUuid: string;
  /** The vault's name as config gives it, for messages. */
  readonly vaultName: string;
  /** This stack's owner tag. */
  readonly tag: string;
  /** The stack's last successful run recorded the title as written in this vault. */
  readonly recorded: boolean;
}

/** What a run writes in one vault, decided: the tag its items carry and each title's verdict. */
export interface ItemOwnership {
  readonly tag: string;
  readonly verdicts: Readonly<Record<string, ItemVerdict>>;
}

/** The verdict of a title a component is about to write; a title nobody checked is a bug, not a create. */
export function verdictOf(ownership: ItemOwnership, title: string): ItemVerdict {
  const verdict = ownership.verdicts[title];
  if (!verdict) throw new Error(`1Password item "${title}" was not checked before writing (stacks/ownership.ts plannedItems misses it)`);
  return verdict;
}

const quoted = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/**
 * The decision for one title from the lookup of it in its vault:
 * - no item: create;
 * - one item tagged as this stack's, or untagged but recorded by this stack (written
 *   before owner tags): adopt it by its id;
 * - one item another stack's tag names, or untagged and unrecorded: refused, naming the
 *   vault, the title and the fix;
 * - several items, or a failed lookup: refused (every reader by title fails on duplicates).
 */
export function decideItem(q: ItemQuestion, lookup: TitleLookup): ItemDecision {
  const where = `1Password vault "${q.vaultName}"`;
  switch (lookup.kind) {
    case "absent":
      return { kind: "create" };
    case "duplicates":
      return { kind: "refused", reason: duplicateTitleError(q.title, q.vaultName, lookup.count).message };
    case "unknown":
      return { kind: "refused", reason: `${where}: looking up "${q.title}" before writing it failed: ${lookup.reason}` };
    case "one": {
      const tags = lookup.tags ?? [];
      const owners = tags.filter((t) => t.startsWith(OWNER_TAG_PREFIX));
      const uuid = lookup.uuid ?? "";
      const tagged = owners.includes(q.tag);
      const others = owners.filter((t) => t !== q.tag);
      if (others.length > 0 && !tagged) {
        return {
          kind: "refused",
          reason:
            `${where} holds "${q.title}" (item ${uuid || "of unknown uuid"}) written by another stack (tag ${others.join(", ")}); this stack ` +
            `(${q.tag}) will not take it over: two stacks writing one title overwrite each other. Give this stack its own title (another ` +
            `cluster name or vault), or, if that stack is gone, replace its tag with ${q.tag} on the item in 1Password; then run \`pulumi preview\` again`,
        };
      }
      if (!uuid) {
        return { kind: "refused", reason: `${where}: the lookup of "${q.title}" returned an item without a uuid; it cannot be adopted` };
      }
      if (tagged || q.recorded) {
        return { kind: "adopt", importId: `vaults/${q.vaultUuid}/items/${uuid}`, uuid, recorded: q.recorded, tagged };
      }
      const newTags = [...tags, q.tag].join(",");
      return {
        kind: "refused",
        reason:
          `${where} already holds an item titled "${q.title}" (item ${uuid}) that this stack did not write: it carries no owner tag and ` +
          "no run of this stack recorded it. Writing would add a second item of that title, on which every reader by title " +
          "(external-secrets, Connect, `op item get`) fails. To make it this stack's own, tag it " +
          `(\`op item edit ${uuid} --vault ${quoted(q.vaultName)} --tags ${quoted(newTags)}\`): the next run adopts it with the import ` +
          "option and overwrites its fields with the program's. Otherwise delete or rename it in 1Password. Then run `pulumi preview` again",
      };
    }
  }
}

/** The preview line for an adopted item the stack's record does not name; undefined when there is nothing to say. */
export function adoptionNotice(q: Pick<ItemQuestion, "title" | "vaultName" | "tag">, verdict: ItemDecision): string | undefined {
  if (verdict.kind !== "adopt" || verdict.recorded) return undefined;
  return (
    `1Password: "${q.title}" in vault "${q.vaultName}" (item ${verdict.uuid}) carries this stack's tag ${q.tag} but its last ` +
    "successful run did not record it (an earlier run failed after writing it, or the stack's outputs were lost): this run " +
    `adopts it with the import option (id ${verdict.importId}), so the preview shows an import where the state lacks it, ` +
    "followed by an update to the program's fields where they differ; no second item is written"
  );
}
