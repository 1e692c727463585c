/**
 * What Flux would delete when the running sync switches to this tree. Pure: the running
 * inventories and the tree's Kustomizations in, a per-Kustomization report out.
 *
 * kustomize-controller's rules (fluxcd/kustomize-controller, internal/controller
 * kustomization_controller.go `prune` and `finalize`; fluxcd/pkg ssa DeleteAll):
 *  - a Kustomization that stays (same namespace/name) and prunes applies its new build,
 *    then deletes every object of its previous inventory the new build lacks;
 *  - a Kustomization that leaves the tree is deleted by the parent that applied it when
 *    that parent prunes (or is itself deleted), and its finalizer then deletes everything
 *    in its inventory if it prunes;
 *  - neither deletes an object whose live annotation is `kustomize.toolkit.fluxcd.io/prune:
 *    disabled`, nor one whose ownership labels another Kustomization has already taken.
 *
 * So a stale object the tree carries nowhere is lost; one the tree carries under another
 * Kustomization is "moved": deleted and re-created if the old owner acts first (for a
 * HelmRelease that means helm uninstall, then install), kept if the new owner has already
 * applied it. The order is not guaranteed, so a move is refused like a loss.
 */
import { kustomizationKey, type TreeKustomization } from "../../bootstrap/flux-tree";
import { describeId, kustomizationId, objectId, type RunningInventory, type RunningKustomization } from "./inventory";

/**
 * lost: deleted, carried nowhere; moved: deleted unless its new owner applies it first;
 * rebuilt: a Kustomization that survives (prune: disabled) outside the new tree and goes on
 * reconciling its old spec.path, which the new revision also holds: it applies and prunes
 * against that folder.
 */
export type Fate = "lost" | "moved" | "rebuilt";

export interface Deletion {
  readonly id: string;
  readonly fate: Fate;
  /** The Kustomization of the new tree that carries the object (moved only). */
  readonly carriedBy?: string;
}

export interface KustomizationReport {
  readonly key: string;
  /**
   * kept: in the new tree; deleted: its parent removes it; orphaned: left in place,
   * unmanaged; survives: protected from its parent's prune, still reconciling its old path.
   */
  readonly status: "kept" | "deleted" | "orphaned" | "survives";
  /** Why: the rule that decides what happens to its objects. */
  readonly reason: string;
  readonly deletions: readonly Deletion[];
  /** Stale objects that survive: annotated prune: disabled, or written by the program so. */
  readonly protectedStale: readonly string[];
}

export interface Comparison {
  readonly kustomizations: readonly KustomizationReport[];
  /** Every deletion, with its Kustomization, not yet acknowledged. */
  readonly unacknowledged: ReadonlyArray<Deletion & { readonly kustomization: string }>;
  /** Acknowledgements that match no deletion (stale). */
  readonly unusedAcknowledgements: readonly string[];
}

export interface NewTree {
  readonly kustomizations: ReadonlyMap<string, TreeKustomization>;
  /** Whether the new revision holds a folder (repo-relative, no leading ./): where a surviving Kustomization builds. */
  readonly hasFolder?: (repoPath: string) => boolean;
}

/** An acknowledgement: an inventory id, optionally scoped `namespace/name <id>` to one Kustomization. */
export function parseAcknowledgements(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "")
    .map((l) => l.split(/\s+/).join(" "));
}

export function compareInventories(running: RunningInventory, tree: NewTree, options: { protected?: ReadonlySet<string>; acknowledged?: readonly string[] } = {}): Comparison {
  const protectedIds = new Set([...running.protected, ...(options.protected ?? [])]);
  // Which Kustomization of the new tree applies each object.
  const carrier = new Map<string, string>();
  for (const k of tree.kustomizations.values()) for (const { object } of k.objects) carrier.set(objectId(object), kustomizationKey(k.namespace, k.name));
  // The running Kustomization that applied each running Kustomization.
  const parentOf = new Map<string, string>();
  for (const k of running.kustomizations.values()) {
    for (const child of running.kustomizations.values()) if (k.entries.has(kustomizationId(child.namespace, child.name))) parentOf.set(kustomizationKey(child.namespace, child.name), kustomizationKey(k.namespace, k.name));
  }

  const fates = new Map<string, { status: KustomizationReport["status"]; reason: string }>();
  const fateOf = (key: string, trail: readonly string[] = []): { status: KustomizationReport["status"]; reason: string } => {
    const known = fates.get(key);
    if (known) return known;
    let fate: { status: KustomizationReport["status"]; reason: string };
    const next = tree.kustomizations.get(key);
    const parent = parentOf.get(key);
    if (next) {
      fate = next.suspended
        ? { status: "kept", reason: "kept in the new tree, suspended: prunes nothing" }
        : next.prune
          ? { status: "kept", reason: "kept in the new tree: prunes what its new build lacks" }
          : { status: "kept", reason: "kept in the new tree without prune: deletes nothing" };
    } else if (protectedIds.has(kustomizationId(...(key.split("/") as [string, string])))) {
      const old = running.kustomizations.get(key)?.path?.replace(/^\.\//, "").replace(/\/$/, "");
      fate = {
        status: "survives",
        reason:
          old !== undefined && tree.hasFolder?.(old)
            ? `not in the new tree and protected from pruning, so it goes on reconciling ${old}, which the new revision also holds`
            : `not in the new tree and protected from pruning; its path ${old ?? "(unknown)"} is gone, so it fails to build and deletes nothing (suspend it: flux suspend kustomization ${key.split("/")[1]})`,
      };
    } else if (parent === undefined || trail.includes(parent)) {
      fate = { status: "orphaned", reason: "not in the new tree, and no running Kustomization applied it: left running on its old spec" };
    } else {
      const p = running.kustomizations.get(parent) as RunningKustomization;
      const pf = fateOf(parent, [...trail, key]);
      const pPrunes = pf.status === "kept" ? (tree.kustomizations.get(parent)?.prune ?? false) && !tree.kustomizations.get(parent)?.suspended : pf.status === "deleted" && p.prune;
      fate = pPrunes
        ? { status: "deleted", reason: `not in the new tree: ${parent} ${pf.status === "kept" ? "prunes" : "garbage-collects"} it` }
        : { status: "orphaned", reason: `not in the new tree, but ${parent} does not prune it: left in place` };
    }
    fates.set(key, fate);
    return fate;
  };

  const acknowledged = new Set(options.acknowledged ?? []);
  const used = new Set<string>();
  const reports: KustomizationReport[] = [];
  const unacknowledged: Array<Deletion & { kustomization: string }> = [];
  for (const k of [...running.kustomizations.values()].sort((a, b) => kustomizationKey(a.namespace, a.name).localeCompare(kustomizationKey(b.namespace, b.name)))) {
    const key = kustomizationKey(k.namespace, k.name);
    const fate = fateOf(key);
    const next = tree.kustomizations.get(key);
    let stale: string[] = [];
    // A Kustomization that stays on the cluster outside the new tree still reconciles its old path.
    const oldPath = k.path?.replace(/^\.\//, "").replace(/\/$/, "");
    const rebuilt = (fate.status === "survives" || fate.status === "orphaned") && oldPath !== undefined && (tree.hasFolder?.(oldPath) ?? false);
    if (fate.status === "kept" && next && next.prune && !next.suspended) {
      const now = new Set(next.objects.map(({ object }) => objectId(object)));
      stale = [...k.entries].filter((id) => !now.has(id));
    } else if (fate.status === "deleted" && k.prune) {
      stale = [...k.entries];
    }
    const deletions: Deletion[] = [];
    const protectedStale: string[] = [];
    const decide = (deletion: Deletion) => {
      deletions.push(deletion);
      const scoped = `${key} ${deletion.id}`;
      if (acknowledged.has(scoped) || acknowledged.has(deletion.id)) used.add(acknowledged.has(scoped) ? scoped : deletion.id);
      else unacknowledged.push({ ...deletion, kustomization: key });
    };
    if (rebuilt) decide({ id: kustomizationId(k.namespace, k.name), fate: "rebuilt" });
    for (const id of stale.sort()) {
      if (protectedIds.has(id)) {
        protectedStale.push(id);
        continue;
      }
      const by = carrier.get(id);
      decide(by ? { id, fate: "moved", carriedBy: by } : { id, fate: "lost" });
    }
    reports.push({ key, status: fate.status, reason: fate.reason, deletions, protectedStale });
  }
  return { kustomizations: reports, unacknowledged, unusedAcknowledgements: [...acknowledged].filter((a) => !used.has(a)).sort() };
}

/** The report as text: every Kustomization that deletes something, then the verdict. */
export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  for (const k of c.kustomizations) {
    if (k.deletions.length === 0 && k.protectedStale.length === 0 && k.status === "kept") continue;
    lines.push(`Kustomization ${k.key}: ${k.status} (${k.reason})`);
    for (const d of k.deletions) {
      if (d.fate === "lost") lines.push(`  - prunes ${describeId(d.id)}   [${d.id}]`);
      else if (d.fate === "moved") lines.push(`  - prunes ${describeId(d.id)}, which ${d.carriedBy} re-creates (deleted first if ${k.key} acts first)   [${d.id}]`);
      else lines.push(`  - goes on applying and pruning against the new revision: rename its path, carry it in the tree, or suspend it   [${d.id}]`);
    }
    for (const id of k.protectedStale) lines.push(`  = keeps ${describeId(id)} (prune: disabled)`);
  }
  const total = c.kustomizations.reduce((n, k) => n + k.deletions.length, 0);
  lines.push("");
  lines.push(
    c.unacknowledged.length === 0
      ? `OK: the switch prunes nothing${total > 0 ? ` that is not acknowledged (${total} acknowledged)` : ""}.`
      : `REFUSED: the switch would delete ${c.unacknowledged.length} object(s) not acknowledged. Carry them in the new tree, or list each ` +
          "(`<namespace>/<kustomization> <id>` or `<id>`) in an --acknowledge file.",
  );
  const moved = c.unacknowledged.filter((d) => d.fate === "moved");
  if (moved.length > 0) {
    lines.push("A moved object survives its old owner's prune once its live copy is protected; before the switch, run:");
    for (const d of moved) {
      const [namespace, name, group, kind] = d.id.split("_");
      lines.push(`  kubectl annotate ${kind.toLowerCase()}${group ? `.${group}` : ""} ${name}${namespace ? ` -n ${namespace}` : ""} kustomize.toolkit.fluxcd.io/prune=disabled`);
    }
    lines.push("then save the inventory again (with those objects) and compare again.");
  }
  for (const a of c.unusedAcknowledgements) lines.push(`note: acknowledgement matches nothing: ${a}`);
  return `${lines.join("\n")}\n`;
}
