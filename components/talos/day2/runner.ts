/**
 * Day-2 orchestration over talosctl (and kubectl for Kubernetes objects): observe
 * versions and etcd, gate on cluster health, upgrade Talos on one node, upgrade
 * Kubernetes, reboot a node into its staged config, decommission a node. Plain Node (no
 * Pulumi): `tools/day2.ts` runs it from the command resources, tests run it against a
 * fake talosctl and kubectl.
 *
 * Every disruption (upgrade, reboot, reset) sits between two health gates; every wait is
 * a gate on a condition with a timeout (`health --wait-timeout`, `upgrade --wait`,
 * `reboot --wait`, `reset --wait`, `kubectl ... --timeout`); nothing sleeps. The
 * talosconfig reaches talosctl as a 0600 file named by TALOSCONFIG, never on a command line.
 */
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { connect } from "tls";
import { tmpdir } from "os";
import { join } from "path";
import { ClusterObservation, EtcdMember, memberAddresses, ObservedNode, quorum } from "./plan";
import { formatVersion, parseVersion, skippedMinors, stepKind } from "./versions";
import { pemBlock } from "../../../lib/pem";
import { ProjectError } from "../../../lib/problems";

export interface RunnerNode {
  readonly address: string;
  readonly role: "controlplane" | "worker";
}

/** What one tool run returned; `error` when it could not be started at all. */
export interface TalosctlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

/** Runs a tool (talosctl, kubectl) with these arguments and environment, to completion (or until `timeoutMs`). */
export type Talosctl = (args: readonly string[], env: NodeJS.ProcessEnv, options?: { readonly timeoutMs?: number }) => TalosctlResult;

/** The same, as a promise: the observation runs its read-only calls concurrently. */
export type AsyncTalosctl = (args: readonly string[], env: NodeJS.ProcessEnv, options?: { readonly timeoutMs?: number }) => Promise<TalosctlResult>;

/**
 * Output a tool may print before it exits. Node's default (1 MiB) kills the child when
 * exceeded: `talosctl upgrade --wait` prints progress for minutes, and `etcd members` or
 * `get` on a large cluster grows with it.
 */
export const TOOL_MAX_BUFFER = 256 * 1024 * 1024;

const spawnTool =
  (tool: string): Talosctl =>
  (args, env, options) => {
    const run = spawnSync(tool, args, { env, encoding: "utf8", maxBuffer: TOOL_MAX_BUFFER, ...(options?.timeoutMs ? { timeout: options.timeoutMs } : {}) });
    // Killed at the deadline: the node did not answer in time, which is no failure to start.
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") {
      return { status: null, stdout: run.stdout ?? "", stderr: `no answer within ${options?.timeoutMs ?? 0} ms` };
    }
    return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "", error: run.error };
  };

/**
 * spawnTool without blocking: the child is killed (SIGTERM, as spawnSync does) at the
 * deadline or when its output passes TOOL_MAX_BUFFER (counted in characters).
 */
const spawnToolAsync =
  (tool: string): AsyncTalosctl =>
  (args, env, options) =>
    new Promise((resolve) => {
      const child = spawn(tool, args, { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let cut: string | undefined;
      const stop = (why: string) => {
        cut ??= why;
        child.kill("SIGTERM");
      };
      const collect = (append: (text: string) => void) => (text: string) => {
        append(text);
        if (stdout.length + stderr.length > TOOL_MAX_BUFFER) stop(`output over ${TOOL_MAX_BUFFER} characters`);
      };
      child.stdout.setEncoding("utf8").on("data", collect((t) => (stdout += t)));
      child.stderr.setEncoding("utf8").on("data", collect((t) => (stderr += t)));
      const timer = options?.timeoutMs ? setTimeout(() => stop(`no answer within ${options.timeoutMs ?? 0} ms`), options.timeoutMs) : undefined;
      // "close" follows "error" too (nodejs/node doc/api/child_process.md, event 'close'): the first settles.
      child.once("error", (error) => {
        clearTimeout(timer);
        resolve({ status: null, stdout, stderr, error });
      });
      child.once("close", (status) => {
        clearTimeout(timer);
        resolve(cut ? { status: null, stdout, stderr: cut } : { status, stdout, stderr });
      });
    });

/** The real thing: the `talosctl` that PATH names, as a child process. */
export const spawnTalosctl: Talosctl = spawnTool("talosctl");
/** The `kubectl` that PATH names: only node removal and the drain fallback use it. */
export const spawnKubectl: Talosctl = spawnTool("kubectl");
/** `talosctl` as a child process that does not block: the observation's calls. */
export const spawnTalosctlAsync: AsyncTalosctl = spawnToolAsync("talosctl");

export interface RunnerContext {
  /** Environment the tools run with (PATH decides which talosctl and kubectl). */
  readonly env: NodeJS.ProcessEnv;
  /** How talosctl is run: spawnTalosctl, or the tests' in-process fake. */
  readonly talosctl: Talosctl;
  /** How kubectl is run (default spawnKubectl). */
  readonly kubectl?: Talosctl;
  /** Path of the talosconfig file. */
  readonly talosconfig: string;
  /** Timeout of every gate, as talosctl takes it (e.g. 10m). */
  readonly timeout: string;
  readonly log: (line: string) => void;
  /** Bound of one talosctl call (observation: a short one at preview, so no route means a quick answer). */
  readonly callTimeoutMs?: number;
  /** How the observation reads the certificate a TLS endpoint presents: readPeerCertificate, or the tests' fake. */
  readonly peerCertificate?: PeerCertificate;
  /**
   * How the observation runs talosctl, concurrently: spawnTalosctlAsync. Without it the
   * observation calls `talosctl` above (the tests' in-process fake, which never hangs).
   */
  readonly talosctlAsync?: AsyncTalosctl;
}

export class Day2StepError extends ProjectError {}

function writeTalosconfig(content: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "day2-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, "talosconfig");
  try {
    writeFileSync(path, content, { mode: 0o600 });
  } catch (err) {
    remove();
    throw err;
  }
  return { path, remove };
}

/** Write the talosconfig to a private temp file for the duration of `body`. */
export function withTalosconfig<T>(content: string, body: (path: string) => T): T {
  const file = writeTalosconfig(content);
  try {
    return body(file.path);
  } finally {
    file.remove();
  }
}

/** withTalosconfig for a body that settles later: the file lives until it has. */
export async function withTalosconfigAsync<T>(content: string, body: (path: string) => Promise<T>): Promise<T> {
  const file = writeTalosconfig(content);
  try {
    return await body(file.path);
  } finally {
    file.remove();
  }
}

interface Result {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

const talosctlEnv = (ctx: RunnerContext) => ({ ...ctx.env, TALOSCONFIG: ctx.talosconfig });
const callOptions = (ctx: RunnerContext) => (ctx.callTimeoutMs ? { timeoutMs: ctx.callTimeoutMs } : undefined);

function asResult(run: TalosctlResult): Result {
  if (run.error) throw new Day2StepError(`talosctl could not run: ${run.error.message}`);
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr };
}

function talosctl(ctx: RunnerContext, args: readonly string[]): Result {
  return asResult(ctx.talosctl(args, talosctlEnv(ctx), callOptions(ctx)));
}

function mustSucceed(result: Result, what: string): string {
  if (!result.ok) throw new Day2StepError(`${what} failed: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

function must(ctx: RunnerContext, args: readonly string[], what: string): string {
  return mustSucceed(talosctl(ctx, args), what);
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

export function versionTag(stdout: string): string | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const message = JSON.parse(line) as { version?: { tag?: string } };
    if (message.version?.tag) return message.version.tag;
  }
  return undefined;
}

/** One resource of `talosctl get <type> <id> --output json` (cmd/talosctl/cmd/talos/output/json.go). */
const getArgs = (address: string, type: string, id: string) => ["--nodes", address, "get", type, id, "--output", "json"];
const resourceOf = <T>(result: Result): T | undefined => (result.ok ? (JSON.parse(result.stdout) as T) : undefined);

function getResource<T>(ctx: RunnerContext, address: string, type: string, id: string): T | undefined {
  return resourceOf<T>(talosctl(ctx, getArgs(address, type, id)));
}

const KUBELET_SPEC = ["kubeletspecs", "kubelet"] as const;

/** The kubelet image tag of a KubeletSpec resource, as a version. */
function kubeletVersion(spec: { spec?: { image?: string } } | undefined): string | undefined {
  const tag = spec?.spec?.image?.split(":").pop();
  return tag ? formatVersion(parseVersion(tag)) : undefined;
}

/** Kubernetes version of one node: the kubelet image tag of its KubeletSpec resource. */
export function kubernetesVersion(ctx: RunnerContext, address: string): string | undefined {
  return kubeletVersion(getResource(ctx, address, ...KUBELET_SPEC));
}

/**
 * A config waits for a reboot: the MachineConfig `persistent` (saved to STATE, ahead of
 * the running one after a staged apply) differs from `v1alpha1` (the one the OS runs;
 * pkg/machinery/resources/config/machine_config.go, ActiveID and PersistentID). Both are
 * Sensitive resources: the admin talosconfig of the steps reads them, `os:reader` cannot.
 */
export function stagedConfigPending(ctx: RunnerContext, address: string): boolean {
  type MachineConfig = { spec?: unknown };
  const active = getResource<MachineConfig>(ctx, address, "machineconfig", "v1alpha1");
  const persistent = getResource<MachineConfig>(ctx, address, "machineconfig", "persistent");
  if (!active || !persistent) throw new Day2StepError(`node ${address}: cannot read its machine configs (is the talosconfig os:admin?)`);
  return JSON.stringify(active.spec) !== JSON.stringify(persistent.spec);
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

const etcdMembersArgs = (via: string) => ["--nodes", via, "etcd", "members"];
const etcdMembersWhat = (via: string) => `reading etcd members from ${via}`;

export function etcdMembers(ctx: RunnerContext, via: string): EtcdMember[] {
  return parseEtcdMembers(must(ctx, etcdMembersArgs(via), etcdMembersWhat(via)));
}

export interface EtcdMemberStatus {
  /** The node that answered (the NODE column). */
  readonly node: string;
  readonly learner: boolean;
  /** The ERRORS column: empty when the member is healthy. */
  readonly errors: string;
}

/**
 * `talosctl --nodes a,b,c etcd status`: one row per answering node, NODE MEMBER DB SIZE
 * IN USE LEADER RAFT INDEX RAFT TERM RAFT APPLIED INDEX LEARNER PROTOCOL STORAGE ERRORS
 * (cmd/talosctl/cmd/talos/etcd.go, etcdStatusCmd; a node that does not answer is a warning
 * on stderr). Cells hold spaces ("25 MB"), so columns are read at the header's offsets
 * (tabwriter aligns them).
 */
export function parseEtcdStatus(table: string): EtcdMemberStatus[] {
  const lines = table.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift() ?? "";
  if (!header.startsWith("NODE")) return [];
  const learnerAt = header.indexOf("LEARNER");
  const errorsAt = header.indexOf("ERRORS");
  return lines.map((line) => ({
    node: line.split(/\s+/)[0],
    learner: line.slice(learnerAt).trim().startsWith("true"),
    errors: errorsAt >= 0 ? line.slice(errorsAt).trim() : "",
  }));
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
 *
 * The reads run concurrently (the only concurrency of the runner: every step that changes
 * a node stays one node at a time): every node's `version` at once, then each answering
 * node's kubelet spec; the etcd members through the first answering control plane beside
 * the certificate probes. So silent nodes cost one call bound whatever their number, and
 * the answer lists the nodes in the order given, as a sequential run would.
 */
export async function observe(ctx: RunnerContext, nodes: readonly RunnerNode[], certificates = false): Promise<ClusterObservation> {
  const run: AsyncTalosctl = ctx.talosctlAsync ?? ((args, env, options) => Promise.resolve(ctx.talosctl(args, env, options)));
  const call = async (args: readonly string[]) => asResult(await run(args, talosctlEnv(ctx), callOptions(ctx)));
  const observed: ObservedNode[] = await Promise.all(
    nodes.map(async (n): Promise<ObservedNode> => {
      const answer = await call(["--nodes", n.address, "version", "--json"]);
      const talos = answer.ok ? versionTag(answer.stdout) : undefined;
      if (!talos) return { address: n.address, reason: lastLine(answer.stderr) || lastLine(answer.stdout) || "no version in the answer" };
      const kubelet = resourceOf<{ spec?: { image?: string } }>(await call(getArgs(n.address, ...KUBELET_SPEC)));
      return { address: n.address, talos, kubernetes: kubeletVersion(kubelet) };
    }),
  );
  const via = observed.find((o, i) => o.talos && nodes[i].role === "controlplane");
  const members = via ? call(etcdMembersArgs(via.address)).then((r) => parseEtcdMembers(mustSucceed(r, etcdMembersWhat(via.address)))) : Promise.resolve([]);
  if (!certificates) return { nodes: observed, etcdMembers: await members };
  // Nodes that answered, and those whose handshake failed (a CA mismatch); not the silent ones.
  const probed = nodes.filter((_, i) => observed[i].talos || TLS_TRUST_FAILURE.test(observed[i].reason ?? ""));
  const read = ctx.peerCertificate ?? readPeerCertificate;
  const timeoutMs = ctx.callTimeoutMs ?? PEER_CERTIFICATE_TIMEOUT_MS;
  const presented = Promise.all(
    probed.flatMap((n) =>
      [TALOS_API_PORT, ...(n.role === "controlplane" ? [KUBERNETES_API_PORT] : [])].map(async (port) => ({ address: n.address, port, ...(await read(n.address, port, timeoutMs)) })),
    ),
  );
  const [etcd, certificatesPresented] = await Promise.all([members, presented]);
  return { nodes: observed, etcdMembers: etcd, certificates: certificatesPresented };
}

export const TALOS_API_PORT = 50000;
export const KUBERNETES_API_PORT = 6443;
const PEER_CERTIFICATE_TIMEOUT_MS = 10_000;

/** The leaf certificate a TLS endpoint presents (PEM), or why none was read. */
export type PeerCertificateResult = { readonly certificate?: string; readonly error?: string };
export type PeerCertificate = (host: string, port: number, timeoutMs: number) => PeerCertificateResult | Promise<PeerCertificateResult>;

/**
 * Node's TLS client: connects without verifying (the program verifies against the adopted
 * CA), offers h2 as gRPC servers require, and returns the peer's leaf certificate. Under
 * TLS 1.3 the client has the server certificate before the server judges the (absent)
 * client certificate. `timeoutMs` bounds the whole exchange, connect included.
 */
export const readPeerCertificate = (host: string, port: number, timeoutMs: number): Promise<PeerCertificateResult> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => {
      const cert = socket.getPeerCertificate(false);
      const raw = (cert as { raw?: Buffer } | undefined)?.raw;
      if (!raw) return finish({ error: "no certificate presented" });
      finish({ certificate: pemBlock("CERTIFICATE", raw) });
    });
    const timer = setTimeout(() => finish({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const finish = (result: PeerCertificateResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.on("error", (err) => finish({ error: err.message }));
  });

export interface GateOptions {
  /** The node the next action takes down: etcd must keep quorum without it. */
  readonly disrupting?: string;
  /**
   * A node being removed: its etcd member (if any) may be unhealthy or gone (its loss is
   * what the removal repairs), but quorum must hold without it.
   */
  readonly departing?: string;
}

/**
 * The health gate. `talosctl health` runs Talos' default cluster checks and waits up to
 * the timeout (etcd healthy and its members the control planes, static pods, every
 * Kubernetes node reported and Ready, the API answering; siderolabs/talos
 * pkg/cluster/check/default.go). Then every etcd member answers `etcd status` without
 * errors, none is a learner, and the members that stay healthy after `disrupting` goes
 * down still hold quorum (a one-member etcd cannot; Talos allows it too,
 * internal/pkg/etcd/etcd.go ValidateForUpgrade).
 *
 * With `departing` the Talos checks cannot pass (its member and Node may still be there),
 * so the gate checks etcd and the Ready condition of the other nodes' Kubernetes nodes.
 */
export function waitHealthy(ctx: RunnerContext, nodes: readonly RunnerNode[], options: GateOptions = {}): void {
  const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
  const workers = nodes.filter((n) => n.role === "worker").map((n) => n.address);
  if (controlPlanes.length === 0) throw new Day2StepError("health gate: no control plane to ask");
  if (!options.departing) {
    const args = ["--nodes", controlPlanes[0], "health", "--wait-timeout", ctx.timeout, "--control-plane-nodes", controlPlanes.join(",")];
    if (workers.length > 0) args.push("--worker-nodes", workers.join(","));
    must(ctx, args, "cluster health check");
  } else {
    kubernetesNodesReady(ctx, controlPlanes[0], nodes.map((n) => n.address));
  }
  etcdQuorumGate(ctx, controlPlanes, options);
}

function etcdQuorumGate(ctx: RunnerContext, controlPlanes: readonly string[], options: GateOptions): void {
  const members = etcdMembers(ctx, controlPlanes[0]);
  const answered = talosctl(ctx, ["--nodes", [...controlPlanes, ...(options.departing ? [options.departing] : [])].join(","), "etcd", "status"]);
  const statuses = parseEtcdStatus(answered.stdout);
  const health = (m: EtcdMember) => {
    const status = statuses.find((s) => memberAddresses(m).includes(s.node));
    if (!status) return "does not answer";
    if (status.errors) return status.errors;
    return m.learner || status.learner ? "is a learner, not yet a voter" : undefined;
  };
  const departing = members.filter((m) => options.departing && memberAddresses(m).includes(options.departing));
  const problems = members.filter((m) => !departing.includes(m) && health(m)).map((m) => `etcd member ${m.hostname} ${health(m) ?? ""}`);
  const strangers = members.filter((m) => !departing.includes(m) && !memberAddresses(m).some((a) => controlPlanes.includes(a)));
  for (const m of strangers) problems.push(`etcd member ${m.hostname} (${memberAddresses(m).join(", ")}) is no configured control plane`);
  if (problems.length > 0) throw new Day2StepError(`health gate: ${problems.join("; ")}`);
  const lost = options.disrupting ?? options.departing;
  const staying = members.filter((m) => !health(m) && !(lost && memberAddresses(m).includes(lost)));
  if (members.length > 1 && staying.length < quorum(members.length)) {
    throw new Day2StepError(
      `health gate: without ${lost} only ${staying.length} of ${members.length} etcd members stay healthy, below quorum (${quorum(members.length)})`,
    );
  }
  if (members.length === 1 && lost) ctx.log(`etcd has one member: the cluster API pauses while ${lost} is down`);
}

/** A Kubernetes node as `kubectl get nodes -o json` lists it (the parts read here). */
export interface KubernetesNode {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: {
    readonly addresses?: readonly { readonly type: string; readonly address: string }[];
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

function kubectl(ctx: RunnerContext, kubeconfig: string, args: readonly string[], what: string): string {
  const run = (ctx.kubectl ?? spawnKubectl)(["--kubeconfig", kubeconfig, ...args], ctx.env);
  if (run.error) throw new Day2StepError(`${what}: kubectl could not run (${run.error.message}); put kubectl on PATH`);
  if (run.status !== 0) throw new Day2StepError(`${what} failed: ${run.stderr.trim() || run.stdout.trim()}`);
  return run.stdout;
}

/**
 * Run `body` with an admin kubeconfig fetched through the Talos API (`talosctl
 * kubeconfig`, cmd/talosctl/cmd/talos/kubeconfig.go) into a private temp file.
 */
function withKubeconfig<T>(ctx: RunnerContext, via: string, body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "day2-kube-"));
  const path = join(dir, "kubeconfig");
  try {
    must(ctx, ["--nodes", via, "kubeconfig", path, "--force", "--merge=false"], `fetching a kubeconfig from ${via}`);
    return body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kubernetesNodes(ctx: RunnerContext, kubeconfig: string): KubernetesNode[] {
  return (JSON.parse(kubectl(ctx, kubeconfig, ["get", "nodes", "--output", "json"], "listing Kubernetes nodes")) as { items: KubernetesNode[] }).items;
}

export const internalIp = (n: KubernetesNode) => n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
export const nodeReady = (n: KubernetesNode | undefined) => n?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

function kubernetesNodesReady(ctx: RunnerContext, via: string, addresses: readonly string[]): void {
  withKubeconfig(ctx, via, (kubeconfig) => {
    const listed = kubernetesNodes(ctx, kubeconfig);
    const notReady = addresses.filter((address) => {
      const node = listed.find((n) => internalIp(n) === address);
      return !nodeReady(node);
    });
    if (notReady.length > 0) throw new Day2StepError(`health gate: Kubernetes node ${notReady.join(", ")} is not Ready`);
  });
}

export interface TalosUpgradeSpec {
  readonly node: RunnerNode;
  readonly image: string;
  /** The node was in maintenance mode at observation: its apply installs the target. */
  readonly joining?: boolean;
  readonly target: string;
  readonly cluster: readonly RunnerNode[];
}

/**
 * Upgrade one node (skipped when already at the target) between two health gates. No
 * `--preserve`: since Talos 1.8 it protects no data, and on 1.12.9+/1.13.4+ it makes
 * Talos skip its upgrade lock and etcd health check (internal/app/machined/internal/
 * server/v1alpha1/v1alpha1_server.go). Talos drains the node itself (the upgrade
 * sequence's "drain" phase, v1alpha1_sequencer.go); talosctl 1.13 drains it first from the
 * client too (`upgrade --drain`, default true, within --drain-timeout's default 5m; a
 * drain that does not finish fails the step before the upgrade: cmd/talosctl/cmd/talos/
 * upgrade.go and pkg/talos/nodedrain, v1.13.9). --drain-timeout is not passed: talosctl
 * 1.12, which the step through 1.12 runs, has no such flag.
 */
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
  waitHealthy(ctx, spec.cluster, { disrupting: address });
  ctx.log(`node ${address}: upgrading Talos ${running} → ${spec.target}`);
  must(ctx, ["--nodes", address, "upgrade", "--image", spec.image, "--wait", "--timeout", ctx.timeout], `node ${address}: talosctl upgrade`);
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
  /** resolvedApplyMode of the node's apply (informational: the node itself says whether a config waits). */
  readonly applied: string;
  /** machineConfigurationHash of the apply (a trigger of the step). */
  readonly config?: string;
  readonly cluster: readonly RunnerNode[];
}

/**
 * After a node's apply: gate, then reboot it only when Talos holds a staged config that
 * the OS does not run yet, drained, and gate again.
 */
export function rollNode(ctx: RunnerContext, spec: RollSpec): "rebooted" | "live" {
  const { address } = spec.node;
  const pending = stagedConfigPending(ctx, address);
  // The quorum-without-this-node condition only where this node is about to go down.
  waitHealthy(ctx, spec.cluster, pending ? { disrupting: address } : {});
  if (!pending) {
    ctx.log(`node ${address}: no staged config waits for a reboot`);
    return "live";
  }
  ctx.log(`node ${address}: rebooting into its staged config`);
  rebootDrained(ctx, spec.node, spec.cluster);
  if (stagedConfigPending(ctx, address)) throw new Day2StepError(`node ${address}: still holds a staged config after its reboot`);
  waitHealthy(ctx, spec.cluster);
  return "rebooted";
}

/**
 * Reboot one node with its Kubernetes node drained. talosctl 1.13+ drains itself
 * (`reboot --drain --drain-timeout`: cordon, evict, reboot, wait, uncordon; siderolabs/talos
 * cmd/talosctl/cmd/talos/reboot.go and drain.go, from v1.13.0-rc.0 on, in no v1.12 tag;
 * verified at v1.12.11 and v1.13.9). An older talosctl rejects the flag before doing
 * anything: pflag v1.0.10 errors.go words it `unknown flag: --drain`, and talosctl's root
 * command (SilenceErrors; cmd/talosctl/cmd/root.go Execute, v1.12.11) prints it bare on
 * stderr, then the usage, exit 1. Then kubectl (kubernetes/kubectl kubernetes-1.36.2)
 * drains (pkg/cmd/drain/drain.go: cordon first, evict; --ignore-daemonsets since every
 * Talos node runs the CNI's DaemonSet pods, --delete-emptydir-data, --timeout a Go
 * duration; no --force, so a pod no controller recreates stops the drain instead of being
 * lost), talosctl reboots and waits (--wait and --timeout: track.go addTrackActionFlags,
 * v1.12.11), `kubectl wait --for=condition=Ready` (pkg/cmd/wait/wait.go), and uncordons.
 */
export function rebootDrained(ctx: RunnerContext, node: RunnerNode, cluster: readonly RunnerNode[]): void {
  const { address } = node;
  const reboot = ["--nodes", address, "reboot", "--wait", "--timeout", ctx.timeout];
  const drained = talosctl(ctx, [...reboot, "--drain", "--drain-timeout", ctx.timeout]);
  if (drained.ok) return;
  if (!/unknown flag: --drain/.test(drained.stderr)) throw new Day2StepError(`node ${address}: drained reboot failed: ${drained.stderr.trim()}`);
  const via = cluster.find((n) => n.role === "controlplane" && n.address !== address) ?? cluster.find((n) => n.role === "controlplane");
  if (!via) throw new Day2StepError(`node ${address}: no control plane to fetch a kubeconfig from`);
  withKubeconfig(ctx, via.address, (kubeconfig) => {
    const name = kubernetesNodeName(ctx, kubeconfig, address);
    kubectl(ctx, kubeconfig, ["drain", name, "--ignore-daemonsets", "--delete-emptydir-data", `--timeout=${ctx.timeout}`], `node ${address}: kubectl drain`);
    must(ctx, reboot, `node ${address}: reboot`);
    kubectl(ctx, kubeconfig, ["wait", `node/${name}`, "--for=condition=Ready", `--timeout=${ctx.timeout}`], `node ${address}: waiting for Ready`);
    kubectl(ctx, kubeconfig, ["uncordon", name], `node ${address}: kubectl uncordon`);
  });
}

function kubernetesNodeName(ctx: RunnerContext, kubeconfig: string, address: string): string {
  const node = kubernetesNodes(ctx, kubeconfig).find((n) => internalIp(n) === address);
  if (!node) throw new Day2StepError(`node ${address}: no Kubernetes node has this InternalIP`);
  return node.metadata.name;
}

export interface DecommissionSpec {
  readonly node: RunnerNode;
  /** etcd member of the node at observation (control planes). */
  readonly member?: EtcdMember;
  /** The nodes that stay: the gates before and after. */
  readonly cluster: readonly RunnerNode[];
}

/**
 * Remove a node listed in talos.decommission, in one step: the survivors' health first
 * (etcd keeps quorum without it), then `talosctl reset --graceful` on the node (cordon and
 * drain, leave etcd, wipe, power off; the reset sequence of v1alpha1_sequencer.go),
 * `etcd remove-member` from a survivor only when the node does not answer, the Node
 * object deleted, and the survivors' health again.
 */
export function decommissionNode(ctx: RunnerContext, spec: DecommissionSpec): "removed" | "absent" {
  const { address } = spec.node;
  const survivor = spec.cluster.find((n) => n.role === "controlplane");
  if (!survivor) throw new Day2StepError(`node ${address}: no surviving control plane`);
  const memberNow = () => etcdMembers(ctx, survivor.address).find((m) => memberAddresses(m).includes(address));
  const answers = talosVersion(ctx, address) !== undefined;
  const member = memberNow();
  const nodeObject = withKubeconfig(ctx, survivor.address, (kc) => kubernetesNodes(ctx, kc).find((n) => internalIp(n) === address));
  if (!answers && !member && !nodeObject) {
    ctx.log(`node ${address} is gone: no etcd member, no Kubernetes node, no Talos API`);
    waitHealthy(ctx, spec.cluster);
    return "absent";
  }
  waitHealthy(ctx, spec.cluster, { departing: address });
  if (answers) {
    ctx.log(`node ${address}: graceful reset (cordon, drain, leave etcd, wipe, power off)`);
    must(ctx, ["--nodes", address, "reset", "--graceful", "--reboot=false", "--wait", "--timeout", ctx.timeout], `node ${address}: talosctl reset`);
    if (memberNow()) throw new Day2StepError(`node ${address}: still an etcd member after its graceful reset; nothing else was removed`);
  } else if (member) {
    ctx.log(`node ${address} does not answer: removing etcd member ${member.id} via ${survivor.address}`);
    must(ctx, ["--nodes", survivor.address, "etcd", "remove-member", member.id], `removing etcd member ${member.id} via ${survivor.address}`);
    if (memberNow()) throw new Day2StepError(`node ${address}: etcd member ${member.id} is still listed after remove-member`);
  }
  withKubeconfig(ctx, survivor.address, (kubeconfig) => {
    const object = kubernetesNodes(ctx, kubeconfig).find((n) => internalIp(n) === address);
    if (!object) return;
    // --wait (waits for finalizers) and --timeout: kubernetes/kubectl kubernetes-1.36.2 pkg/cmd/delete/delete_flags.go.
    kubectl(ctx, kubeconfig, ["delete", "node", object.metadata.name, "--wait=true", `--timeout=${ctx.timeout}`], `node ${address}: deleting its Kubernetes node`);
  });
  waitHealthy(ctx, spec.cluster);
  ctx.log(`node ${address} removed`);
  return "removed";
}
