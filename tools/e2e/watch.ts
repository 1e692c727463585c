/**
 * The day-2 watcher of the end-to-end run (tools/e2e/day2-phase.sh starts it beside each
 * day-2 `pulumi up`). The I/O lives here, the verdict in watch-verdict.ts:
 *
 *   npx ts-node --transpile-only tools/e2e/watch.ts record SAMPLES STOP_FILE
 *       samples every node until STOP_FILE exists (then once more) or the deadline passes,
 *       appending one JSON sample per line to SAMPLES; every talosctl/kubectl call is
 *       bounded by a timeout, and the only pause is the poll interval of this bounded loop
 *   npx ts-node --transpile-only tools/e2e/watch.ts verdict SAMPLES reboot|upgrade [TARGET]
 *       asserts the samples (watch-verdict.ts), prints a summary and fails with the reasons
 *
 * Environment: E2E_CONTROLPLANE_NODES, E2E_WORKER_NODES, E2E_ENDPOINT (from tools/e2e/cli.ts
 * env), TALOSCONFIG, KUBECONFIG; E2E_WATCH_INTERVAL_SECONDS (5), E2E_WATCH_DEADLINE_MINUTES (80).
 */
import * as fs from "fs";
import { setTimeout as delay } from "timers/promises";
import {
  internalIp,
  KUBERNETES_API_PORT,
  KubernetesNode,
  nodeReady,
  parseEtcdStatus,
  spawnKubectl,
  spawnTalosctl,
  Talosctl,
  versionTag,
} from "../../components/talos/day2/runner";
import { Expectation, NodeRole, NodeSample, Sample, verdict } from "./watch-verdict";

export interface WatchContext {
  readonly talosctl: Talosctl;
  readonly kubectl: Talosctl;
  readonly env: NodeJS.ProcessEnv;
  readonly talosconfig: string;
  readonly kubeconfig: string;
  readonly controlPlanes: readonly string[];
  readonly workers: readonly string[];
  /** Host of cluster.endpoint: the name every API server's certificate carries (certSANs). */
  readonly endpointHost: string;
  /** Bound of each call, so a node that went down costs at most this per sample. */
  readonly callTimeoutMs: number;
}

function talos(ctx: WatchContext, args: readonly string[]) {
  return ctx.talosctl(args, { ...ctx.env, TALOSCONFIG: ctx.talosconfig }, { timeoutMs: ctx.callTimeoutMs });
}

/**
 * `talosctl version --json`: one protojson VersionResponse message per node, the tag at
 * version.tag (siderolabs/talos v1.13.9 cmd/talosctl/cmd/talos/version.go). Each node is
 * asked directly (--endpoints = the node), so a node that is down never hides another.
 */
function versionOf(ctx: WatchContext, address: string): string | undefined {
  const run = talos(ctx, ["--nodes", address, "--endpoints", address, "version", "--json"]);
  if (run.status !== 0) return undefined;
  try {
    return versionTag(run.stdout);
  } catch {
    // A partial line of a node cut off mid-answer: no version.
    return undefined;
  }
}

/**
 * The kernel's boot id, the file talosctl itself reads to tell that a reboot or upgrade
 * happened (v1.13.9 cmd/talosctl/pkg/talos/action/tracker.go getBootID, through `read`,
 * cmd/talosctl/cmd/talos/read.go, which prints the file's bytes).
 */
function bootIdOf(ctx: WatchContext, address: string): string | undefined {
  const run = talos(ctx, ["--nodes", address, "--endpoints", address, "read", "/proc/sys/kernel/random/boot_id"]);
  const id = run.stdout.trim();
  return run.status === 0 && /^[0-9a-f-]{8,}$/i.test(id) ? id : undefined;
}

/**
 * Members healthy in `talosctl etcd status` asked of every control plane through one that
 * answers: a row per answering member, ERRORS empty when healthy; a silent member is a
 * warning on stderr (cmd/talosctl/cmd/talos/etcd.go etcdStatusCmd; parsed by the day-2
 * runner's parseEtcdStatus). A control plane that answered its version a moment ago may be
 * going down now, so each answering one is tried in turn before etcd counts as silent.
 */
function etcdOf(ctx: WatchContext, answering: readonly string[]): Sample["etcd"] {
  let error = "no control plane answers its Talos API";
  for (const via of answering) {
    const run = talos(ctx, ["--nodes", ctx.controlPlanes.join(","), "--endpoints", via, "etcd", "status"]);
    const rows = parseEtcdStatus(run.stdout);
    if (rows.length > 0) return { healthy: rows.filter((r) => r.errors === "" && !r.learner).map((r) => r.node) };
    error = run.stderr.trim().split("\n").pop() || `exit ${String(run.status)}`;
  }
  return { healthy: [], error };
}

/**
 * Ready of each node by InternalIP, from the first control plane's API server that answers
 * `kubectl get nodes -o json`. cluster.endpoint names one control plane (no load balancer
 * in the e2e), so each API server is addressed directly (`--server`) and its certificate
 * verified for the endpoint's host (`--tls-server-name`; both global kubectl options,
 * kubernetes.io/docs/reference/kubectl/generated/kubectl_options), which every API server
 * carries: the program puts it in cluster.apiServer.certSANs (components/talos/derived.ts).
 */
function readiness(ctx: WatchContext, answering: readonly string[]): Map<string, boolean> | undefined {
  for (const cp of answering) {
    const run = ctx.kubectl(
      [
        "--kubeconfig",
        ctx.kubeconfig,
        `--server=https://${cp}:${KUBERNETES_API_PORT}`,
        `--tls-server-name=${ctx.endpointHost}`,
        `--request-timeout=${Math.ceil(ctx.callTimeoutMs / 1000)}s`,
        "get",
        "nodes",
        "--output",
        "json",
      ],
      ctx.env,
      { timeoutMs: ctx.callTimeoutMs + 2_000 },
    );
    if (run.status !== 0) continue;
    try {
      const list = JSON.parse(run.stdout) as { items: readonly KubernetesNode[] };
      const ready = new Map<string, boolean>();
      for (const item of list.items) {
        const ip = internalIp(item);
        if (ip) ready.set(ip, nodeReady(item));
      }
      return ready;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** One sample of every node, etcd and Kubernetes readiness. */
export function takeSample(ctx: WatchContext, now: () => Date = () => new Date()): Sample {
  const at = now().toISOString();
  const roles: [string, NodeRole][] = [...ctx.controlPlanes.map((a): [string, NodeRole] => [a, "controlplane"]), ...ctx.workers.map((a): [string, NodeRole] => [a, "worker"])];
  const partial = roles.map(([address, role]) => {
    const version = versionOf(ctx, address);
    return { address, role, talos: version, bootId: version ? bootIdOf(ctx, address) : undefined };
  });
  const answering = partial.filter((n) => n.role === "controlplane" && n.talos).map((n) => n.address);
  const ready = readiness(ctx, answering);
  const nodes: NodeSample[] = partial.map((n) => ({
    address: n.address,
    role: n.role,
    ...(n.talos ? { talos: n.talos } : {}),
    ...(n.bootId ? { bootId: n.bootId } : {}),
    // Unknown when no API server answered; a node the API does not list is not Ready.
    ...(ready ? { ready: ready.get(n.address) ?? false } : {}),
  }));
  return { at, nodes, etcd: etcdOf(ctx, answering) };
}

export interface RecordOptions {
  readonly samplesFile: string;
  readonly stopFile: string;
  readonly intervalMs: number;
  readonly deadlineMs: number;
  readonly log: (line: string) => void;
}

/**
 * Samples until the stop file exists (one more sample after it appears: the state after
 * the up) or the deadline passes (then fails: the up outlived the watch).
 */
export async function record(ctx: WatchContext, options: RecordOptions, now: () => number = Date.now): Promise<number> {
  const deadline = now() + options.deadlineMs;
  for (;;) {
    const stopping = fs.existsSync(options.stopFile);
    const sample = takeSample(ctx);
    fs.appendFileSync(options.samplesFile, `${JSON.stringify(sample)}\n`);
    const down = sample.nodes.filter((n) => n.talos === undefined || n.ready === false).map((n) => n.address);
    options.log(`${sample.at}: etcd healthy ${sample.etcd.healthy.length}/${ctx.controlPlanes.length}${down.length ? `, down: ${down.join(", ")}` : ""}`);
    if (stopping) return 0;
    if (now() >= deadline) {
      options.log(`::error title=e2e day-2 watch::the watch reached its deadline (${Math.round(options.deadlineMs / 60000)} min) before the up ended`);
      return 1;
    }
    await delay(options.intervalMs);
  }
}

export function readSamples(file: string): Sample[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Sample);
}

function expectation(kind: string | undefined, target: string | undefined): Expectation {
  if (kind === "reboot") return { kind };
  if (kind === "upgrade" && target) return { kind, target };
  throw new Error("usage: watch.ts verdict SAMPLES reboot|upgrade [TARGET] (upgrade needs the target Talos version)");
}

const list = (value: string | undefined) => (value ?? "").split(",").filter((a) => a !== "");
const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, samplesFile, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (command === "record" && samplesFile && rest[0]) {
    const ctx: WatchContext = {
      talosctl: spawnTalosctl,
      kubectl: spawnKubectl,
      env: process.env,
      talosconfig: required("TALOSCONFIG"),
      kubeconfig: required("KUBECONFIG"),
      controlPlanes: list(required("E2E_CONTROLPLANE_NODES")),
      workers: list(process.env.E2E_WORKER_NODES),
      endpointHost: new URL(required("E2E_ENDPOINT")).hostname,
      callTimeoutMs: 10_000,
    };
    const intervalMs = Number(process.env.E2E_WATCH_INTERVAL_SECONDS ?? "5") * 1000;
    const deadlineMs = Number(process.env.E2E_WATCH_DEADLINE_MINUTES ?? "80") * 60_000;
    return record(ctx, { samplesFile, stopFile: rest[0], intervalMs, deadlineMs, log: out });
  }
  if (command === "verdict" && samplesFile) {
    const result = verdict(readSamples(samplesFile), expectation(rest[0], rest[1]));
    for (const line of result.summary) out(line);
    for (const problem of result.problems) out(`::error title=e2e day-2 watch::${problem}`);
    out(result.ok ? "ok: one node at a time, etcd at quorum throughout, every node rebooted" : `the day-2 watch failed: ${result.problems.length} problem(s)`);
    return result.ok ? 0 : 1;
  }
  process.stderr.write("usage: watch.ts record SAMPLES STOP_FILE | verdict SAMPLES reboot|upgrade [TARGET]\n");
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
