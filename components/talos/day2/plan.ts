/**
 * Day-2 plan of a running cluster: which nodes upgrade Talos, whether Kubernetes
 * upgrades, which etcd member leaves, in which order nodes roll, and every reason to
 * refuse the run before anything changes. Pure: no Pulumi, no I/O; the observation
 * comes from the running nodes (see runner.ts `observe`).
 */
import { MINIMUM_TALOS_VERSION as DOCUMENTS_MIN_TALOS } from "../rules/versions";
import { compareVersions, formatVersion, minorOf, parseVersion, skippedMinors, stepKind, Version } from "./versions";
import { formatProblems, ProjectError } from "../../../lib/problems";
import { settle, type Day2Drift, type Day2Record, type Day2Repairs } from "./record";

export type NodeRole = "controlplane" | "worker";

export interface PlannedNode {
  readonly address: string;
  readonly hostname: string;
  readonly role: NodeRole;
}

/** What a node reports about itself; absent versions: the node did not answer (new or gone). */
export interface ObservedNode {
  readonly address: string;
  readonly talos?: string;
  readonly kubernetes?: string;
  /** Why the node did not answer (talosctl's last line), when it did not. */
  readonly reason?: string;
}

/** The certificate a node presents on one of its APIs, as the observation read it (public). */
export interface PresentedCertificate {
  readonly address: string;
  readonly port: number;
  /** Leaf certificate, PEM. */
  readonly certificate?: string;
  /** Why none was read. */
  readonly error?: string;
}

export interface EtcdMember {
  /** Member id as talosctl prints it (hex). */
  readonly id: string;
  readonly hostname: string;
  readonly peerUrls: readonly string[];
  readonly learner: boolean;
}

export interface ClusterObservation {
  readonly nodes: readonly ObservedNode[];
  readonly etcdMembers: readonly EtcdMember[];
  /** Why nothing could be observed (talosctl missing, ...). */
  readonly error?: string;
  /** What each node presents on its Talos and Kubernetes APIs (adopted PKI only). */
  readonly certificates?: readonly PresentedCertificate[];
}

/** Why an observation cannot ground a plan: nothing was read, or no node answered. */
export function observationGap(observed: ClusterObservation): string | undefined {
  if (observed.error) return observed.error;
  if (observed.nodes.every((n) => !n.talos)) return "no node answered the Talos API";
  return undefined;
}

/** What a preview assumes when it cannot observe: every node at the pins, no etcd change. */
export function assumedAtPins(nodes: readonly PlannedNode[], targets: Day2Targets): ClusterObservation {
  return { nodes: nodes.map((n) => ({ address: n.address, talos: targets.talos, kubernetes: targets.kubernetes })), etcdMembers: [] };
}

export interface Day2Targets {
  readonly talos: string;
  readonly kubernetes: string;
  /** Config contract (`talosVersion` of the generated machine config). */
  readonly contract: string;
  /** Addresses of nodes to remove this run (talos.decommission); none of them in `nodes`. */
  readonly decommission?: readonly string[];
  /**
   * Where the previous successful run's steps left each node (its `day2` output, read back
   * through the self StackReference, record.ts); absent on a first day-2 run.
   */
  readonly previous?: Day2Record;
}

/** A node removed this run: reset, out of etcd, its Kubernetes node deleted. */
export interface Decommission {
  readonly address: string;
  /** A control plane when it is still an etcd member at observation. */
  readonly role: NodeRole;
  readonly member?: EtcdMember;
}

/** The config path that lists the nodes to remove. */
export const DECOMMISSION_PATH = "k8s-gitops:talos.decommission";

export interface TalosUpgradeStep {
  readonly address: string;
  readonly hostname: string;
  readonly from: string;
  readonly to: string;
}

export interface Day2Plan {
  /** Every configured node, control planes first, each in config order. */
  readonly rollOrder: readonly PlannedNode[];
  /** Nodes whose Talos moves, in roll order; nodes already at the target are absent. */
  readonly talosUpgrades: readonly TalosUpgradeStep[];
  readonly kubernetesUpgrade?: { readonly from: string; readonly to: string };
  /** The etcd member of a control plane that left the config (at most one). */
  readonly leavingMember?: EtcdMember;
  /** Nodes of talos.decommission, in config order: removed first, one at a time. */
  readonly decommissions: readonly Decommission[];
  /** Configured nodes that did not answer: joined fresh from maintenance mode. */
  readonly joiningNodes: readonly string[];
  /** What each configured node ran at observation (versions absent: it did not answer). */
  readonly observed: readonly ObservedNode[];
  /**
   * Drift repairs so far, counted with the previous run's record (record.ts): in the steps'
   * triggers, so a node changed by hand re-runs its step, and nothing else observed is.
   */
  readonly repairs: Day2Repairs;
  /** Nodes found neither at the pins nor where the previous run left them. */
  readonly drift: Day2Drift;
}

export class Day2PreflightError extends ProjectError {
  constructor(readonly problems: readonly string[]) {
    super(formatProblems("day-2 preflight refused the run", problems));
  }
}

/** Control planes first (etcd and the API move before the kubelets that need them), then workers. */
export function rollOrder<T extends { readonly role: NodeRole }>(nodes: readonly T[]): T[] {
  return [...nodes.filter((n) => n.role === "controlplane"), ...nodes.filter((n) => n.role === "worker")];
}

/** Members a cluster of `size` voters needs to keep quorum. */
export const quorum = (size: number) => Math.floor(size / 2) + 1;

/** The peer URL host of a member, e.g. 10.25.11.11 of https://10.25.11.11:2380. */
export function memberAddresses(member: EtcdMember): string[] {
  return member.peerUrls.map((url) => url.replace(/^[a-z]+:\/\//, "").replace(/:\d+$/, "").replace(/^\[|\]$/g, ""));
}

function stepProblem(what: string, where: string, from: Version, to: Version, pinKey: string): string | undefined {
  const kind = stepKind(from, to);
  const f = formatVersion(from);
  const t = formatVersion(to);
  switch (kind) {
    case "skip": {
      const through = skippedMinors(from, to);
      return (
        `${where} runs ${what} ${f}; ${t} skips ${through.join(", ")}. Go through ${[...through, minorOf(to)].join(" → ")} one minor ` +
        `per run: set ${pinKey} to the latest ${through[0]} patch, run pulumi up, then continue`
      );
    }
    case "downgrade":
      return `${where} runs ${what} ${f}, newer than the pinned ${t}: downgrades are not supported; pin ${pinKey} to ${f} or later`;
    case "major":
      return `${where} runs ${what} ${f}; ${t} is another major version, which no upgrade path covers`;
    default:
      return undefined;
  }
}

/**
 * Check a running cluster against the pins and plan the run. Throws one
 * Day2PreflightError naming every problem (nodes, versions, next step).
 */
export function planDay2(nodes: readonly PlannedNode[], observed: ClusterObservation, targets: Day2Targets): Day2Plan {
  const problems: string[] = [];
  const talosTarget = parseVersion(targets.talos);
  const kubernetesTarget = parseVersion(targets.kubernetes);
  const contract = parseVersion(targets.contract.split(".").length === 2 ? `${targets.contract}.0` : targets.contract);
  const documentsMin = parseVersion(DOCUMENTS_MIN_TALOS);
  const seen = new Map(observed.nodes.map((n) => [n.address, n]));

  const order = rollOrder(nodes);
  const talosUpgrades: TalosUpgradeStep[] = [];
  const joiningNodes: string[] = [];
  let lowestKubernetes: Version | undefined;
  const where = (n: PlannedNode) => `node ${n.address} (${n.hostname})`;

  // Every apply of a run waits for every Talos upgrade of that run (the upgrade chain, then
  // the Kubernetes upgrade, then the applies): documents reach a node running the target.
  if (compareVersions(talosTarget, documentsMin) < 0) {
    problems.push(
      `versions.talos ${targets.talos} does not understand the documents this program emits (they need ${DOCUMENTS_MIN_TALOS}): ` +
        `pin the latest v${documentsMin.major}.${documentsMin.minor} patch or later`,
    );
  }
  if (contract.major !== talosTarget.major || contract.minor > talosTarget.minor) {
    problems.push(
      `versions.talosContract ${targets.contract} is newer than the installed Talos ${targets.talos}: ` +
        `raise the contract only after every node runs that minor`,
    );
  }

  for (const node of order) {
    const running = seen.get(node.address);
    if (!running?.talos) {
      joiningNodes.push(node.address);
      continue;
    }
    const talos = parseVersion(running.talos);
    const problem = stepProblem("Talos", where(node), talos, talosTarget, "versions.talos");
    if (problem) problems.push(problem);
    else if (stepKind(talos, talosTarget) !== "current") {
      talosUpgrades.push({ address: node.address, hostname: node.hostname, from: formatVersion(talos), to: formatVersion(talosTarget) });
    }
    if (running.kubernetes) {
      const k = parseVersion(running.kubernetes);
      if (!lowestKubernetes || k.minor < lowestKubernetes.minor || (k.minor === lowestKubernetes.minor && k.patch < lowestKubernetes.patch)) {
        lowestKubernetes = k;
      }
    }
  }

  let kubernetesUpgrade: Day2Plan["kubernetesUpgrade"];
  if (lowestKubernetes) {
    const problem = stepProblem("Kubernetes", "the cluster", lowestKubernetes, kubernetesTarget, "versions.kubernetes");
    if (problem) problems.push(problem);
    else if (stepKind(lowestKubernetes, kubernetesTarget) !== "current") {
      kubernetesUpgrade = { from: formatVersion(lowestKubernetes), to: formatVersion(kubernetesTarget) };
    }
  }

  const decommissions = planDecommissions(nodes, observed.etcdMembers, targets.decommission ?? [], problems);
  const leavingMember = decommissions.find((d) => d.member)?.member;
  if (problems.length > 0) throw new Day2PreflightError(problems);
  const observedNodes = order.map((n) => seen.get(n.address) ?? { address: n.address });
  const { repairs, drift } = settle(order, observedNodes, targets, targets.previous);
  return { rollOrder: order, talosUpgrades, kubernetesUpgrade, leavingMember, decommissions, joiningNodes, observed: observedNodes, repairs, drift };
}

/**
 * Nodes to remove: every address of talos.decommission (not in `nodes`), and every etcd
 * member whose control plane left `nodes` must be listed there (removing a control plane
 * is never implicit). One control plane per run, never below quorum of the current
 * membership, never while a learner (not yet a voter) is in the cluster.
 */
function planDecommissions(
  nodes: readonly PlannedNode[],
  members: readonly EtcdMember[],
  listed: readonly string[],
  problems: string[],
): Decommission[] {
  const configured = new Set(nodes.map((n) => n.address));
  const controlPlanes = new Set(nodes.filter((n) => n.role === "controlplane").map((n) => n.address));
  for (const address of listed.filter((a) => configured.has(a))) {
    problems.push(`${DECOMMISSION_PATH} lists ${address}, which is still in nodes: remove it from nodes or from ${DECOMMISSION_PATH}`);
  }
  const leaving = members.filter((m) => !memberAddresses(m).some((a) => controlPlanes.has(a)));
  const name = (m: EtcdMember) => `${m.hostname} (${memberAddresses(m).join(", ")}, member ${m.id})`;
  for (const m of leaving.filter((m) => !memberAddresses(m).some((a) => listed.includes(a)))) {
    problems.push(
      `etcd member ${name(m)} is no control plane in nodes: add ${memberAddresses(m)[0]} to ${DECOMMISSION_PATH} to remove it ` +
        `in this run (graceful reset, leave etcd, delete its Kubernetes node), or put it back in nodes`,
    );
  }
  const removed = leaving.filter((m) => memberAddresses(m).some((a) => listed.includes(a)));
  if (removed.length > 1) {
    problems.push(`control planes ${removed.map(name).join(" and ")} are decommissioned together: remove one control plane per run`);
  } else if (removed.length === 1) {
    const remaining = members.length - 1;
    if (remaining < quorum(members.length)) {
      problems.push(
        `removing ${name(removed[0])} leaves ${remaining} of ${members.length} etcd members, below quorum (${quorum(members.length)}): ` +
          `add the replacement control plane first, run pulumi up, then remove this one`,
      );
    }
    const learners = members.filter((m) => m.learner && !removed.includes(m));
    if (learners.length > 0) {
      problems.push(
        `etcd member ${learners.map((m) => m.hostname).join(", ")} is still a learner: wait until it is a voter before removing ${name(removed[0])}`,
      );
    }
  }
  return listed
    .filter((a) => !configured.has(a))
    .map((address) => {
      const member = members.find((m) => memberAddresses(m).includes(address));
      return member ? { address, role: "controlplane" as const, member } : { address, role: "worker" as const };
    });
}
