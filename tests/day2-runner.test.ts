/**
 * The day-2 orchestration (components/talos/day2/runner.ts through cli.ts's runDay2, as
 * tools/day2.ts runs it) against the fake talosctl and kubectl: one node per step, a
 * health gate before and after every disruption, skip-if-current, one-minor rule, stop
 * on failure naming the node, drained reboots only into a pending staged config, node
 * removal in order, the legacy delete touching nothing, the talosconfig kept off argv.
 *
 * The steps' logic talks to the fake in-process; "through talosctl processes" runs steps
 * with the fake as the `talosctl` on PATH, as `pulumi up` runs the real one, and
 * "tools/day2.ts" runs the entry point itself.
 */
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { join } from "path";
import { PROJECT_ROOT } from "../harness";
import { Day2Spec, observeDay2, runDay2, StepSpec } from "../components/talos/day2/cli";
import { planDay2, PlannedNode } from "../components/talos/day2/plan";
import { CLUSTER, FakeCluster, pinnedVersions } from "./helpers/fake-talos";

const V = pinnedVersions();
const TALOSCONFIG = "context: fake\ncontexts:\n  fake:\n    key: MOCK-SECRET-talosconfig-key\n";
const IMAGE = `factory.talos.dev/metal-installer/0123abcd:${V.talos}`;
const TIMEOUT = "1m";

let fake: FakeCluster;
const logs: string[] = [];
const run = (spec: StepSpec) => runDay2(spec, TALOSCONFIG, fake.env, (line) => logs.push(line), fake.tools);
/** The same step with talosctl as a child process: the fake on PATH. */
const runAsProcesses = (spec: StepSpec) => runDay2(spec, TALOSCONFIG, fake.env, (line) => logs.push(line));
const upgrade = (address: string): StepSpec => ({
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

  it("upgrades one node with the installer image between two health gates, without --preserve", () => {
    expect(run(upgrade("10.0.0.1"))).toBe("upgraded");
    const state = fake.read();
    expect(state.nodes["10.0.0.1"]).toMatchObject({ talos: V.talos, image: IMAGE, reboots: 1 });
    expect(state.nodes["10.0.0.2"].talos).toBe(V.talosPrevious);
    expect(fake.actions()).toEqual(["health 10.0.0.1", "upgrade 10.0.0.1", "health 10.0.0.1"]);
    const call = (state.calls ?? []).find((c) => c.command === "upgrade");
    expect(call?.args).toEqual(expect.arrayContaining(["--image", IMAGE, "--wait", "--timeout", TIMEOUT]));
    expect(call?.args).not.toContain("--preserve");
    // The gate asked every control plane for its etcd status.
    expect((state.calls ?? []).some((c) => c.command === "etcd status" && c.node === "10.0.0.1,10.0.0.2,10.0.0.3")).toBe(true);
  });

  it("an unhealthy etcd member blocks the first upgrade before anything reboots", () => {
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.3"));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(/cluster health check failed: waiting for etcd to be healthy: 10\.0\.0\.3/);
    expect(fake.disruptions()).toEqual([]);
    expect(fake.read().nodes["10.0.0.1"]).toMatchObject({ talos: V.talosPrevious });
  });

  it("an etcd member reporting errors blocks the upgrade even when talosctl health passes", () => {
    // A member that answers with an alarm: the fake's health stays green, etcd status shows it.
    const fakeWithAlarm: typeof fake.talosctl = (args, env) =>
      args.includes("health") ? { status: 0, stdout: "", stderr: "" } : fake.talosctl(args, env);
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.2"));
    expect(() => runDay2(upgrade("10.0.0.1"), TALOSCONFIG, fake.env, () => undefined, { talosctl: fakeWithAlarm, kubectl: fake.kubectl })).toThrow(
      /health gate: etcd member node-2 etcdserver: no leader/,
    );
    expect(fake.disruptions()).toEqual([]);
  });

  it("refuses to take down a control plane when etcd would lose quorum without it", () => {
    // Two members: losing either leaves 1 of 2 (Talos refuses the same, etcd.go ValidateForUpgrade).
    fake.update((s) => {
      s.etcd = s.etcd.slice(0, 2);
      s.nodes["10.0.0.3"].role = "worker";
    });
    const two = [CLUSTER[0], CLUSTER[1], { address: "10.0.0.3", role: "worker" as const }, CLUSTER[3]];
    expect(() => run({ ...upgrade("10.0.0.1"), cluster: two } as StepSpec)).toThrow(/without 10\.0\.0\.1 only 1 of 2 etcd members stay healthy, below quorum \(2\)/);
    expect(fake.disruptions()).toEqual([]);
  });

  it("rolls node after node, each upgrade only after the previous one is back and the cluster healthy", () => {
    for (const node of CLUSTER) run(upgrade(node.address));
    expect(fake.actions()).toEqual(CLUSTER.flatMap((n) => ["health 10.0.0.1", `upgrade ${n.address}`, "health 10.0.0.1"]));
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

  it("fails the gate while an etcd member is a learner, not yet a voter, before the upgrade", () => {
    fake.update((s) => (s.etcd[2].learner = true));
    expect(() => run(upgrade("10.0.0.1"))).toThrow(/etcd member node-3 is a learner/);
    expect(fake.disruptions()).toEqual([]);
  });

  it("leaves a joining node (maintenance mode) to its apply", () => {
    fake.update((s) => (s.nodes["10.0.0.4"].down = true));
    expect(run({ ...upgrade("10.0.0.4"), joining: true } as StepSpec)).toBe("current");
    expect(() => run(upgrade("10.0.0.4"))).toThrow(/10\.0\.0\.4: Talos API does not answer/);
  });
});

describe("through talosctl processes", () => {
  beforeEach(() => (fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious)));

  it("upgrades one node, reading each talosctl's output and exit status", () => {
    expect(runAsProcesses(upgrade("10.0.0.1"))).toBe("upgraded");
    expect(fake.actions()).toEqual(["health 10.0.0.1", "upgrade 10.0.0.1", "health 10.0.0.1"]);
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
  const spec = (target = V.kubernetes): StepSpec => ({ action: "upgrade-kubernetes", target, cluster: CLUSTER, timeout: TIMEOUT });

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
  const roll = (applied = "staged"): StepSpec => ({ action: "roll", node: CLUSTER[1], applied, cluster: CLUSTER, timeout: TIMEOUT });
  const stage = () => fake.update((s) => (s.nodes["10.0.0.2"].pendingConfig = "version: v1alpha1\nmachine: {staged: true}\n"));

  it("reboots, drained, a node whose Talos holds a pending staged config, between health gates", () => {
    stage();
    expect(run(roll())).toBe("rebooted");
    expect(fake.actions()).toEqual(["health 10.0.0.1", "reboot 10.0.0.2", "health 10.0.0.1"]);
    const node = fake.read().nodes["10.0.0.2"];
    expect(node).toMatchObject({ drainedReboots: 1, reboots: 1 });
    expect(node.pendingConfig).toBeUndefined();
    const call = (fake.read().calls ?? []).find((c) => c.command === "reboot");
    expect(call?.args).toEqual(expect.arrayContaining(["--drain", "--wait", "--timeout", TIMEOUT]));
  });

  it("does not reboot when nothing is staged, whatever the apply reported", () => {
    expect(run(roll("staged"))).toBe("live");
    expect(run(roll("auto"))).toBe("live");
    expect(fake.disruptions()).toEqual([]);
  });

  it("does not reboot into a staged config while the cluster is unhealthy", () => {
    stage();
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.3"));
    expect(() => run(roll())).toThrow(/cluster health check failed/);
    expect(fake.disruptions()).toEqual([]);
  });

  it("with a talosctl older than 1.13 (no reboot --drain), drains with kubectl around the reboot", () => {
    stage();
    fake.update((s) => (s.talosctlWithoutDrain = true));
    expect(run(roll())).toBe("rebooted");
    expect(fake.disruptions()).toEqual(["reboot 10.0.0.2", "kubectl drain node-2", "reboot 10.0.0.2", "kubectl uncordon node-2"]);
    expect(fake.read().nodes["10.0.0.2"]).toMatchObject({ reboots: 1, cordoned: false });
    expect(fake.read().nodes["10.0.0.2"].undrainedReboots).toBeUndefined();
  });
});

describe("node removal (talos.decommission)", () => {
  beforeEach(() => (fake = new FakeCluster(V.talos, V.kubernetes)));
  const decommission = (address = "10.0.0.3"): StepSpec => {
    const member = fake.read().etcd.find((m) => m.address === address);
    return {
      action: "decommission",
      node: { address, role: member ? "controlplane" : "worker" },
      member: member && { id: member.id, hostname: member.hostname, peerUrls: [`https://${address}:2380`], learner: false },
      cluster: CLUSTER.filter((n) => n.address !== address),
      timeout: TIMEOUT,
    };
  };

  it("removes a live control plane in one step: gate, graceful reset, Node deleted, gate", () => {
    expect(run(decommission())).toBe("removed");
    expect(fake.disruptions()).toEqual(["reset 10.0.0.3", "kubectl delete node node-3"]);
    const state = fake.read();
    expect(state.etcd.map((m) => m.address)).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(state.nodes["10.0.0.3"]).toMatchObject({ down: true, wiped: true, cordoned: true, nodeDeleted: true });
    const reset = (state.calls ?? []).find((c) => c.command === "reset");
    expect(reset?.args).toEqual(expect.arrayContaining(["--graceful", "--reboot=false", "--wait"]));
    // The last call is the survivors' health gate, which the fake passes only once member and Node are gone.
    const gates = (state.calls ?? []).filter((c) => c.command === "health");
    expect(gates[gates.length - 1].args.join(" ")).toContain(`--control-plane-nodes 10.0.0.1,10.0.0.2 --worker-nodes 10.0.0.4`);
    expect((state.calls ?? []).some((c) => c.command.startsWith("etcd remove-member"))).toBe(false);
  });

  it("removes the member by id only when the node does not answer", () => {
    fake.update((s) => (s.nodes["10.0.0.3"].down = true));
    const id = fake.read().etcd[2].id;
    expect(run(decommission())).toBe("removed");
    expect(fake.disruptions()).toEqual([`etcd remove-member ${id} 10.0.0.1`, "kubectl delete node node-3"]);
  });

  it("never runs remove-member for a live node whose reset did not leave etcd", () => {
    fake.update((s) => (s.leaveFails = ["10.0.0.3"]));
    expect(() => run(decommission())).toThrow(/10\.0\.0\.3: still an etcd member after its graceful reset/);
    expect(fake.disruptions()).toEqual(["reset 10.0.0.3"]);
  });

  it("checks the survivors first: an unhealthy survivor stops the removal before the reset", () => {
    fake.update((s) => (s.unhealthyEtcd = "10.0.0.2"));
    expect(() => run(decommission())).toThrow(/etcd member node-2 etcdserver: no leader/);
    expect(fake.disruptions()).toEqual([]);
  });

  it("removes a worker: reset and its Node, no etcd", () => {
    const worker = CLUSTER[3].address;
    expect(run(decommission(worker))).toBe("removed");
    expect(fake.disruptions()).toEqual([`reset ${worker}`, "kubectl delete node node-4"]);
  });

  it("a node already gone is a gate and nothing else", () => {
    run(decommission());
    const before = fake.disruptions().length;
    expect(run({ ...decommission(), member: undefined } as StepSpec)).toBe("absent");
    expect(fake.disruptions()).toHaveLength(before);
  });
});

describe("the delete an earlier version recorded", () => {
  it("tools/day2.ts DAY2_DELETE_SPEC (the recorded etcd leave) exits 0 and runs no talosctl", () => {
    fake = new FakeCluster(V.talos, V.kubernetes);
    const legacy = { action: "leave", node: { address: "10.0.0.3", role: "controlplane" }, survivors: ["10.0.0.1", "10.0.0.2"], timeout: TIMEOUT };
    const done = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", join(PROJECT_ROOT, "tools", "day2.ts"), "DAY2_DELETE_SPEC"], {
      cwd: PROJECT_ROOT,
      input: TALOSCONFIG,
      env: { ...fake.env, DAY2_DELETE_SPEC: JSON.stringify(legacy) },
      encoding: "utf8",
    });
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/touches no machine/);
    expect(fake.read().calls ?? []).toEqual([]);
    expect(fake.read().etcd).toHaveLength(3);
  });
});

describe("observation and preflight against the fake", () => {
  const planned: PlannedNode[] = CLUSTER.map((n, i) => ({ ...n, hostname: `node-${i + 1}` }));
  const observe = async () =>
    JSON.parse(await observeDay2({ action: "observe", nodes: CLUSTER, timeout: TIMEOUT }, TALOSCONFIG, fake.env, () => undefined, fake.talosctl)) as Parameters<typeof planDay2>[1];

  it("reads every node's versions and the etcd members, and plans the upgrades in roll order", async () => {
    fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious);
    fake.update((s) => (s.nodes["10.0.0.2"].talos = V.talos));
    const plan = planDay2(planned, await observe(), { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract });
    expect(plan.talosUpgrades.map((u) => u.address)).toEqual(["10.0.0.1", "10.0.0.3", "10.0.0.4"]);
    expect(plan.kubernetesUpgrade).toEqual({ from: V.kubernetesPrevious, to: V.kubernetes });
    expect(fake.actions()).toEqual([]);
  });

  it("reports instead of failing when talosctl is missing", async () => {
    fake = new FakeCluster(V.talos, V.kubernetes);
    const observed = JSON.parse(
      await observeDay2({ action: "observe", nodes: CLUSTER, timeout: TIMEOUT }, TALOSCONFIG, { ...fake.env, PATH: "/nonexistent" }, () => undefined),
    ) as { error?: string; nodes: unknown[] };
    expect(observed.nodes).toEqual([]);
    expect(observed.error).toMatch(/talosctl could not run/);
  });

  it("refuses a two-minor jump before anything runs", async () => {
    fake = new FakeCluster(V.talosTwoBack, V.kubernetesPrevious);
    const observed = await observe();
    expect(() => planDay2(planned, observed, { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract })).toThrow(
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
