/**
 * The end-to-end stack: its config is valid and runs the program, it drives talosctl's QEMU
 * provisioner without repeating anything (tools/e2e/plan.ts), Flux can be pointed at a pull
 * request's ref, and the run waits for exactly the Flux Kustomizations that can become Ready
 * with 1Password and Cloudflare off. The day-2 phases: three control planes (one down at a
 * time keeps etcd at quorum), the previous patch of the Talos pin for the first up, and
 * the udev rule config a staged change is made of.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { applyOverrides, named, ofType, ORGANIZATION, PROJECT_ROOT, programResources, readProjectConfig, reveal, runProgram, StackOutput } from "../harness";
import { spawnSync } from "child_process";
import { parseVersion } from "../lib/versions";
import { clusterPlan, E2ePlanError, EXTERNAL_KINDS, fluxKustomizations, kustomizationGates, nthAddress, QEMU_NODES_OFFSET } from "../tools/e2e/plan";
import { E2eVersionError, previousPatch } from "../tools/e2e/talos-versions";
import { enginePlan } from "./helpers/engine-plan";
import { PINS } from "./helpers/pins";

const STACK = "e2e";
const values = () => readProjectConfig(PROJECT_ROOT, STACK).values;
const projectVersions = () =>
  (parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: { versions: { value: { talos: string; kubernetes: string } } } }).config.versions.value;

describe("the e2e stack config", () => {
  // Needs the optional network shape (no bond, interface or install disk model) of the
  // node-network rework; fails with the missing keys named until that is merged.
  it("loads, validates and runs the program with 1Password, Cloudflare and ClusterMesh off", async () => {
    const result = await runProgram({ stack: STACK });
    expect(result.error).toBeUndefined();
    const types = new Set(programResources(result).map((r) => r.type));
    expect([...types].filter((t) => t.startsWith("onepassword:") || t.startsWith("cloudflare:"))).toEqual([]);
    expect(types).toContain("talos:machine/secrets:Secrets");
  });

  it("renders under `pulumi preview` too", async () => {
    const result = await runProgram({ stack: STACK, preview: true });
    expect(result.error).toBeUndefined();
  });
});

describe("flux.ref", () => {
  const settingsOf = async (config: Record<string, unknown>) => {
    const result = await runProgram({ stack: "infra", config });
    expect(result.error).toBeUndefined();
    return named(result, "kubernetes:core/v1:ConfigMap", "cluster-settings").inputs.data as Record<string, string>;
  };

  it("replaces refs/heads/<branch> as the ref Flux syncs", async () => {
    expect((await settingsOf({})).FLUX_SYNC_REF).toBe("refs/heads/main");
    expect((await settingsOf({ "k8s-gitops:flux.ref": "refs/pull/42/head" })).FLUX_SYNC_REF).toBe("refs/pull/42/head");
  });

  it.each(["main", "refs/pull/../head", "refs/heads/x.lock", "refs/remotes/origin/main"])("rejects %s, naming the config path", async (ref) => {
    const result = await runProgram({ stack: "infra", config: { "k8s-gitops:flux.ref": ref } });
    expect(result.error?.name).toBe("ConfigError");
    expect(result.error?.message).toContain("k8s-gitops:flux.ref:");
    expect(ofType(result, "kubernetes:core/v1:ConfigMap")).toEqual([]);
  });
});

describe("the talosctl QEMU plan", () => {
  it("takes versions from Pulumi.yaml and counts and addresses from the stack's nodes", () => {
    const plan = clusterPlan(values());
    const { talos, kubernetes } = projectVersions();
    expect(plan.talosVersion).toBe(talos);
    expect(plan.kubernetesVersion).toBe(kubernetes);
    const nodes = values()["k8s-gitops:nodes"] as { address: string; role: string }[];
    expect(plan.controlPlanes).toEqual(nodes.filter((n) => n.role === "controlplane").map((n) => n.address));
    expect(plan.workers).toEqual(nodes.filter((n) => n.role === "worker").map((n) => n.address));
    expect(plan.fluxPath).toBe("kubernetes/clusters/e2e");
    expect(fs.existsSync(path.join(PROJECT_ROOT, plan.fluxPath, "kustomization.yaml"))).toBe(true);
  });

  it("counts addresses from the subnet's third, as talosctl hands them out", () => {
    expect(nthAddress("10.5.0.0/24", QEMU_NODES_OFFSET)).toBe("10.5.0.2");
    expect(nthAddress("192.168.8.0/22", 258)).toBe("192.168.9.2");
  });

  it("accepts control planes first, then workers, at consecutive addresses", () => {
    const config = applyOverrides(values(), {
      "k8s-gitops:nodes": [
        { address: "10.5.0.2", hostname: "cp-1", role: "controlplane" },
        { address: "10.5.0.3", hostname: "cp-2", role: "controlplane" },
        { address: "10.5.0.4", hostname: "w-1", role: "worker" },
      ],
    });
    const plan = clusterPlan(config);
    expect(plan.controlPlanes).toEqual(["10.5.0.2", "10.5.0.3"]);
    expect(plan.workers).toEqual(["10.5.0.4"]);
  });

  it.each([
    ["a node where talosctl will not put it", { "k8s-gitops:nodes[0].address": "10.5.0.9" }, "k8s-gitops:nodes[0].address is 10.5.0.9, but talosctl gives the 1. controlplane VM 10.5.0.2"],
    ["a worker before a control plane", { "k8s-gitops:nodes": [{ address: "10.5.0.2", hostname: "w", role: "worker" }, { address: "10.5.0.3", hostname: "c", role: "controlplane" }] }, "k8s-gitops:nodes[1].address is 10.5.0.3"],
    ["an endpoint by name", { "k8s-gitops:cluster.endpoint": "https://e2e.example.com:6443" }, "k8s-gitops:cluster.endpoint must name a control-plane node by address"],
    ["a Talos version without the v", { "k8s-gitops:versions.talos": "1.13.0" }, "k8s-gitops:versions.talos has no leading v"],
    ["a Talos version with a suffix", { "k8s-gitops:versions.talos": "v1.13.0-dirty" }, "k8s-gitops:versions.talos is not a Talos release tag"],
    ["no control plane", { "k8s-gitops:nodes": [{ address: "10.5.0.2", hostname: "w", role: "worker" }] }, "k8s-gitops:nodes has no controlplane node"],
  ])("rejects %s, naming the config path", (_name, overrides, message) => {
    expect(() => clusterPlan(applyOverrides(values(), overrides))).toThrow(E2ePlanError);
    expect(() => clusterPlan(applyOverrides(values(), overrides))).toThrow(message);
  });
});

describe("Flux Kustomizations the run waits for", () => {
  const tree = fluxKustomizations(PROJECT_ROOT, clusterPlan(values()).fluxPath);
  const gates = kustomizationGates(tree);

  it("are every Kustomization of the tree except those that need a switched-off integration", () => {
    expect([...gates.ready, ...gates.skipped.keys()].sort()).toEqual(tree.map((k) => k.name).sort());
    expect(gates.ready).toContain("flux-system");
    for (const k of tree.filter((k) => gates.ready.includes(k.name))) {
      expect(k.kinds.filter((kind) => EXTERNAL_KINDS[kind])).toEqual([]);
      expect(k.dependsOn.filter((d) => gates.skipped.has(d))).toEqual([]);
    }
  });

  it("skip only what applies a 1Password- or Cloudflare-backed object or depends on it", () => {
    for (const [name, reason] of gates.skipped) {
      const k = tree.find((x) => x.name === name);
      expect(k).toBeDefined();
      const own = k?.kinds.some((kind) => EXTERNAL_KINDS[kind]);
      expect(own || k?.dependsOn.some((d) => gates.skipped.has(d))).toBe(true);
      expect(reason).toMatch(own ? /needs? (1Password|Cloudflare)/ : /^depends on /);
    }
  });

  it("follows dependsOn through a tree of its own", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tree-"));
    const write = (rel: string, body: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), body);
    };
    const ks = (name: string, folder: string, deps: string[] = []) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: { name: ${name}, namespace: flux-system }\nspec:\n  path: ./${folder}\n  dependsOn: [${deps.map((d) => `{ name: ${d} }`).join(", ")}]\n`;
    write("clusters/x/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [ks.yaml]\n");
    write("clusters/x/ks.yaml", [ks("secrets", "apps/secrets"), ks("uses-secrets", "apps/plain", ["secrets"]), ks("plain", "apps/plain")].join("---\n"));
    write("apps/secrets/es.yaml", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: { name: s }\n");
    write("apps/plain/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n");
    const result = kustomizationGates(fluxKustomizations(root, "clusters/x"));
    expect(result.ready).toEqual(["flux-system", "plain"]);
    expect([...result.skipped.keys()].sort()).toEqual(["secrets", "uses-secrets"]);
  });
});

describe("the Talos the e2e run starts from", () => {
  const pin = parseVersion(PINS.talos);
  const tag = (patch: number, pre = "") => `v${pin.major}.${pin.minor}.${patch}${pre}`;

  it("is the previous patch release of the pinned minor", () => {
    const previous = parseVersion(previousPatch(PINS.talos));
    expect(previous).toEqual({ major: pin.major, minor: pin.minor, patch: pin.patch - 1 });
    expect(previousPatch(tag(7))).toBe(tag(6));
    expect(previousPatch(tag(1))).toBe(tag(0));
  });

  it.each([
    ["a .0 release", tag(0), "first release of its minor: there is no previous patch release"],
    ["a pre-release", tag(0, "-rc.1"), "a pre-release: the e2e patch-upgrade phase needs a release pin"],
    ["no release at all", "latest", "not a release such as vX.Y.Z"],
  ])("refuses %s cleanly, naming the config path", (_name, value, message) => {
    expect(() => previousPatch(value)).toThrow(E2eVersionError);
    expect(() => previousPatch(value)).toThrow(`k8s-gitops:versions.talos is ${value}`);
    expect(() => previousPatch(value)).toThrow(message);
  });

  it("reaches the workflow from the pin: E2E_TALOS_INITIAL and the first up's versions", () => {
    const cli = (command: string) => spawnSync("npx", ["ts-node", "--transpile-only", "tools/e2e/cli.ts", command, STACK], { cwd: PROJECT_ROOT, encoding: "utf8" });
    const env = cli("env");
    expect(env.status).toBe(0);
    expect(env.stdout).toContain(`\nTALOS_VERSION=${PINS.talos}\n`);
    expect(env.stdout).toContain(`\nE2E_TALOS_INITIAL=${previousPatch(PINS.talos)}\n`);
    const versions = values()["k8s-gitops:versions"] as Record<string, string>;
    // Every key of the versions object (a stack value replaces it whole), talos at the previous patch.
    const initial = cli("initial-versions");
    expect(initial.status).toBe(0);
    expect(Object.fromEntries(initial.stdout.trim().split("\n").map((l) => l.split(" ")))).toEqual({ ...versions, talos: previousPatch(PINS.talos) });
  }, 60_000);
});

describe("the day-2 phases' cluster", () => {
  const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
  const patchesOf = (result: Awaited<ReturnType<typeof runProgram>>) =>
    result.invokes.filter((i) => i.token === GET_CONFIGURATION).map((i) => (i.inputs.configPatches as string[]).join("\n---\n"));

  it("has three control planes, so one can be down with etcd at quorum", () => {
    expect(clusterPlan(values()).controlPlanes).toHaveLength(3);
    expect(clusterPlan(values()).workers).toEqual([]);
  });

  it("renders talos.udevRules into every node's machine.udev, and nothing without it", async () => {
    const rule = 'SUBSYSTEM=="e2e-day2-staged", ENV{E2E_DAY2}="staged"';
    const withRule = await runProgram({ stack: STACK, config: { "k8s-gitops:talos.udevRules": [rule] } });
    expect(withRule.error).toBeUndefined();
    const patches = patchesOf(withRule);
    expect(patches).toHaveLength(3);
    for (const text of patches) {
      const derived = text.split("\n---\n").map((doc) => parse(doc) as { machine?: { udev?: { rules?: string[] } } });
      expect(derived.flatMap((d) => d?.machine?.udev?.rules ?? [])).toEqual([rule]);
    }
    const without = patchesOf(await runProgram({ stack: STACK }));
    expect(without).toHaveLength(3);
    for (const text of without) expect(text).not.toMatch(/^\s*udev:/m);
  });

  it("refuses a udev rule over several lines, naming its config path", async () => {
    const result = await runProgram({ stack: STACK, config: { "k8s-gitops:talos.udevRules": ["a\nb"] } });
    expect(result.error?.name).toBe("ConfigError");
    expect(result.error?.message).toContain("k8s-gitops:talos.udevRules[0]");
  });
});

describe("the e2e stack as the day-2 phases configure it", () => {
  const APPLY = "talos:machine/configurationApply:ConfigurationApply";
  const COMMAND = "command:local:Command";
  const rule = 'SUBSYSTEM=="e2e-day2-staged", ENV{E2E_DAY2}="staged"';
  const initial = previousPatch(PINS.talos);
  const nodes = () => (values()["k8s-gitops:nodes"] as { address: string }[]).map((n) => n.address);
  const at = (talos: string) => Object.fromEntries(nodes().map((a) => [a, { talos, kubernetes: PINS.kubernetes }]));
  const versions = values()["k8s-gitops:versions"] as Record<string, string>;
  const triggers = (r: { inputs: Record<string, unknown> }) => JSON.parse(String((reveal(r.inputs.triggers) as string[])[0])) as Record<string, unknown>;
  const staged = { "k8s-gitops:talos.bootstrapped": true, "k8s-gitops:talos.udevRules": [rule] };
  // What the first up recorded (its lifecycle output, read back by the next run as the real
  // engine's stack reference to itself would): the PKI this stack generated.
  // Its exported talosconfig is what the day-2 preflight observes the nodes with.
  let record: Record<string, StackOutput>;
  const after = (outputs: Record<string, StackOutput>) => ({
    [`${ORGANIZATION}/k8s-gitops/${STACK}`]: {
      outputs: Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, reveal(o.value)])),
      secretOutputNames: Object.entries(outputs).filter(([, o]) => o.secret).map(([name]) => name),
    },
  });
  beforeAll(async () => {
    const first = await runProgram({ stack: STACK, config: { "k8s-gitops:versions": { ...versions, talos: initial } } });
    expect(first.error).toBeUndefined();
    record = first.outputs;
    expect((record.lifecycle.value as { pki?: unknown }).pki).toBe("generate");
    expect(record.talosconfig.secret).toBe(true);
  }, 60_000);

  it("staged phase on a stack with no record of its own is refused: bootstrapped with a PKI it did not generate", async () => {
    const result = await runProgram({ stack: STACK, config: staged, talosNodes: at(initial) });
    expect(result.error?.message).toContain("k8s-gitops:talos.pki: is generate, but talos.bootstrapped says the cluster already runs");
  }, 60_000);

  it("staged phase: applies staged where a reboot is needed, one roll step per node, no upgrade (the nodes run the first up's Talos)", async () => {
    const result = await runProgram({ stack: STACK, config: { ...staged, "k8s-gitops:versions": { ...versions, talos: initial } }, talosNodes: at(initial), stackReferences: after(record) });
    expect(result.error).toBeUndefined();
    expect(ofType(result, APPLY).map((a) => a.inputs.applyMode)).toEqual(nodes().map(() => "staged_if_needing_reboot"));
    const steps = ofType(result, COMMAND);
    expect(steps.filter((s) => s.name.startsWith("roll-")).map((s) => s.name).sort()).toEqual(nodes().map((a) => `roll-${a}`).sort());
    for (const upgrade of steps.filter((s) => s.name.startsWith("talos-upgrade-"))) expect(triggers(upgrade)).toMatchObject({ target: initial });
  }, 60_000);

  it("upgrade phase: with the override gone every node's upgrade step targets the pin from the previous patch", async () => {
    const result = await runProgram({ stack: STACK, config: staged, talosNodes: at(initial), stackReferences: after(record) });
    expect(result.error).toBeUndefined();
    const upgrades = ofType(result, COMMAND).filter((s) => s.name.startsWith("talos-upgrade-"));
    expect(upgrades.map((s) => s.name).sort()).toEqual(nodes().map((a) => `talos-upgrade-${a}`).sort());
    for (const upgrade of upgrades) {
      expect(triggers(upgrade)).toMatchObject({ target: PINS.talos });
      expect(triggers(upgrade)).not.toHaveProperty("repairs");
      expect(String(triggers(upgrade).image)).toMatch(new RegExp(`:${PINS.talos.replace(/\./g, "\\.")}$`));
    }
  }, 60_000);

  it("idempotence phase: after staged and upgrade phases, each reading the previous run's outputs, a run with the nodes at the pin plans no change", async () => {
    const stagedRun = await runProgram({ stack: STACK, config: { ...staged, "k8s-gitops:versions": { ...versions, talos: initial } }, talosNodes: at(initial), stackReferences: after(record) });
    expect(stagedRun.error).toBeUndefined();
    // The day-2 record: exported in the clear, every node at the run's targets, read back by the next run.
    expect(stagedRun.outputs.day2.secret).toBe(false);
    expect(stagedRun.outputs.day2.value).toMatchObject({ nodes: Object.fromEntries(nodes().map((a) => [a, { talos: initial, kubernetes: PINS.kubernetes }])) });
    const upgrade = await runProgram({ stack: STACK, config: staged, talosNodes: at(initial), stackReferences: after(stagedRun.outputs) });
    expect(upgrade.error).toBeUndefined();
    expect(upgrade.infos.join("\n")).not.toContain("drift");
    expect(ofType(upgrade, COMMAND).filter((s) => s.name.startsWith("talos-upgrade-")).map((s) => triggers(s).target)).toEqual(nodes().map(() => PINS.talos));
    const again = await runProgram({ stack: STACK, config: staged, talosNodes: at(PINS.talos), stackReferences: after(upgrade.outputs) });
    expect(again.error).toBeUndefined();
    // What `pulumi up --expect-no-changes` compares: every resource's inputs, the day-2 steps' triggers among them.
    expect(enginePlan(upgrade.resources, again.resources).steps.filter((s) => s.op !== "same")).toEqual([]);
    expect(again.outputs.day2.value).toEqual(upgrade.outputs.day2.value);
  }, 120_000);
});
