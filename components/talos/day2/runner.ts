/**
 * Day-2 orchestration over talosctl: observe versions and etcd, upgrade Talos on one
 * node, upgrade Kubernetes, gate on cluster health, roll a staged config, leave etcd.
 * Plain Node (no Pulumi): `tools/day2.ts` runs it from the command resources, tests run
 * it against a fake talosctl on PATH.
 *
 * Every wait is a talosctl gate with a timeout (`health --wait-timeout`, `upgrade
 * --wait`, `reboot --wait`); nothing sleeps. The talosconfig reaches talosctl as a
 * 0600 file named by TALOSCONFIG, never on a command line.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { ClusterObservation, EtcdMember, memberAddresses, ObservedNode, quorum } from "./plan";
import { formatVersion, parseVersion, skippedMinors, stepKind } from "./versions";
import { ProjectError } from "../../../lib/problems";

export interface RunnerNode {
  readonly address: string;
  readonly role: "controlplane" | "worker";
}

/** What one talosctl run returned; `error` when it could not be started at all. */
export interface TalosctlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

/** Runs talosctl with these arguments and environment, to completion (or until `timeoutMs`). */
export type Talosctl = (args: readonly string[], env: NodeJS.ProcessEnv, options?: { readonly timeoutMs?: number }) => TalosctlResult;

/** The real thing: the `talosctl` that PATH names, as a child process. */
export const spawnTalosctl: Talosctl = (args, env, options) => {
  const run = spawnSync("talosctl", args, { env, encoding: "utf8", ...(options?.timeoutMs ? { timeout: options.timeoutMs } : {}) });
  // Killed at the deadline: the node did not answer in time, which is no failure to start.
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") {
    return { status: null, stdout: run.stdout ?? "", stderr: `no answer within ${options?.timeoutMs ?? 0} ms` };
  }
  return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "", error: run.error };
};

export interface RunnerContext {
  /** Environment talosctl runs with (PATH decides which talosctl). */
  readonly env: NodeJS.ProcessEnv;
  /** How talosctl is run: spawnTalosctl, or the tests' in-process fake. */
  readonly talosctl: Talosctl;
  /** Path of the talosconfig file. */
  readonly talosconfig: string;
  /** Timeout of every gate, as talosctl takes it (e.g. 10m). */
  readonly timeout: string;
  readonly log: (line: string) => void;
  /** Bound of one talosctl call (observation: a short one at preview, so no route means a quick answer). */
  readonly callTimeoutMs?: number;
  /** How the observation reads the certificate a TLS endpoint presents: spawnPeerCertificate, or the tests' fake. */
  readonly peerCertificate?: PeerCertificate;
}

export class Day2StepError extends ProjectError {}

/** Write the talosconfig to a private temp file for the duration of `body`. */
export function withTalosconfig<T>(content: string, body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "day2-"));
  const path = join(dir, "talosconfig");
  try {
    writeFileSync(path, content, { mode: 0o600 });
    return body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Result {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function talosctl(ctx: RunnerContext, args: readonly string[]): Result {
  const run = ctx.talosctl(args, { ...ctx.env, TALOSCONFIG: ctx.talosconfig }, ctx.callTimeoutMs ? { timeoutMs: ctx.callTimeoutMs } : undefined);
  if (run.error) throw new Day2StepError(`talosctl could not run: ${run.error.message}`);
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr };
}

function must(ctx: RunnerContext, args: readonly string[], what: string): string {
  const result = talosctl(ctx, args);
  if (!result.ok) throw new Day2StepError(`${what} failed: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

/**
 * Talos version of one node from `talosctl version --json` (one protojson
 * VersionResponse message per node: version.tag; siderolabs/talos
 * cmd/talosctl/cmd/talos/version.go). undefined: the node did not answer.
 */
export function talosVersion(ctx: RunnerContext, address: string): string | undefined {
  const result = talosctl(ctx, ["--nodes", address, "version", "--json"]);
  return result.ok ? versionTag(result.stdout) : undefined;
}

function versionTag(stdout: string): string | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const message = JSON.parse(line) as { version?: { tag?: string } };
    if (message.version?.tag) return message.version.tag;
  }
  return undefined;
}

/** Kubernetes version of one node: the kubelet image tag of its KubeletSpec resource. */
export function kubernetesVersion(ctx: RunnerContext, address: string): string | undefined {
  const result = talosctl(ctx, ["--nodes", address, "get", "kubeletspecs", "kubelet", "--output", "json"]);
  if (!result.ok) return undefined;
  const spec = JSON.parse(result.stdout) as { spec?: { image?: string } };
  const tag = spec.spec?.image?.split(":").pop();
  return tag ? formatVersion(parseVersion(tag)) : undefined;
}

/**
 * `talosctl etcd members` as a table: NODE ID HOSTNAME PEER URLS CLIENT URLS LEARNER
 * (siderolabs/talos cmd/talosctl/cmd/talos/etcd.go, etcdMemberListCmd).
 */
export function parseEtcdMembers(table: string): EtcdMember[] {
  const lines = table.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift()?.trim().split(/\s{2,}/) ?? [];
  const column = (name: string) => header.indexOf(name);
  return lines.map((line) => {
    const cells = line.trim().split(/\s+/);
    // Header cells contain spaces ("PEER URLS"), values never do: shift by the NODE column.
    const offset = column("NODE") === 0 ? 1 : 0;
    return {
      id: cells[offset],
      hostname: cells[offset + 1],
      peerUrls: cells[offset + 2].split(","),
      learner: cells[offset + 4] === "true",
    };
  });
}

export function etcdMembers(ctx: RunnerContext, via: string): EtcdMember[] {
  return parseEtcdMembers(must(ctx, ["--nodes", via, "etcd", "members"], `reading etcd members from ${via}`));
}

/** The last line talosctl printed: the reason a node did not answer. */
const lastLine = (text: string) => text.trim().split("\n").pop()?.trim() ?? "";

/** A failure of the TLS handshake itself: the node and the credential do not share a CA. */
export const TLS_TRUST_FAILURE = /x509:|tls:|certificate/i;

/**
 * Versions of every node (a node that does not answer carries the reason), the etcd
 * membership as one answering control plane sees it, and with `certificates` the
 * certificate each node presents on its Talos API (50000) and, for control planes, its
 * Kubernetes API (6443): plain data the program compares with the adopted CAs. Every
 * call the observation makes is a read (os:reader is enough: siderolabs/talos
 * internal/app/machined/pkg/system/services/machined.go rules allow Version,
 * EtcdMemberList and COSI reads of non-sensitive resources to Reader).
 */
export function observe(ctx: RunnerContext, nodes: readonly RunnerNode[], certificates = false): ClusterObservation {
  const observed: ObservedNode[] = nodes.map((n) => {
    const answer = talosctl(ctx, ["--nodes", n.address, "version", "--json"]);
    const talos = answer.ok ? versionTag(answer.stdout) : undefined;
    if (!talos) return { address: n.address, reason: lastLine(answer.stderr) || lastLine(answer.stdout) || "no version in the answer" };
    return { address: n.address, talos, kubernetes: kubernetesVersion(ctx, n.address) };
  });
  const via = observed.find((o, i) => o.talos && nodes[i].role === "controlplane");
  const observation: ClusterObservation = { nodes: observed, etcdMembers: via ? etcdMembers(ctx, via.address) : [] };
  if (!certificates) return observation;
  // Nodes that answered, and those whose handshake failed (a CA mismatch); not the silent ones.
  const probed = nodes.filter((_, i) => observed[i].talos || TLS_TRUST_FAILURE.test(observed[i].reason ?? ""));
  const read = ctx.peerCertificate ?? spawnPeerCertificate;
  const timeoutMs = ctx.callTimeoutMs ?? PEER_CERTIFICATE_TIMEOUT_MS;
  const presented = probed.flatMap((n) =>
    [TALOS_API_PORT, ...(n.role === "controlplane" ? [KUBERNETES_API_PORT] : [])].map((port) => ({ address: n.address, port, ...read(n.address, port, timeoutMs) })),
  );
  return { ...observation, certificates: presented };
}

export const TALOS_API_PORT = 50000;
export const KUBERNETES_API_PORT = 6443;
const PEER_CERTIFICATE_TIMEOUT_MS = 10_000;

/** The leaf certificate a TLS endpoint presents (PEM), or why none was read. */
export type PeerCertificate = (host: string, port: number, timeoutMs: number) => { readonly certificate?: string; readonly error?: string };

/**
 * Node's TLS client in a child process (the runner is synchronous): connects without
 * verifying (the program verifies against the adopted CA), offers h2 as gRPC servers
 * require, and prints the peer's leaf certificate. Under TLS 1.3 the client has the server
 * certificate before the server judges the (absent) client certificate.
 */
const PEER_CERTIFICATE_SCRIPT = `
const tls = require("tls");
const [host, port, ms] = process.argv.slice(1);
let done = false;
const finish = (code, text) => { if (done) return; done = true; process.stdout.write(text); process.exit(code); };
const socket = tls.connect({ host, port: Number(port), rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => {
  const cert = socket.getPeerCertificate(false);
  if (!cert || !cert.raw) return finish(1, "no certificate presented");
  finish(0, "-----BEGIN CERTIFICATE-----\\n" + cert.raw.toString("base64").match(/.{1,64}/g).join("\\n") + "\\n-----END CERTIFICATE-----\\n");
});
socket.setTimeout(Number(ms), () => finish(1, "no answer within " + ms + " ms"));
socket.on("error", (err) => finish(1, err.message));
`;

export const spawnPeerCertificate: PeerCertificate = (host, port, timeoutMs) => {
  const run = spawnSync(process.execPath, ["-e", PEER_CERTIFICATE_SCRIPT, host, String(port), String(timeoutMs)], {
    encoding: "utf8",
    timeout: timeoutMs + 5_000,
  });
  if (run.status === 0) return { certificate: run.stdout };
  return { error: run.stdout.trim() || run.stderr.trim() || run.error?.message || `exit ${String(run.status)}` };
};

/**
 * The cluster is healthy: `talosctl health` runs Talos' default cluster checks (etcd
 * healthy and consistent, members are the control planes, static pods, all nodes Ready,
 * Kubernetes API answering; siderolabs/talos pkg/cluster/check/default.go) and every
 * etcd member is a voter, not a learner.
 */
export function waitHealthy(ctx: RunnerContext, nodes: readonly RunnerNode[]): void {
  const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
  const workers = nodes.filter((n) => n.role === "worker").map((n) => n.address);
  const args = ["--nodes", controlPlanes[0], "health", "--wait-timeout", ctx.timeout, "--control-plane-nodes", controlPlanes.join(",")];
  if (workers.length > 0) args.push("--worker-nodes", workers.join(","));
  must(ctx, args, "cluster health check");
  const learners = etcdMembers(ctx, controlPlanes[0]).filter((m) => m.learner);
  if (learners.length > 0) {
    throw new Day2StepError(`etcd member ${learners.map((m) => m.hostname).join(", ")} is a learner, not yet a voter`);
  }
}

export interface TalosUpgradeSpec {
  readonly node: RunnerNode;
  readonly image: string;
  /** The node was in maintenance mode at observation: its apply installs the target. */
  readonly joining?: boolean;
  readonly target: string;
  readonly cluster: readonly RunnerNode[];
}

/** Upgrade one node (skipped when already at the target), then gate on cluster health. */
export function upgradeTalos(ctx: RunnerContext, spec: TalosUpgradeSpec): "upgraded" | "current" {
  const { address } = spec.node;
  const running = talosVersion(ctx, address);
  if (!running && spec.joining) {
    ctx.log(`node ${address} joins from maintenance mode; its apply installs ${spec.target}`);
    return "current";
  }
  if (!running) throw new Day2StepError(`node ${address}: Talos API does not answer; nothing was upgraded`);
  const from = parseVersion(running);
  const to = parseVersion(spec.target);
  const kind = stepKind(from, to);
  if (kind === "current") {
    ctx.log(`node ${address} already runs Talos ${spec.target}`);
    return "current";
  }
  if (kind !== "patch" && kind !== "minor") {
    const through = skippedMinors(from, to);
    throw new Day2StepError(
      `node ${address} runs Talos ${running}; refusing ${spec.target}` + (through.length ? ` (go through ${through.join(", ")} first)` : ""),
    );
  }
  ctx.log(`node ${address}: upgrading Talos ${running} → ${spec.target}`);
  // --preserve keeps the EPHEMERAL partition (etcd data) on the legacy upgrade path; later
  // talosctl keeps it always and only warns about the flag (cmd/talosctl/cmd/talos/upgrade.go).
  must(ctx, ["--nodes", address, "upgrade", "--image", spec.image, "--preserve", "--wait", "--timeout", ctx.timeout], `node ${address}: talosctl upgrade`);
  const after = talosVersion(ctx, address);
  if (after !== spec.target) throw new Day2StepError(`node ${address}: still reports Talos ${after ?? "nothing"} after the upgrade to ${spec.target}`);
  waitHealthy(ctx, spec.cluster);
  return "upgraded";
}

export interface KubernetesUpgradeSpec {
  readonly target: string;
  readonly cluster: readonly RunnerNode[];
}

/**
 * `talosctl upgrade-k8s` on the first control plane: it checks, pre-pulls images
 * (--pre-pull-images, default true), moves control-plane components node by node, then
 * the kubelets (--upgrade-kubelet, default true; siderolabs/talos
 * cmd/talosctl/cmd/talos/upgrade-k8s.go and pkg/cluster/kubernetes/talos_managed.go).
 * Run only on a healthy cluster.
 */
export function upgradeKubernetes(ctx: RunnerContext, spec: KubernetesUpgradeSpec): "upgraded" | "current" {
  const controlPlane = spec.cluster.find((n) => n.role === "controlplane");
  if (!controlPlane) throw new Day2StepError("no control plane to run upgrade-k8s against");
  // Gate first even when nothing moves: the first apply of the run comes right after.
  waitHealthy(ctx, spec.cluster);
  const versions = spec.cluster.map((n) => kubernetesVersion(ctx, n.address)).filter((v): v is string => v !== undefined);
  if (versions.length === 0) throw new Day2StepError("no node reports its Kubernetes version");
  const lowest = versions.map(parseVersion).sort((a, b) => a.minor - b.minor || a.patch - b.patch)[0];
  const to = parseVersion(spec.target);
  const kind = stepKind(lowest, to);
  if (kind === "current" && versions.every((v) => v === spec.target)) {
    ctx.log(`Kubernetes already at ${spec.target}`);
    return "current";
  }
  if (kind !== "patch" && kind !== "minor" && kind !== "current") {
    const through = skippedMinors(lowest, to);
    throw new Day2StepError(
      `Kubernetes runs ${formatVersion(lowest)}; refusing ${spec.target}` + (through.length ? ` (go through ${through.join(", ")} first)` : ""),
    );
  }
  ctx.log(`Kubernetes ${formatVersion(lowest)} → ${spec.target} via ${controlPlane.address}`);
  // Without docs and examples: the machine configs stay as the program renders them
  // (both default to true; siderolabs/talos cmd/talosctl/cmd/talos/upgrade-k8s.go).
  must(
    ctx,
    ["--nodes", controlPlane.address, "upgrade-k8s", "--from", formatVersion(lowest), "--to", spec.target, "--with-docs=false", "--with-examples=false"],
    "talosctl upgrade-k8s",
  );
  waitHealthy(ctx, spec.cluster);
  return "upgraded";
}

export interface RollSpec {
  readonly node: RunnerNode;
  /** resolvedApplyMode of the node's apply: `staged` means the change waits for a reboot. */
  readonly applied: string;
  /** machineConfigurationHash of the apply: only there so a new config re-runs the step. */
  readonly config?: string;
  readonly cluster: readonly RunnerNode[];
}

/** After a node's apply: reboot it when its change was staged, then gate on health. */
export function rollNode(ctx: RunnerContext, spec: RollSpec): "rebooted" | "live" {
  waitHealthy(ctx, spec.cluster);
  if (spec.applied !== "staged") return "live";
  ctx.log(`node ${spec.node.address}: rebooting into its staged config`);
  must(ctx, ["--nodes", spec.node.address, "reboot", "--wait", "--timeout", ctx.timeout], `node ${spec.node.address}: reboot`);
  waitHealthy(ctx, spec.cluster);
  return "rebooted";
}

export interface LeaveSpec {
  readonly node: RunnerNode;
  /** Control planes that stay. */
  readonly survivors: readonly string[];
}

/**
 * A control plane leaves etcd before it goes: `etcd leave` on the node itself, or, when
 * it no longer answers, `etcd remove-member <id>` from a survivor. Refused below quorum.
 */
export function leaveEtcd(ctx: RunnerContext, spec: LeaveSpec): "left" | "removed" | "absent" {
  const { address } = spec.node;
  const survivor = spec.survivors.find((s) => talosVersion(ctx, s) !== undefined);
  if (!survivor) throw new Day2StepError(`node ${address}: no surviving control plane answers; etcd membership left unchanged`);
  const members = etcdMembers(ctx, survivor);
  const member = members.find((m) => memberAddresses(m).includes(address));
  if (!member) {
    ctx.log(`node ${address} is no etcd member`);
    return "absent";
  }
  if (members.length - 1 < quorum(members.length)) {
    throw new Day2StepError(`node ${address}: leaving would drop etcd to ${members.length - 1} of ${members.length} members, below quorum`);
  }
  const voters = members.filter((m) => m !== member && !m.learner);
  if (voters.length < quorum(members.length)) {
    throw new Day2StepError(`node ${address}: only ${voters.length} other voting members; wait for learners to become voters`);
  }
  const outcome = talosctl(ctx, ["--nodes", address, "etcd", "leave"]).ok
    ? "left"
    : (must(ctx, ["--nodes", survivor, "etcd", "remove-member", member.id], `removing etcd member ${member.id} via ${survivor}`), "removed");
  if (etcdMembers(ctx, survivor).some((m) => m.id === member.id)) {
    throw new Day2StepError(`node ${address}: etcd member ${member.id} is still listed after ${outcome === "left" ? "leave" : "remove-member"}`);
  }
  ctx.log(`node ${address}: etcd member ${member.id} ${outcome}`);
  return outcome;
}

export interface JoinSpec {
  readonly node: RunnerNode;
  readonly cluster: readonly RunnerNode[];
}

/** A new node counts once the cluster with it is healthy: etcd voter (control plane) or Ready (worker). */
export function joinNode(ctx: RunnerContext, spec: JoinSpec): void {
  waitHealthy(ctx, spec.cluster);
  if (spec.node.role === "controlplane") {
    const cp = spec.cluster.find((n) => n.role === "controlplane" && n.address !== spec.node.address) ?? spec.node;
    const member = etcdMembers(ctx, cp.address).find((m) => memberAddresses(m).includes(spec.node.address));
    if (!member || member.learner) throw new Day2StepError(`node ${spec.node.address} is not a voting etcd member`);
  }
}
