/**
 * The day-2 orchestration (components/talos/day2/runner.ts through cli.ts's runDay2, as
 * tools/day2.ts runs it) against the fake talosctl: one node per step, health gates,
 * skip-if-current, one-minor rule, stop on failure naming the node, staged reboots,
 * etcd membership on join and removal, and the talosconfig kept off argv.
 *
 * The steps' logic talks to the fake in-process; "through talosctl processes" runs steps
 * with the fake as the `talosctl` on PATH, as `pulumi up` runs the real one, and
 * "tools/day2.ts" runs the entry point itself.
 */
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { join } from "path";
import { PROJECT_ROOT } from "../harness";
import { Day2Spec, runDay2 } from "../components/talos/day2/cli";
import { planDay2, PlannedNode } from "../components/talos/day2/plan";
import { CLUSTER, FakeCluster, pinnedVersions } from "./helpers/fake-talos";

const V = pinnedVersions();
const TALOSCONFIG = "context: fake\ncontexts:\n  fake:\n    key: MOCK-SECRET-talosconfig-key\n";
const IMAGE = `factory.talos.dev/metal-installer/0123abcd:${V.talos}`;
const TIMEOUT = "1m";

let fake: FakeCluster;
const logs: string[] = [];
const run = (spec: Day2Spec) => runDay2(spec, TALOSCONFIG, fake.env, (line) => logs.push(line), fake.talosctl);
/** The same step with talosctl as a child process: the fake on PATH. */
const runAsProcesses = (spec: Day2Spec) => runDay2(spec, TALOSCONFIG, fake.env, (line) => logs.push(line));
const upgrade = (address: string): Day2Spec => ({
  action: "upgrade-talos",
  node: CLUSTER.find((n) => n.address === address) ?? { address, role: "worker" },
  image: IMAGE,
  target: V.talos,
  cluster: CLUSTER,
  timeout: TIMEOUT,
});

afterEach(() => {
  fake.dispose();
  logs.length = 0;
});

describe("Talos upgrade steps", () => {
  beforeEach(() => (fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious)));

  it("upgrades one node with the installer image, then gates on cluster health before returning", () => {
    expect(run(upgrade("10.0.0.1"))).toBe("upgraded");
    const state = fake.read();
    expect(state.nodes["10.0.0.1"]).toMatchObject({ talos: V.talos, image: IMAGE, reboots: 1 });
    expect(state.nodes["10.0.0.2"].talos).toBe(V.talosPrevious);
    expect(fake.actions()).toEqual(["upgrade 10.0.0.1", "health 10.0.0.1"]);
    const call = (state.calls ?? []).find((c) => c.command === "upgrade");
    expect(call?.args).toEqual(expect.arrayContaining(["--image", IMAGE, "--preserve", "--wait", "--timeout", TIMEOUT]));
  });

  it("rolls node after node, each upgrade only after the previous one is back and the cluster healthy", () => {
    for (const node of CLUSTER) run(upgrade(node.address));
    expect(fake.actions()).toEqual(CLUSTER.flatMap((n) => [`upgrade ${n.address}`, "health 10.0.0.1"]));
    expect(Object.values(fake.read().nodes).every((n) => n.talos === V.talos && n.reboots === 1)).toBe(true);
  });

  it("skips a node already at the target", () => {
    fake.update((s) => (s.nodes["10.0.0.2"].talos = V.talos));
    expect(run(upgrade("10.0.0.2"))).toBe("current");
    expect(fake.actions()).toEqual([]);
  });

  it("refuses to skip a minor, naming the versions to go through, and touches nothing", () => {
    fake.update((s) => (s.nodes["10.0.0.1"].talos = V.talosTwoBack));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(new RegExp(`10\\.0\\.0\\.1 runs Talos ${V.talosTwoBack}.*go through ${V.talosPrevious.replace(/\.\d+$/, "")}`));
    expect(fake.actions()).toEqual([]);
  });

  it("stops at the first failing node and names it", () => {
    fake.update((s) => (s.upgradeFails = ["10.0.0.2"]));
    const done: string[] = [];
    expect(() => {
      for (const node of CLUSTER) {
        run(upgrade(node.address));
        done.push(node.address);
      }
    }).toThrow(/node 10\.0\.0\.2: talosctl upgrade failed/);
    expect(done).toEqual(["10.0.0.1"]);
    expect(fake.read().nodes["10.0.0.3"].talos).toBe(V.talosPrevious);
  });

  it("fails on a node that does not come back in time", () => {
    fake.update((s) => (s.upgradeHangs = ["10.0.0.1"]));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(/10\.0\.0\.1.*timed out waiting for the node to come back \(1m\)/);
  });

  it("fails the gate when an etcd member is unhealthy after the upgrade", () => {
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.3"));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(/cluster health check failed: waiting for etcd to be healthy: 10\.0\.0\.3/);
  });

  it("fails the gate while an etcd member is a learner, not yet a voter", () => {
    fake.update((s) => (s.etcd[2].learner = true));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(/etcd member node-3 is a learner/);
  });

  it("leaves a joining node (maintenance mode) to its apply", () => {
    fake.update((s) => (s.nodes["10.0.0.4"].down = true));
    expect(run({ ...upgrade("10.0.0.4"), joining: true } as Day2Spec)).toBe("current");
    expect(() => run(upgrade("10.0.0.4"))).toThrow(/10\.0\.0\.4: Talos API does not answer/);
  });
});

describe("through talosctl processes", () => {
  beforeEach(() => (fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious)));

  it("upgrades one node, reading each talosctl's output and exit status", () => {
    expect(runAsProcesses(upgrade("10.0.0.1"))).toBe("upgraded");
    expect(fake.actions()).toEqual(["upgrade 10.0.0.1", "health 10.0.0.1"]);
    expect(fake.read().nodes["10.0.0.1"]).toMatchObject({ talos: V.talos, image: IMAGE, reboots: 1 });
    expect(runAsProcesses(upgrade("10.0.0.1"))).toBe("current");
  });

  it("stops on a failing talosctl with what it wrote to stderr", () => {
    fake.update((s) => (s.upgradeFails = ["10.0.0.2"]));
    expect(() => runAsProcesses(upgrade("10.0.0.2"))).toThrow(/node 10\.0\.0\.2: talosctl upgrade failed: error: upgrade of 10\.0\.0\.2 failed: installer exited 1/);
  });

  it("keeps the talosconfig off argv, in a private file that is gone afterwards", () => {
    runAsProcesses(upgrade("10.0.0.1"));
    const calls = fake.read().calls ?? [];
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.args.join(" ")).not.toContain("MOCK-SECRET");
    expect(logs.join("\n")).not.toContain("MOCK-SECRET");
    // The fake refuses a talosconfig readable by others or absent; the file is removed after the step.
    const files = new Set(calls.map((c) => c.talosconfig));
    expect(files.size).toBe(1);
    expect(existsSync([...files][0] ?? "")).toBe(false);
  });
});

describe("Kubernetes upgrade step", () => {
  beforeEach(() => (fake = new FakeCluster(V.talos, V.kubernetesPrevious)));
  const spec = (target = V.kubernetes): Day2Spec => ({ action: "upgrade-kubernetes", target, cluster: CLUSTER, timeout: TIMEOUT });

  it("runs talosctl upgrade-k8s once, on the first control plane, between two health gates", () => {
    expect(run(spec())).toBe("upgraded");
    expect(fake.actions()).toEqual(["health 10.0.0.1", "upgrade-k8s 10.0.0.1", "health 10.0.0.1"]);
    const call = (fake.read().calls ?? []).find((c) => c.command === "upgrade-k8s");
    expect(call?.args).toEqual(expect.arrayContaining(["--from", V.kubernetesPrevious, "--to", V.kubernetes, "--with-docs=false", "--with-examples=false"]));
    expect(Object.values(fake.read().nodes).every((n) => n.kubernetes === V.kubernetes)).toBe(true);
  });

  it("only gates on health when every node runs the target (the first apply comes next)", () => {
    fake.update((s) => Object.values(s.nodes).forEach((n) => (n.kubernetes = V.kubernetes)));
    expect(run(spec())).toBe("current");
    expect(fake.actions()).toEqual(["health 10.0.0.1"]);
  });

  it("refuses to skip a minor", () => {
    fake.update((s) => (s.nodes["10.0.0.4"].kubernetes = V.kubernetesTwoBack));
    expect(() => run(spec())).toThrow(new RegExp(`Kubernetes runs ${V.kubernetesTwoBack}; refusing ${V.kubernetes}`));
    expect(fake.actions()).toEqual(["health 10.0.0.1"]);
  });

  it("does not start on an unhealthy cluster", () => {
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.2"));
    expect(() => run(spec())).toThrow(/cluster health check failed/);
    expect(fake.actions()).toEqual(["health 10.0.0.1"]);
  });

  it("reports a failed upgrade-k8s", () => {
    fake.update((s) => (s.kubernetesUpgradeFails = true));
    expect(() => run(spec())).toThrow(/talosctl upgrade-k8s failed: .*ErrImagePull/);
  });
});

describe("roll step after an apply", () => {
  beforeEach(() => (fake = new FakeCluster(V.talos, V.kubernetes)));
  const roll = (applied: string): Day2Spec => ({ action: "roll", node: CLUSTER[1], applied, cluster: CLUSTER, timeout: TIMEOUT });

  it("reboots a node whose change was staged, between health gates", () => {
    expect(run(roll("staged"))).toBe("rebooted");
    expect(fake.actions()).toEqual(["health 10.0.0.1", "reboot 10.0.0.2", "health 10.0.0.1"]);
  });

  it("only gates on health when the change applied live", () => {
    expect(run(roll("auto"))).toBe("live");
    expect(fake.actions()).toEqual(["health 10.0.0.1"]);
  });
});

describe("etcd membership", () => {
  beforeEach(() => (fake = new FakeCluster(V.talos, V.kubernetes)));
  const leave = (address: string, survivors: string[]): Day2Spec => ({
    action: "leave",
    node: { address, role: "controlplane" },
    survivors,
    timeout: TIMEOUT,
  });

  it("a leaving control plane leaves etcd gracefully itself", () => {
    expect(run(leave("10.0.0.3", ["10.0.0.1", "10.0.0.2"]))).toBe("left");
    expect(fake.actions()).toEqual(["etcd leave 10.0.0.3"]);
    expect(fake.read().etcd.map((m) => m.address)).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  it("a control plane that is gone is removed by member id from a survivor", () => {
    fake.update((s) => (s.nodes["10.0.0.3"].down = true));
    const id = fake.read().etcd[2].id;
    expect(run(leave("10.0.0.3", ["10.0.0.1", "10.0.0.2"]))).toBe("removed");
    // The graceful leave is tried first; the gone node refuses it.
    expect(fake.actions()).toEqual(["etcd leave 10.0.0.3", `etcd remove-member ${id} 10.0.0.1`]);
    expect(fake.read().etcd.map((m) => m.address)).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  it("never drops below quorum", () => {
    fake.update((s) => (s.etcd = s.etcd.slice(1)));
    expect(() => run(leave("10.0.0.3", ["10.0.0.2"]))).toThrow(/below quorum/);
    expect(fake.read().etcd).toHaveLength(2);
  });

  it("a new control plane counts once it is a voting member of a healthy cluster", () => {
    const join = (learner: boolean): Day2Spec => {
      fake.update((s) => (s.etcd[2].learner = learner));
      return { action: "join", node: CLUSTER[2], cluster: CLUSTER, timeout: TIMEOUT };
    };
    expect(() => run(join(true))).toThrow(/learner/);
    expect(run(join(false))).toBe("joined");
  });
});

describe("observation and preflight against the fake", () => {
  const planned: PlannedNode[] = CLUSTER.map((n, i) => ({ ...n, hostname: `node-${i + 1}` }));
  const observe = () => JSON.parse(run({ action: "observe", nodes: CLUSTER, timeout: TIMEOUT })) as Parameters<typeof planDay2>[1];

  it("reads every node's versions and the etcd members, and plans the upgrades in roll order", () => {
    fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious);
    fake.update((s) => (s.nodes["10.0.0.2"].talos = V.talos));
    const plan = planDay2(planned, observe(), { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract });
    expect(plan.talosUpgrades.map((u) => u.address)).toEqual(["10.0.0.1", "10.0.0.3", "10.0.0.4"]);
    expect(plan.kubernetesUpgrade).toEqual({ from: V.kubernetesPrevious, to: V.kubernetes });
    expect(fake.actions()).toEqual([]);
  });

  it("reports instead of failing when talosctl is missing", () => {
    fake = new FakeCluster(V.talos, V.kubernetes);
    const observed = JSON.parse(
      runDay2({ action: "observe", nodes: CLUSTER, timeout: TIMEOUT }, TALOSCONFIG, { ...fake.env, PATH: "/nonexistent" }, () => undefined),
    ) as { error?: string; nodes: unknown[] };
    expect(observed.nodes).toEqual([]);
    expect(observed.error).toMatch(/talosctl could not run/);
  });

  it("refuses a two-minor jump before anything runs", () => {
    fake = new FakeCluster(V.talosTwoBack, V.kubernetesPrevious);
    expect(() => planDay2(planned, observe(), { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract })).toThrow(
      /node 10\.0\.0\.1 \(node-1\) runs Talos/,
    );
  });
});

describe("tools/day2.ts", () => {
  it("takes the spec from DAY2_SPEC and the talosconfig from stdin, and fails with the reason", () => {
    fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious);
    fake.update((s) => (s.upgradeFails = ["10.0.0.1"]));
    const cli = (spec: Day2Spec) =>
      spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", join(PROJECT_ROOT, "tools", "day2.ts")], {
        cwd: PROJECT_ROOT,
        input: TALOSCONFIG,
        env: { ...fake.env, DAY2_SPEC: JSON.stringify(spec) },
        encoding: "utf8",
      });
    const failed = cli(upgrade("10.0.0.1"));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/node 10\.0\.0\.1: talosctl upgrade failed/);
    const ok = cli(upgrade("10.0.0.2"));
    expect(ok.stderr).toBe(`node 10.0.0.2: upgrading Talos ${V.talosPrevious} → ${V.talos}\n`);
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toBe("upgraded");
  });
});
