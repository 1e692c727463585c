/**
 * The e2e day-2 watcher: its verdict on sample sequences (watch-verdict.ts), and its
 * sampling (watch.ts) against the fake talosctl and kubectl, including samples taken
 * around the real day-2 runner rolling and upgrading the fake cluster node by node.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runDay2 } from "../components/talos/day2/cli";
import type { RunnerNode } from "../components/talos/day2/runner";
import { previousPatch } from "../tools/e2e/talos-versions";
import { record, readSamples, takeSample, WatchContext } from "../tools/e2e/watch";
import { NodeSample, quorumOf, Sample, verdict } from "../tools/e2e/watch-verdict";
import { FakeCluster } from "./helpers/fake-talos";
import { PINS } from "./helpers/pins";

const TARGET = PINS.talos;
const INITIAL = previousPatch(PINS.talos);
const CPS = ["10.5.0.2", "10.5.0.3", "10.5.0.4"];

/** A sample: every control plane up at `talos` with boot `boot[address]`, except the ones `down`/`notReady` names. */
function sample(at: number, state: { talos?: Record<string, string>; boot?: Record<string, number>; down?: string[]; notReady?: string[]; etcdHealthy?: number }): Sample {
  const nodes: NodeSample[] = CPS.map((address) => {
    if (state.down?.includes(address)) return { address, role: "controlplane" };
    return {
      address,
      role: "controlplane",
      talos: state.talos?.[address] ?? INITIAL,
      bootId: `boot-${address}-${state.boot?.[address] ?? 0}`,
      ready: !state.notReady?.includes(address),
    };
  });
  const up = nodes.filter((n) => n.talos).map((n) => n.address);
  return { at: `t${at}`, nodes, etcd: { healthy: up.slice(0, state.etcdHealthy ?? up.length) } };
}

/** Each node in turn: down, back NotReady, back Ready with a new boot (and `after` version). */
function rolling(after?: string): Sample[] {
  const samples = [sample(0, {})];
  const boot: Record<string, number> = {};
  const talos: Record<string, string> = {};
  let t = 1;
  for (const address of CPS) {
    samples.push(sample(t++, { boot, talos, down: [address] }));
    boot[address] = 1;
    if (after) talos[address] = after;
    samples.push(sample(t++, { boot: { ...boot }, talos: { ...talos }, notReady: [address] }));
    samples.push(sample(t++, { boot: { ...boot }, talos: { ...talos } }));
  }
  return samples;
}

describe("the watcher's verdict", () => {
  it("passes a reboot of one control plane at a time with etcd at quorum", () => {
    const result = verdict(rolling(), { kind: "reboot" });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.summary).toHaveLength(CPS.length);
    expect(result.summary[0]).toContain("seen down");
  });

  it("passes an upgrade of one node at a time to the target", () => {
    expect(verdict(rolling(TARGET), { kind: "upgrade", target: TARGET })).toMatchObject({ ok: true, problems: [] });
  });

  it("fails two control planes down at once, naming them and when (and the quorum the second took)", () => {
    const samples = rolling();
    samples.splice(2, 0, sample(99, { down: [CPS[0], CPS[1]] }));
    const result = verdict(samples, { kind: "reboot" });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      `more than one control-plane node down at once from t99 to t99: ${CPS[0]} (Talos API silent), ${CPS[1]} (Talos API silent)`,
      "etcd lost quorum (2 of 3) from t99 to t99: 1 of 3 members healthy",
    ]);
  });

  it("counts a NotReady node as down", () => {
    const samples = rolling();
    samples.splice(2, 0, sample(98, { down: [CPS[0]], notReady: [CPS[2]] }));
    expect(verdict(samples, { kind: "reboot" }).problems).toEqual([`more than one control-plane node down at once from t98 to t98: ${CPS[0]} (Talos API silent), ${CPS[2]} (NotReady)`]);
  });

  it("fails a sample where etcd lost quorum, even with one node down", () => {
    const samples = rolling();
    samples.splice(1, 1, sample(1, { down: [CPS[0]], etcdHealthy: 1 }));
    const result = verdict(samples, { kind: "reboot" });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([`etcd lost quorum (${quorumOf(3)} of 3) from t1 to t1: 1 of 3 members healthy`]);
  });

  it("reports a stretch of lost quorum once, from its first to its last sample, with the reason", () => {
    const samples = [sample(0, {}), { ...sample(1, {}), etcd: { healthy: [], error: "connection refused" } }, { ...sample(2, {}), etcd: { healthy: [] } }, ...rolling().slice(1)];
    expect(verdict(samples, { kind: "reboot" }).problems).toEqual(["etcd lost quorum (2 of 3) from t1 to t2: 0 of 3 members healthy (connection refused)"]);
  });

  it("fails a node that never upgraded, and one that never rebooted", () => {
    const samples = rolling(TARGET);
    // The last node came back at the old version: its upgrade did not take.
    samples[samples.length - 1] = sample(50, { boot: { [CPS[0]]: 1, [CPS[1]]: 1, [CPS[2]]: 1 }, talos: { [CPS[0]]: TARGET, [CPS[1]]: TARGET } });
    const upgrade = verdict(samples, { kind: "upgrade", target: TARGET });
    expect(upgrade.ok).toBe(false);
    expect(upgrade.problems).toEqual([`node ${CPS[2]} never upgraded: it reports Talos ${INITIAL} after the up, not ${TARGET}`]);

    const noReboot = verdict([sample(0, {}), sample(1, {})], { kind: "reboot" });
    expect(noReboot.problems).toEqual(CPS.map((a) => `node ${a} never rebooted: boot id boot-${a}-0 before and after the up`));
  });

  it("fails an upgrade phase whose nodes already ran the target before the up", () => {
    const already = rolling(TARGET).map((s) => ({ ...s, nodes: s.nodes.map((n) => (n.talos ? { ...n, talos: TARGET } : n)) }));
    const problems = verdict(already, { kind: "upgrade", target: TARGET }).problems;
    expect(problems).toEqual(CPS.map((a) => `node ${a} already ran Talos ${TARGET} before the up: nothing was upgraded`));
  });

  it("fails a node still down at the end, and too few samples", () => {
    const samples = rolling();
    samples.push(sample(60, { boot: { [CPS[0]]: 1, [CPS[1]]: 1, [CPS[2]]: 1 }, down: [CPS[1]] }));
    expect(verdict(samples, { kind: "reboot" }).problems).toEqual([`node ${CPS[1]} is down at the end (Talos API silent)`]);
    expect(verdict([sample(0, {})], { kind: "reboot" })).toMatchObject({ ok: false, problems: ["only 1 sample(s): the watcher needs one before and one after the up"] });
  });
});

describe("the watcher's sampling, against the fake talosctl and kubectl", () => {
  const NODES: RunnerNode[] = CPS.map((address) => ({ address, role: "controlplane" }));
  let fake: FakeCluster;
  let dir: string;
  let ctx: WatchContext;

  beforeEach(() => {
    fake = new FakeCluster(INITIAL, PINS.kubernetes, NODES);
    dir = mkdtempSync(join(tmpdir(), "e2e-watch-"));
    const talosconfig = join(dir, "talosconfig");
    writeFileSync(talosconfig, "context: fake\n", { mode: 0o600 });
    writeFileSync(join(dir, "kubeconfig"), "apiVersion: v1\nkind: Config\n", { mode: 0o600 });
    ctx = { ...fake.tools, env: fake.env, talosconfig, kubeconfig: join(dir, "kubeconfig"), controlPlanes: CPS, workers: [], endpointHost: CPS[0], callTimeoutMs: 5_000 };
  });
  afterEach(() => {
    fake.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads each node's version and boot id directly, etcd health through one that answers, readiness from an API server", () => {
    const all = takeSample(ctx);
    expect(all.nodes.map((n) => [n.address, n.talos, n.ready])).toEqual(CPS.map((a) => [a, INITIAL, true]));
    expect(new Set(all.nodes.map((n) => n.bootId)).size).toBe(3);
    expect(all.etcd.healthy).toEqual(CPS);

    fake.update((s) => (s.nodes[CPS[0]].down = true));
    const oneDown = takeSample(ctx);
    expect(oneDown.nodes[0]).toEqual({ address: CPS[0], role: "controlplane", ready: false });
    expect(oneDown.etcd.healthy).toEqual(CPS.slice(1));
    // Each node was asked with itself as the endpoint; etcd and kubectl went through an answering control plane.
    const calls = fake.read().calls ?? [];
    const lastEtcd = calls.filter((c) => c.command === "etcd status").pop();
    expect(lastEtcd?.args).toEqual(expect.arrayContaining(["--endpoints", CPS[1], "--nodes", CPS.join(",")]));
    expect(calls.filter((c) => c.command === "version").every((c) => c.args[c.args.indexOf("--endpoints") + 1] === c.node)).toBe(true);
    const kubectl = calls.filter((c) => c.tool === "kubectl").pop();
    expect(kubectl?.args).toEqual(expect.arrayContaining([`--server=https://${CPS[1]}:6443`, `--tls-server-name=${CPS[0]}`]));
  });

  it("reports quorum lost when no control plane answers", () => {
    fake.update((s) => CPS.forEach((a) => (s.nodes[a].down = true)));
    const none = takeSample(ctx);
    expect(none.etcd).toEqual({ healthy: [], error: "no control plane answers its Talos API" });
    expect(none.nodes.every((n) => n.talos === undefined && n.ready === undefined)).toBe(true);
  });

  it("samples around the real day-2 runner's staged roll and patch upgrade, and the verdict agrees", () => {
    const talosconfig = readFileSync(ctx.talosconfig, "utf8");
    const tools = fake.tools;
    const log = () => undefined;
    // Staged: every node holds a config for its next boot; the runner rolls them in turn.
    fake.update((s) => CPS.forEach((a) => (s.nodes[a].pendingConfig = "version: v1alpha1\nmachine: { udev: { rules: [x] } }\n")));
    const staged: Sample[] = [takeSample(ctx)];
    for (const node of NODES) {
      expect(runDay2({ action: "roll", node, applied: "staged", cluster: NODES, timeout: "1m" }, talosconfig, fake.env, log, tools)).toBe("rebooted");
      staged.push(takeSample(ctx));
    }
    expect(verdict(staged, { kind: "reboot" })).toMatchObject({ ok: true, problems: [] });

    const upgrade: Sample[] = [takeSample(ctx)];
    for (const node of NODES) {
      const image = `factory.talos.dev/metal-installer/0123abcd:${TARGET}`;
      expect(runDay2({ action: "upgrade-talos", node, image, target: TARGET, cluster: NODES, timeout: "1m" }, talosconfig, fake.env, log, tools)).toBe("upgraded");
      upgrade.push(takeSample(ctx));
    }
    expect(verdict(upgrade, { kind: "upgrade", target: TARGET })).toMatchObject({ ok: true, problems: [] });
    // The same samples do not pass as an upgrade to a version no node reached.
    expect(verdict(staged, { kind: "upgrade", target: TARGET }).ok).toBe(false);
  });

  it("records until the stop file exists, then once more; fails at its deadline", async () => {
    const samplesFile = join(dir, "samples.jsonl");
    const stopFile = join(dir, "stop");
    const lines: string[] = [];
    let polls = 0;
    // The stop file appears during the second wait: the third sample is the last.
    const stopping = await record(ctx, { samplesFile, stopFile, intervalMs: 1, deadlineMs: 60_000, log: (l) => lines.push(l) }, () => {
      if (++polls === 3) writeFileSync(stopFile, "");
      return 0;
    });
    expect(stopping).toBe(0);
    expect(readSamples(samplesFile)).toHaveLength(3);
    expect(existsSync(stopFile)).toBe(true);

    rmSync(stopFile);
    rmSync(samplesFile);
    let clock = 0;
    const late = await record(ctx, { samplesFile, stopFile, intervalMs: 1, deadlineMs: 10, log: (l) => lines.push(l) }, () => (clock += 20));
    expect(late).toBe(1);
    expect(readSamples(samplesFile)).toHaveLength(1);
    expect(lines.pop()).toContain("::error title=e2e day-2 watch::the watch reached its deadline");
  });
});
