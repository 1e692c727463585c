/**
 * The day-2 graph under the mock runtime: on a running cluster the preflight comes
 * first, Talos upgrades chain node after node (control planes first), one Kubernetes
 * upgrade follows, and only then the applies, each waiting for the previous node's roll
 * step; a fresh cluster's applies stay parallel. Preflight refusals fail the run.
 */
import {
  dependsOn,
  MockSecret,
  named,
  ofType,
  programResources,
  PROJECT_ROOT,
  readProjectConfig,
  RegisteredResource,
  reveal,
  sharedRun,
  RunOptions,
  RunResult,
  secretLeaks,
} from "../harness";
import { DAY2_COMMAND, DAY2_UNCHANGED } from "../components/talos/day2/commands";
import { rollOrder } from "../components/talos/day2/plan";
import { formatVersion, parseVersion } from "../components/talos/day2/versions";
import { pinnedVersions } from "./helpers/fake-talos";
import { generatingPki } from "./helpers/generated-pki";

const T = {
  apply: "talos:machine/configurationApply:ConfigurationApply",
  command: "command:local:Command",
  day2: "k8s-gitops:talos:Day2",
  run: "command:local:run",
};
const STACK = "infra";
const V = pinnedVersions();
const nodes = rollOrder(
  readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:nodes"] as { address: string; hostname: string; role: "controlplane" | "worker" }[],
);

async function run(options: Partial<RunOptions> = {}): Promise<RunResult> {
  return sharedRun({ stack: STACK, ...options });
}
const spec = (r: RegisteredResource) => JSON.parse(String(reveal((r.inputs.environment as Record<string, unknown>).DAY2_SPEC))) as Record<string, unknown>;
const step = (result: RunResult, name: string) => named(result, T.command, name);
const triggers = (r: RegisteredResource) => JSON.parse(String((reveal(r.inputs.triggers) as string[])[0])) as Record<string, unknown>;

describe("running cluster", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await run();
    expect(result.error).toBeUndefined();
  }, 60_000);

  it("observes every node before anything changes, with the talosconfig as a secret on stdin", () => {
    const observe = result.invokes.filter((i) => i.token === T.run);
    expect(observe).toHaveLength(1);
    const observeSpec = JSON.parse(String((observe[0].inputs.environment as Record<string, string>).DAY2_SPEC)) as { action: string; nodes: { address: string }[] };
    expect(observeSpec.action).toBe("observe");
    expect(observeSpec.nodes.map((n) => n.address)).toEqual(nodes.map((n) => n.address));
    expect(observe[0].inputs.stdin).toBeInstanceOf(MockSecret);
  });

  it("chains Talos upgrades node after node, control planes first, with the pinned target and installer image", () => {
    const upgrades = nodes.map((n) => step(result, `talos-upgrade-${n.address}`));
    const installer = String(result.outputs.installerImage.value);
    for (const [i, upgrade] of upgrades.entries()) {
      expect(upgrade.parent).toContain(T.day2);
      expect(spec(upgrade)).toMatchObject({ action: "upgrade-talos", node: { address: nodes[i].address }, target: V.talos, image: installer, joining: false });
      expect(upgrade.inputs.stdin).toBeInstanceOf(MockSecret);
      if (i > 0) expect(upgrade.dependsOn).toEqual([upgrades[i - 1].urn]);
      for (const later of upgrades.slice(i + 1)) expect(dependsOn(result, upgrade, later)).toBe(false);
    }
  });

  it("upgrades Kubernetes once, after the last Talos upgrade", () => {
    const kubernetes = step(result, "kubernetes-upgrade");
    expect(spec(kubernetes)).toMatchObject({ action: "upgrade-kubernetes", target: V.kubernetes });
    expect(kubernetes.dependsOn).toEqual([step(result, `talos-upgrade-${nodes[nodes.length - 1].address}`).urn]);
  });

  it("applies after the upgrades, staged, one node at a time: each apply waits for the previous node's roll", () => {
    const kubernetes = step(result, "kubernetes-upgrade");
    for (const [i, node] of nodes.entries()) {
      const apply = named(result, T.apply, node.address);
      expect(apply.inputs.applyMode).toBe("staged_if_needing_reboot");
      expect(dependsOn(result, apply, kubernetes)).toBe(true);
      const roll = step(result, `roll-${node.address}`);
      expect(roll.dependencies).toContain(apply.urn);
      expect(spec(roll)).toMatchObject({ action: "roll", node: { address: node.address } });
      if (i > 0) {
        const previous = named(result, T.apply, nodes[i - 1].address);
        expect(dependsOn(result, apply, step(result, `roll-${nodes[i - 1].address}`))).toBe(true);
        expect(dependsOn(result, previous, apply)).toBe(false);
      }
    }
  });

  it("gives no step a delete: update runs nothing, triggers hold what the step acts on", () => {
    const steps = ofType(result, T.command);
    expect(steps.length).toBe(nodes.length * 2 + 1);
    for (const s of steps) {
      expect(s.inputs.delete).toBeUndefined();
      expect(s.inputs.update).toBe(DAY2_UNCHANGED);
      expect(s.inputs.create).toBe(DAY2_COMMAND);
      const t = triggers(s);
      // Never the checkout path, the credential or a timeout.
      expect(JSON.stringify(t)).not.toContain(PROJECT_ROOT);
      expect(JSON.stringify(t)).not.toMatch(/MOCK-SECRET|timeout/);
    }
    const upgrade = step(result, `talos-upgrade-${nodes[0].address}`);
    expect(triggers(upgrade)).toEqual({ node: nodes[0].address, target: V.talos, image: String(result.outputs.installerImage.value) });
    // The Kubernetes step acts on the target alone: no observed version, no repair without drift.
    expect(triggers(step(result, "kubernetes-upgrade"))).toEqual({ target: V.kubernetes });
    expect(triggers(step(result, `roll-${nodes[0].address}`))).toMatchObject({ node: nodes[0].address, applied: "auto" });
    expect(ofType(result, T.command).some((c) => c.name.startsWith("etcd-member-"))).toBe(false);
  });

  it("leaks no secret", () => {
    expect(secretLeaks(result)).toEqual([]);
  });
});

describe("fresh cluster", () => {
  it("provisions every node at once: no day-2 steps, applies in auto mode, none waiting for another", async () => {
    const result = await run(generatingPki(STACK));
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.command)).toEqual([]);
    expect(result.invokes.filter((i) => i.token === T.run)).toEqual([]);
    const applies = ofType(result, T.apply);
    expect(applies).toHaveLength(nodes.length);
    for (const apply of applies) {
      expect(apply.inputs.applyMode).toBe("auto");
      for (const other of applies.filter((a) => a !== apply)) expect(dependsOn(result, apply, other)).toBe(false);
    }
  }, 60_000);
});

describe("adding a node", () => {
  it("skips the new node's upgrade and counts it in the health gates from its own roll on", async () => {
    const joining = nodes[nodes.length - 1];
    const result = await run({ talosNodes: { [joining.address]: null } });
    expect(result.error).toBeUndefined();
    expect(spec(step(result, `talos-upgrade-${joining.address}`))).toMatchObject({ joining: true });
    const gated = (name: string) => (spec(step(result, name)).cluster as { address: string }[]).map((n) => n.address);
    expect(gated("kubernetes-upgrade")).not.toContain(joining.address);
    expect(gated(`roll-${nodes[0].address}`)).not.toContain(joining.address);
    expect(gated(`roll-${joining.address}`)).toContain(joining.address);
  }, 60_000);
});

describe("a cluster that cannot be observed", () => {
  const silent = () => Object.fromEntries(nodes.map((n) => [n.address, null]));

  it("fails pulumi up, naming what to check", async () => {
    const result = await run({ talosNodes: silent() });
    expect(result.error?.message).toMatch(/day-2 preflight could not observe the running cluster: no node answered the Talos API \(is talosctl on PATH/);
  }, 60_000);

  it("lets a preview through with a warning, assuming the pins", async () => {
    const result = await run({ talosNodes: silent(), preview: true });
    expect(result.error).toBeUndefined();
    expect(result.warnings.join("\n")).toMatch(/this preview assumes every node runs the pinned versions, pulumi up checks them/);
  }, 60_000);
});

describe("resetOnDestroy", () => {
  it("is refused before anything is registered: a reset in the apply's delete would run on destroy, a replacement or a dropped node", async () => {
    const result = await run({ config: { "k8s-gitops:talos.resetOnDestroy": true } });
    expect(result.error?.name).toBe("ConfigError");
    expect(result.error?.message).toContain("k8s-gitops:talos.resetOnDestroy: is no longer supported: `pulumi destroy` never touches a machine");
    expect(result.error?.message).toContain("talos.decommission");
    expect(programResources(result)).toEqual([]);
  }, 60_000);

  it("every apply's delete is a no-op on the machine, on a running cluster too", async () => {
    const result = await run({ config: { "k8s-gitops:talos.resetOnDestroy": false } });
    expect(result.error).toBeUndefined();
    for (const n of nodes) expect(named(result, T.apply, n.address).inputs.onDestroy).toEqual({ reset: false, graceful: true, reboot: false });
  }, 60_000);
});

describe("version bumps and refusals", () => {
  const at = (talos: string, kubernetes: string) => Object.fromEntries(nodes.map((n) => [n.address, { talos, kubernetes }]));

  it("a Talos patch bump renders the per-node chain with the new target, Kubernetes unchanged", async () => {
    const pinned = parseVersion(V.talos);
    const bumped = formatVersion({ ...pinned, patch: pinned.patch + 1 });
    const result = await run({ config: { "k8s-gitops:versions.talos": bumped }, talosNodes: at(V.talos, V.kubernetes) });
    expect(result.error).toBeUndefined();
    for (const node of nodes) expect(spec(step(result, `talos-upgrade-${node.address}`)).target).toBe(bumped);
    expect(spec(step(result, "kubernetes-upgrade")).target).toBe(V.kubernetes);
  }, 60_000);

  it("refuses a Talos jump of two minors before any step, naming node, versions and the way through", async () => {
    const result = await run({ talosNodes: { ...at(V.talos, V.kubernetes), [nodes[0].address]: { talos: V.talosTwoBack, kubernetes: V.kubernetes } } });
    expect(result.error?.message).toContain(`node ${nodes[0].address} (${nodes[0].hostname}) runs Talos ${V.talosTwoBack}`);
    expect(result.error?.message).toContain("set versions.talos to the latest");
  }, 60_000);

  it("refuses a Kubernetes jump of two minors", async () => {
    const result = await run({ talosNodes: at(V.talos, V.kubernetesTwoBack) });
    expect(result.error?.message).toContain(`the cluster runs Kubernetes ${V.kubernetesTwoBack}`);
  }, 60_000);

  it("refuses an etcd member that left nodes without being listed in talos.decommission, naming the path", async () => {
    const gone = (address: string) => ({ id: `id-${address}`, hostname: address, peerUrls: [`https://${address}:2380`], learner: false });
    const result = await run({ extraEtcdMembers: [gone("10.25.11.99")] });
    expect(result.error?.message).toMatch(/etcd member 10\.25\.11\.99 .* is no control plane in nodes: add 10\.25\.11\.99 to k8s-gitops:talos\.decommission/);
  }, 60_000);
});

describe("applies named by address", () => {
  it("renaming a node's hostname keeps its apply (same URN): an update, not a replacement", async () => {
    const node = nodes[0];
    const renamedHostname = `${node.hostname}-renamed`;
    // A node is one config entry: its hostname is generated into its HostnameConfig.
    const before = await run();
    const renamed = await run({ config: { "k8s-gitops:nodes[0].hostname": renamedHostname } });
    expect(renamed.error).toBeUndefined();
    const a = named(before, T.apply, node.address);
    const b = named(renamed, T.apply, node.address);
    expect(b.urn).toBe(a.urn);
    expect(reveal(b.inputs.machineConfigurationInput)).toContain(`hostname: ${renamedHostname}`);
    // State recorded under the old hostname-based name is carried by the alias.
    expect(a.options.aliases).toContain(node.hostname);
  }, 60_000);
});
