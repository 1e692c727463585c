/**
 * The day-2 steps across two runs of the program, as the engine and pulumi-command would
 * run them (tests/helpers/command-lifecycle.ts), executed against the fake talosctl:
 * destroy and `talos.bootstrapped: false` run nothing; a new checkout path, a renewed
 * talosconfig or another timeout re-run nothing; the run after an upgrade changes nothing;
 * drift in what a node runs (against the previous run's `day2` record, read back as the
 * self StackReference would) re-runs its step once; a new machine config re-runs only that node's roll, which reboots only into a
 * pending staged config; a node listed in talos.decommission is removed in one `up`.
 */
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { asStackReference, ofType, ORGANIZATION, PROJECT_ROOT, readProjectConfig, RegisteredResource, RunResult, sharedRun } from "../harness";
import { DAY2_UNCHANGED } from "../components/talos/day2/commands";
import { rollOrder } from "../components/talos/day2/plan";
import { commandInputs, CommandInputs, execute, lifecycle } from "./helpers/command-lifecycle";
import { FakeCluster, pinnedVersions } from "./helpers/fake-talos";
import { previousPatch } from "../tools/e2e/talos-versions";

const COMMAND = "command:local:Command";
const STACK = "infra";
const V = pinnedVersions();
type ConfigNode = { address: string; hostname: string; role: "controlplane" | "worker" };
const configured = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:nodes"] as ConfigNode[];
const nodes = rollOrder(configured);

const steps = (result: RunResult) => new Map(ofType(result, COMMAND).map((r) => [r.name, commandInputs(r.inputs)]));
const byName = (result: RunResult) => new Map(ofType(result, COMMAND).map((r): [string, RegisteredResource] => [r.name, r]));

let fake: FakeCluster;
afterEach(() => fake?.dispose());

/** Run what the engine would, step by step in registration order; returns each step's transition. */
function transitions(before: Map<string, CommandInputs>, after: Map<string, CommandInputs>): Record<string, string> {
  const names = [...new Set([...after.keys(), ...before.keys()])];
  const seen: Record<string, string> = {};
  for (const name of names) {
    const { transition, runs } = lifecycle(before.get(name), after.get(name));
    seen[name] = transition;
    for (const planned of runs) execute(planned, fake);
  }
  return seen;
}

let base: RunResult;
beforeAll(async () => {
  base = await sharedRun({ stack: STACK });
  expect(base.error).toBeUndefined();
}, 60_000);
beforeEach(() => (fake = new FakeCluster(V.talos, V.kubernetes, nodes)));

describe("nothing destructive in delete", () => {
  it("pulumi destroy deletes every step and runs no command, so no talosctl", () => {
    const seen = transitions(steps(base), new Map());
    expect(Object.values(seen).every((t) => t === "delete")).toBe(true);
    expect(fake.read().calls ?? []).toEqual([]);
  });

  it("talos.bootstrapped turning off drops the steps and runs nothing", async () => {
    const off = await sharedRun({ stack: STACK, config: { "k8s-gitops:talos.bootstrapped": false } });
    expect(ofType(off, COMMAND)).toEqual([]);
    transitions(steps(base), steps(off));
    expect(fake.read().calls ?? []).toEqual([]);
  }, 60_000);

  it("a first preview (every output unknown) registers the same steps, none with a delete", async () => {
    const preview = await sharedRun({ stack: STACK, firstPreview: true });
    const registered = ofType(preview, COMMAND);
    expect(registered.map((r) => r.name).sort()).toEqual([...steps(base).keys()].sort());
    for (const r of registered) expect(r.inputs.delete).toBeUndefined();
  }, 60_000);
});

describe("unrelated changes re-run nothing", () => {
  it("a new checkout path, a longer timeout and a renewed talosconfig are updates that run no talosctl", async () => {
    const longer = await sharedRun({ stack: STACK, config: { "k8s-gitops:talos.healthTimeout": "25m" } });
    expect(longer.error).toBeUndefined();
    // The checkout moved and the talosconfig was renewed: what the engine would hold next run.
    const elsewhere = mkdtempSync(join(tmpdir(), "checkout-"));
    const after = new Map([...steps(longer)].map(([name, inputs]) => [name, { ...inputs, dir: elsewhere, stdin: `${inputs.stdin ?? ""}\n# renewed` }]));
    for (const inputs of after.values()) expect(inputs.environment?.DAY2_SPEC).toContain('"timeout":"25m"');
    const seen = transitions(steps(base), after);
    expect(new Set(Object.values(seen))).toEqual(new Set(["update"]));
    for (const inputs of after.values()) expect(inputs.update).toBe(DAY2_UNCHANGED);
    expect(fake.read().calls ?? []).toEqual([]);
    rmSync(elsewhere, { recursive: true, force: true });
  }, 60_000);
});

/** The run's day-2 record as the next run reads it: this stack's own outputs through the self StackReference. */
const readBack = (previous: RunResult) => ({ [`${ORGANIZATION}/k8s-gitops/${STACK}`]: asStackReference(previous) });
const changed = (seen: Record<string, string>) => Object.entries(seen).filter(([, t]) => t !== "same");
const triggersOf = (result: RunResult, name: string) => JSON.parse(String(steps(result).get(name)?.triggers?.[0])) as Record<string, unknown>;
const at = (talos: string, kubernetes: string) => Object.fromEntries(nodes.map((n) => [n.address, { talos, kubernetes }]));
const PREVIOUS_PATCH = previousPatch(V.talos);

describe("the run after an upgrade changes nothing", () => {
  it("previous patch → pin upgrades every node once; the next run, nodes at the pin, replaces and updates no step and runs no talosctl", async () => {
    const versions = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:versions"] as Record<string, string>;
    // The run before the bump: nodes at the previous patch, pinned there.
    const before = await sharedRun({
      stack: STACK,
      config: { "k8s-gitops:versions": { ...versions, talos: PREVIOUS_PATCH } },
      talosNodes: at(PREVIOUS_PATCH, V.kubernetes),
    });
    expect(before.error).toBeUndefined();
    // The bump: the nodes still run the previous patch, which the record says the last run left them at.
    const upgrade = await sharedRun({ stack: STACK, talosNodes: at(PREVIOUS_PATCH, V.kubernetes), stackReferences: readBack(before) });
    expect(upgrade.error).toBeUndefined();
    fake.update((s) => Object.values(s.nodes).forEach((n) => (n.talos = PREVIOUS_PATCH)));
    const bumped = transitions(steps(before), steps(upgrade));
    expect(changed(bumped).filter(([name]) => name.startsWith("talos-upgrade-"))).toEqual(nodes.map((n) => [`talos-upgrade-${n.address}`, "replace"]));
    expect(fake.disruptions()).toEqual(nodes.map((n) => `upgrade ${n.address}`));
    for (const n of nodes) expect(triggersOf(upgrade, `talos-upgrade-${n.address}`)).not.toHaveProperty("repairs");

    // The next run (the e2e idempotence check): every node at the pin, the upgrade's record read back.
    const again = await sharedRun({ stack: STACK, talosNodes: at(V.talos, V.kubernetes), stackReferences: readBack(upgrade) });
    expect(again.error).toBeUndefined();
    const calls = (fake.read().calls ?? []).length;
    expect(changed(transitions(steps(upgrade), steps(again)))).toEqual([]);
    expect((fake.read().calls ?? []).slice(calls)).toEqual([]);
  }, 120_000);
});

describe("drift re-plans", () => {
  it("a node found at an older Talos (rolled back by hand, pin unchanged) re-runs its upgrade step only; the run after it changes nothing", async () => {
    const drifted = nodes[1].address;
    fake.update((s) => (s.nodes[drifted].talos = PREVIOUS_PATCH));
    const observed = await sharedRun({
      stack: STACK,
      talosNodes: { [drifted]: { talos: PREVIOUS_PATCH, kubernetes: V.kubernetes } },
      stackReferences: readBack(base),
    });
    expect(observed.error).toBeUndefined();
    expect(observed.infos.join("\n")).toContain(`drift, re-run: ${drifted} Talos ${PREVIOUS_PATCH} (the previous run left ${V.talos})`);
    const seen = transitions(steps(base), steps(observed));
    expect(changed(seen)).toEqual([[`talos-upgrade-${drifted}`, "replace"]]);
    expect(fake.disruptions()).toEqual([`upgrade ${drifted}`]);
    expect(fake.read().nodes[drifted].talos).toBe(V.talos);
    // The repair is recorded with the step's triggers: the next run, node repaired, has the same ones.
    const settled = await sharedRun({ stack: STACK, stackReferences: readBack(observed) });
    expect(settled.error).toBeUndefined();
    expect(changed(transitions(steps(observed), steps(settled)))).toEqual([]);
    expect(fake.disruptions()).toEqual([`upgrade ${drifted}`]);
  }, 120_000);

  it("a second rollback of the same node to the same version re-runs its step again", async () => {
    const drifted = nodes[1].address;
    const rolledBack = { [drifted]: { talos: PREVIOUS_PATCH, kubernetes: V.kubernetes } };
    const first = await sharedRun({ stack: STACK, talosNodes: rolledBack, stackReferences: readBack(base) });
    const repaired = await sharedRun({ stack: STACK, stackReferences: readBack(first) });
    const second = await sharedRun({ stack: STACK, talosNodes: rolledBack, stackReferences: readBack(repaired) });
    expect(second.error).toBeUndefined();
    fake.update((s) => (s.nodes[drifted].talos = PREVIOUS_PATCH));
    expect(changed(transitions(steps(repaired), steps(second)))).toEqual([[`talos-upgrade-${drifted}`, "replace"]]);
    expect(fake.disruptions()).toEqual([`upgrade ${drifted}`]);
  }, 120_000);

  it("a node found at an older Kubernetes (rolled back by hand, pin unchanged) re-runs the Kubernetes upgrade only; the run after it changes nothing", async () => {
    const drifted = nodes[0].address;
    fake.update((s) => (s.nodes[drifted].kubernetes = V.kubernetesPrevious));
    const observed = await sharedRun({
      stack: STACK,
      talosNodes: { [drifted]: { talos: V.talos, kubernetes: V.kubernetesPrevious } },
      stackReferences: readBack(base),
    });
    expect(observed.error).toBeUndefined();
    const seen = transitions(steps(base), steps(observed));
    expect(changed(seen)).toEqual([["kubernetes-upgrade", "replace"]]);
    expect(fake.disruptions()).toEqual([`upgrade-k8s ${nodes[0].address}`]);
    expect(Object.values(fake.read().nodes).map((n) => n.kubernetes)).toEqual(nodes.map(() => V.kubernetes));
    const settled = await sharedRun({ stack: STACK, stackReferences: readBack(observed) });
    expect(changed(transitions(steps(observed), steps(settled)))).toEqual([]);
  }, 120_000);

  it("a first day-2 run without a previous record detects no drift: it creates every step, upgrading only what is behind", async () => {
    const behind = nodes[1].address;
    fake.update((s) => (s.nodes[behind].talos = PREVIOUS_PATCH));
    const first = await sharedRun({ stack: STACK, talosNodes: { [behind]: { talos: PREVIOUS_PATCH, kubernetes: V.kubernetes } } });
    expect(first.error).toBeUndefined();
    expect(first.infos.join("\n")).not.toContain("drift");
    for (const n of nodes) expect(triggersOf(first, `talos-upgrade-${n.address}`)).toEqual(triggersOf(base, `talos-upgrade-${n.address}`));
    expect(triggersOf(first, "kubernetes-upgrade")).not.toHaveProperty("repairs");
    const seen = transitions(new Map(), steps(first));
    expect(new Set(Object.values(seen))).toEqual(new Set(["create"]));
    expect(fake.disruptions()).toEqual([`upgrade ${behind}`]);
    // Its record is what the next run reads: nodes at the pin, nothing to do.
    const next = await sharedRun({ stack: STACK, stackReferences: readBack(first) });
    expect(changed(transitions(steps(first), steps(next)))).toEqual([]);
  }, 120_000);

  it("a new machine config re-runs only that node's roll; it reboots only when Talos holds the staged config", async () => {
    const node = nodes[0];
    const renamed = await sharedRun({ stack: STACK, config: { [`k8s-gitops:nodes[${configured.indexOf(node)}].hostname`]: `${node.hostname}-b` } });
    expect(renamed.error).toBeUndefined();
    const seen = transitions(steps(base), steps(renamed));
    expect(Object.entries(seen).filter(([, t]) => t !== "same" && t !== "update")).toEqual([[`roll-${node.address}`, "replace"]]);
    expect(fake.disruptions()).toEqual([]);
    // The same transition with a staged config pending on the node: one drained reboot.
    fake.update((s) => (s.nodes[node.address].pendingConfig = "version: v1alpha1\n# staged\n"));
    transitions(steps(base), steps(renamed));
    expect(fake.disruptions()).toEqual([`reboot ${node.address}`]);
    expect(fake.read().nodes[node.address].drainedReboots).toBe(1);
  }, 60_000);
});

describe("node removal in one up", () => {
  it("a control plane removed from nodes and listed in talos.decommission leaves in order before any upgrade", async () => {
    const leaving = nodes[nodes.length - 1];
    const remaining = configured.filter((n) => n.address !== leaving.address);
    const member = fake.read().etcd.find((m) => m.address === leaving.address);
    const result = await sharedRun({
      stack: STACK,
      config: { "k8s-gitops:nodes": remaining, "k8s-gitops:talos.decommission": [leaving.address] },
      extraEtcdMembers: [{ id: member?.id ?? "", hostname: leaving.hostname, peerUrls: [`https://${leaving.address}:2380`], learner: false }],
    });
    expect(result.error).toBeUndefined();
    const registered = byName(result);
    const removal = registered.get(`decommission-${leaving.address}`);
    expect(removal).toBeDefined();
    expect(registered.get(`talos-upgrade-${remaining[0].address}`)?.dependsOn).toEqual([removal?.urn]);
    // A first up of this config: every step is created, in registration order.
    transitions(new Map(), steps(result));
    expect(fake.disruptions()).toEqual([`reset ${leaving.address}`, `kubectl delete node ${fake.read().nodes[leaving.address].hostname}`]);
    const state = fake.read();
    expect(state.etcd.map((m) => m.address)).toEqual(remaining.filter((n) => n.role === "controlplane").map((n) => n.address));
    expect(state.nodes[leaving.address]).toMatchObject({ wiped: true, nodeDeleted: true });
  }, 60_000);
});
