/**
 * The day-2 record: what the upgrade steps of the last successful run left each node at
 * (the run's targets), exported as the stack output `day2` and read back by the next run
 * through the self StackReference (stacks/lifecycle.ts). It is what tells an upgrade
 * apart from drift without putting observed versions in the steps' triggers:
 *
 * - a node observed at the target, or where the previous run left it (the pin moved on),
 *   is no drift: the step's triggers are the target and image alone, so the run after an
 *   upgrade finds them unchanged and converges;
 * - a node observed elsewhere (rolled back by hand) is drift: its repair count goes up by
 *   one, the count is in the step's triggers, so the step re-runs. The record carries the
 *   count, so the run after the repair has the same triggers again: no settling replace.
 *
 * The record is written only by a run whose upgrade steps all succeeded (the output waits
 * for them, component.ts), and the engine keeps the previous outputs of a failed update
 * (pulumi/pulumi#15754, "stack outputs are determined entirely by the last successful
 * run"): after a failure the next run compares with the last good record, and the failed
 * step, whose triggers the state never took, is replaced again.
 *
 * Pure: no Pulumi, no I/O.
 */
import { compareVersions, parseVersion } from "./versions";
import type { ObservedNode, PlannedNode } from "./plan";

/** The stack output that holds the record. */
export const DAY2_RECORD_OUTPUT = "day2";

/** Bumped when the record's shape changes; a record of another revision is not read. */
export const DAY2_RECORD_REVISION = 1;

export interface RecordedNode {
  /** The Talos and Kubernetes versions the run's steps targeted for this node. */
  readonly talos: string;
  readonly kubernetes: string;
  /** Drift repairs of its `talos-upgrade-<ip>` step so far (absent: none). */
  readonly talosRepairs?: number;
}

export interface Day2Record {
  readonly revision: number;
  /** By node address. */
  readonly nodes: Readonly<Record<string, RecordedNode>>;
  /** Drift repairs of the `kubernetes-upgrade` step so far (absent: none). */
  readonly kubernetesRepairs?: number;
}

/** Drift repairs this run: per node for Talos, one count for the cluster's Kubernetes step. */
export interface Day2Repairs {
  readonly talos: Readonly<Record<string, number>>;
  readonly kubernetes: number;
}

/** What was found neither at the pins nor where the previous run left it. */
export interface Day2Drift {
  readonly talos: readonly DriftedNode[];
  readonly kubernetes: readonly DriftedNode[];
}

export interface DriftedNode {
  readonly address: string;
  readonly observed: string;
  /** Where the previous run left it. */
  readonly recorded: string;
}

const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value > 0 ? value : 0);
const isText = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * The record the previous run exported, or undefined when there is none or it is not one
 * this program wrote (then no drift is detected this run, as on a first day-2 run).
 */
export function parseDay2Record(value: unknown): Day2Record | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { revision, nodes, kubernetesRepairs } = value as Record<string, unknown>;
  if (revision !== DAY2_RECORD_REVISION || typeof nodes !== "object" || nodes === null) return undefined;
  const read: Record<string, RecordedNode> = {};
  for (const [address, node] of Object.entries(nodes as Record<string, unknown>)) {
    if (typeof node !== "object" || node === null) continue;
    const { talos, kubernetes, talosRepairs } = node as Record<string, unknown>;
    if (!isText(talos) || !isText(kubernetes)) continue;
    read[address] = { talos, kubernetes, ...(count(talosRepairs) > 0 ? { talosRepairs: count(talosRepairs) } : {}) };
  }
  return { revision: DAY2_RECORD_REVISION, nodes: read, ...(count(kubernetesRepairs) > 0 ? { kubernetesRepairs: count(kubernetesRepairs) } : {}) };
}

/** Same version, however written (`v1.13.9` and `1.13.9`); text that is no version compares as text. */
function sameVersion(a: string, b: string): boolean {
  try {
    return compareVersions(parseVersion(a), parseVersion(b)) === 0;
  } catch {
    return a === b;
  }
}

/** Observed at neither the target nor the recorded version: drift. No observation, no record: none. */
function drifted(observed: string | undefined, target: string, recorded: string | undefined): boolean {
  return observed !== undefined && recorded !== undefined && !sameVersion(observed, target) && !sameVersion(observed, recorded);
}

/**
 * Drift and repair counts of this run, from the observation, the pins and the previous
 * run's record. Without a record (first day-2 run, a node added since) nothing is drift.
 */
export function settle(
  nodes: readonly PlannedNode[],
  observed: readonly ObservedNode[],
  targets: { readonly talos: string; readonly kubernetes: string },
  previous: Day2Record | undefined,
): { repairs: Day2Repairs; drift: Day2Drift } {
  const seen = new Map(observed.map((o) => [o.address, o]));
  const talosDrift: DriftedNode[] = [];
  const kubernetesDrift: DriftedNode[] = [];
  const talosRepairs: Record<string, number> = {};
  for (const node of nodes) {
    const recorded = previous?.nodes[node.address];
    const running = seen.get(node.address);
    const talos = drifted(running?.talos, targets.talos, recorded?.talos);
    if (talos && recorded && running?.talos) talosDrift.push({ address: node.address, observed: running.talos, recorded: recorded.talos });
    if (drifted(running?.kubernetes, targets.kubernetes, recorded?.kubernetes) && recorded && running?.kubernetes) {
      kubernetesDrift.push({ address: node.address, observed: running.kubernetes, recorded: recorded.kubernetes });
    }
    const repairs = (recorded?.talosRepairs ?? 0) + (talos ? 1 : 0);
    if (repairs > 0) talosRepairs[node.address] = repairs;
  }
  return {
    repairs: { talos: talosRepairs, kubernetes: (previous?.kubernetesRepairs ?? 0) + (kubernetesDrift.length > 0 ? 1 : 0) },
    drift: { talos: talosDrift, kubernetes: kubernetesDrift },
  };
}

/** The record this run exports: every configured node at this run's targets, with the repair counts its steps carry. */
export function day2Record(nodes: readonly PlannedNode[], targets: { readonly talos: string; readonly kubernetes: string }, repairs: Day2Repairs): Day2Record {
  return {
    revision: DAY2_RECORD_REVISION,
    nodes: Object.fromEntries(
      nodes.map((n) => {
        const talosRepairs = repairs.talos[n.address] ?? 0;
        return [n.address, { talos: targets.talos, kubernetes: targets.kubernetes, ...(talosRepairs > 0 ? { talosRepairs } : {}) }];
      }),
    ),
    ...(repairs.kubernetes > 0 ? { kubernetesRepairs: repairs.kubernetes } : {}),
  };
}
