/**
 * What the day-2 watcher (tools/e2e/watch.ts) asserts about the samples it took while a
 * day-2 `pulumi up` ran: pure data in, problems out, so each rule is tested on sample
 * sequences without a cluster.
 *
 *   - at most one control-plane node down (Talos API silent) or NotReady in any sample;
 *   - etcd at quorum in every sample: the members that answer `etcd status` without errors
 *     are a majority of the control planes;
 *   - every node the phase must take through a reboot did: its boot id at the end differs
 *     from the one before the `up`, and it answers again; after an upgrade it also reports
 *     the target Talos version, having reported another one before.
 */

export type NodeRole = "controlplane" | "worker";

/** One node in one sample; absent fields: the node did not answer that question. */
export interface NodeSample {
  readonly address: string;
  readonly role: NodeRole;
  /** Talos version tag from `talosctl version`; absent: the Talos API did not answer. */
  readonly talos?: string;
  /** /proc/sys/kernel/random/boot_id, as talosctl's own reboot tracking reads it. */
  readonly bootId?: string;
  /** Kubernetes Ready condition; absent: no API server answered, so unknown. */
  readonly ready?: boolean;
}

export interface EtcdSample {
  /** Members that answered `etcd status` with no errors (their node addresses). */
  readonly healthy: readonly string[];
  /** Why no answer at all, when none. */
  readonly error?: string;
}

export interface Sample {
  /** ISO time the sample was taken. */
  readonly at: string;
  readonly nodes: readonly NodeSample[];
  readonly etcd: EtcdSample;
}

/** What the phase must have done to every node. */
export type Expectation = { readonly kind: "reboot" } | { readonly kind: "upgrade"; readonly target: string };

export interface Verdict {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** One line per node: what was observed before and after. */
  readonly summary: readonly string[];
}

/** etcd's majority of n voting members. */
export const quorumOf = (members: number) => Math.floor(members / 2) + 1;

/** Down: the Talos API did not answer, or Kubernetes reports it NotReady. */
export function isDown(node: NodeSample): boolean {
  return node.talos === undefined || node.ready === false;
}

const why = (n: NodeSample) => (n.talos === undefined ? "Talos API silent" : "NotReady");

export function verdict(samples: readonly Sample[], expectation: Expectation): Verdict {
  const problems: string[] = [];
  if (samples.length < 2) {
    return { ok: false, problems: [`only ${samples.length} sample(s): the watcher needs one before and one after the up`], summary: [] };
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const controlPlanes = first.nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
  const quorum = quorumOf(controlPlanes.length);

  // Reported once per stretch of consecutive failing samples, with where it started and ended.
  const stretches = (failing: (s: Sample) => string | undefined, describe: (from: Sample, to: Sample, what: string) => string) => {
    let start: { sample: Sample; what: string } | undefined;
    let previous: Sample | undefined;
    for (const s of samples) {
      const what = failing(s);
      if (what && !start) start = { sample: s, what };
      if (!what && start && previous) {
        problems.push(describe(start.sample, previous, start.what));
        start = undefined;
      }
      previous = s;
    }
    if (start && previous) problems.push(describe(start.sample, previous, start.what));
  };

  stretches(
    (s) => {
      const down = s.nodes.filter((n) => n.role === "controlplane" && isDown(n));
      return down.length > 1 ? down.map((n) => `${n.address} (${why(n)})`).join(", ") : undefined;
    },
    (from, to, what) => `more than one control-plane node down at once from ${from.at} to ${to.at}: ${what}`,
  );
  stretches(
    (s) => (s.etcd.healthy.length < quorum ? `${s.etcd.healthy.length} of ${controlPlanes.length} members healthy${s.etcd.error ? ` (${s.etcd.error})` : ""}` : undefined),
    (from, to, what) => `etcd lost quorum (${quorum} of ${controlPlanes.length}) from ${from.at} to ${to.at}: ${what}`,
  );

  const summary: string[] = [];
  for (const before of first.nodes) {
    const after = last.nodes.find((n) => n.address === before.address);
    const seenDown = samples.some((s) => s.nodes.some((n) => n.address === before.address && isDown(n)));
    summary.push(
      `${before.address} (${before.role}): Talos ${before.talos ?? "?"} → ${after?.talos ?? "?"}, boot ${before.bootId ?? "?"} → ${after?.bootId ?? "?"}${seenDown ? ", seen down" : ""}`,
    );
    if (!after || isDown(after)) {
      problems.push(`node ${before.address} is down at the end (${after ? why(after) : "not sampled"})`);
      continue;
    }
    if (!before.bootId || !after.bootId) {
      problems.push(`node ${before.address}: no boot id read ${before.bootId ? "after" : "before"} the up, so its reboot cannot be shown`);
    } else if (before.bootId === after.bootId) {
      problems.push(`node ${before.address} never rebooted: boot id ${after.bootId} before and after the up`);
    }
    if (expectation.kind === "upgrade") {
      if (before.talos === expectation.target) problems.push(`node ${before.address} already ran Talos ${expectation.target} before the up: nothing was upgraded`);
      if (after.talos !== expectation.target) problems.push(`node ${before.address} never upgraded: it reports Talos ${after.talos ?? "nothing"} after the up, not ${expectation.target}`);
    }
  }
  return { ok: problems.length === 0, problems, summary };
}
