/**
 * No substitution variable can be empty: Flux 2.7 substitutes an unset or empty variable
 * as "", so the program never writes an empty cluster-settings value, and it refuses a
 * config under which the tree at flux.path would use a variable it does not define.
 * Checked on the program's own cluster-settings of every committed stack.
 */
import { readFluxTree } from "../bootstrap/flux-tree";
import { PROJECT_ROOT, named, programResources, reveal, runProgram, sharedRun, stackNames, type RunResult } from "../harness";

const settingsOf = (result: RunResult): Record<string, string> => {
  expect(result.error).toBeUndefined();
  return reveal(named(result, "kubernetes:core/v1:ConfigMap", "cluster-settings").inputs.data) as Record<string, string>;
};

describe.each(stackNames(PROJECT_ROOT))("stack %s", (stack) => {
  test("cluster-settings holds no empty value, and every variable the tree at its sync path uses is defined", async () => {
    const settings = settingsOf(await sharedRun({ stack }));
    expect(Object.entries(settings).filter(([, v]) => v === "")).toEqual([]);
    const tree = readFluxTree(PROJECT_ROOT, settings.FLUX_SYNC_PATH, settings);
    expect(tree.problems).toEqual([]);
    // Flux builds (is not suspended on) most of the tree: the check saw real files.
    expect([...tree.kustomizations.values()].filter((k) => !k.suspended).length).toBeGreaterThan(10);
  }, 60_000);
});

test("the e2e cluster names no node interface: CILIUM_L2_INTERFACE is absent, not empty, and cilium-l2 is suspended", async () => {
  const settings = settingsOf(await sharedRun({ stack: "e2e" }));
  expect("CILIUM_L2_INTERFACE" in settings).toBe(false);
  expect(settings.CILIUM_L2_SUSPEND).toBe("true");
  const tree = readFluxTree(PROJECT_ROOT, settings.FLUX_SYNC_PATH, settings);
  expect(tree.kustomizations.get("flux-system/cilium-l2")?.suspended).toBe(true);
  // On a bonded cluster the policies are built with the bond.
  const infra = settingsOf(await sharedRun({ stack: "infra" }));
  expect(infra.CILIUM_L2_SUSPEND).toBe("false");
  const l2 = readFluxTree(PROJECT_ROOT, infra.FLUX_SYNC_PATH, infra).kustomizations.get("flux-system/cilium-l2");
  expect(l2?.suspended).toBe(false);
  expect(JSON.stringify(l2?.objects.map((o) => o.object))).toContain(`^${infra.CILIUM_L2_INTERFACE}$`);
}, 60_000);

test("without a mesh address CLUSTERMESH_IP is left out rather than written empty", async () => {
  const result = await runProgram({ stack: "infra", config: { "k8s-gitops:clustermesh.enabled": false, "k8s-gitops:clustermesh.apiserverIp": undefined, "k8s-gitops:clustermesh.peers": [] } });
  const settings = settingsOf(result);
  expect("CLUSTERMESH_IP" in settings).toBe(false);
  expect(Object.values(settings)).not.toContain("");
}, 60_000);

test("a sync path Flux cannot build is refused at flux.path before anything is registered", async () => {
  const result = await runProgram({ stack: "infra", config: { "k8s-gitops:flux.path": "docs" } });
  expect(result.error?.message).toMatch(/k8s-gitops:flux\.path: docs: Kustomization flux-system\/flux-system: spec\.path docs has no kustomization\.yaml/);
  expect(programResources(result).filter((r) => r.custom)).toEqual([]);
}, 60_000);

test("the sync root is built without substitution: a variable there is refused", () => {
  // The root of every committed cluster holds none (kubernetes-tree.test.ts); the walker reports one.
  const tree = readFluxTree(PROJECT_ROOT, "kubernetes/infrastructure/networking/cilium/l2/app", { CILIUM_L2_INTERFACE: "bond0" });
  expect(tree.problems.map((p) => p.message)).toEqual([expect.stringMatching(/applied by flux-system\/flux-system, which substitutes nothing, yet it references a variable/)]);
});
