/**
 * The migration comparison (`npm run migration -- compare`): what Flux would delete when the
 * running infra cluster's sync switches to this tree, from a saved inventory written from
 * the seed's tree (tests/fixtures/migration/infra.inventory.yaml), and the refusal while
 * that list is not empty or acknowledged.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { kustomizationKey, readFluxTree, type FluxTree, type TreeKustomization } from "../bootstrap/flux-tree";
import type { KubeObject } from "../bootstrap/manifests";
import { compareInventories, formatComparison, parseAcknowledgements, type Comparison } from "../tools/migration/compare";
import { InventoryError, describeId, objectId, parseInventory } from "../tools/migration/inventory";
import { main, parseArgs } from "../tools/migration/cli";
import { CLUSTER_SETTINGS } from "../bootstrap/handoff-objects";
import { fixtureSettings } from "./helpers/cluster-settings";
import { PINS } from "./helpers/pins";

const repoRoot = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "migration", "infra.inventory.yaml");
const fixtureText = fs.readFileSync(FIXTURE, "utf8");
const settings = fixtureSettings("infra");
const tree = (): FluxTree => readFluxTree(repoRoot, settings.FLUX_SYNC_PATH, settings);
const SETTINGS_ID = `${CLUSTER_SETTINGS.namespace}_${CLUSTER_SETTINGS.name}__ConfigMap`;
const CILIUM_RELEASE = "kube-system_cilium_helm.toolkit.fluxcd.io_HelmRelease";

const reportOf = (c: Comparison, key: string) => {
  const found = c.kustomizations.find((k) => k.key === key);
  if (!found) throw new Error(`no report for ${key}`);
  return found;
};
const deletedIds = (c: Comparison): string[] => c.unacknowledged.map((d) => d.id);

describe("inventory ids", () => {
  test("are Flux's <namespace>_<name>_<group>_<kind>: namespace empty when cluster-scoped, group empty for the core API", () => {
    expect(objectId({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "b" } })).toBe("b_a__ConfigMap");
    expect(objectId({ apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", metadata: { name: "p" } })).toBe("_p_cilium.io_CiliumLoadBalancerIPPool");
    expect(describeId("kube-system_cilium_helm.toolkit.fluxcd.io_HelmRelease")).toBe("HelmRelease kube-system/cilium");
  });

  test("a saved file without inventories, or with malformed ids, is refused naming the Kustomization", () => {
    const noStatus = stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "x", namespace: "flux-system" }, spec: {} }] });
    expect(() => parseInventory(noStatus, "f.yaml")).toThrow(InventoryError);
    expect(() => parseInventory(noStatus, "f.yaml")).toThrow(/flux-system\/x has no status.inventory/);
    const bad = stringify({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "x" }, spec: {}, status: { inventory: { entries: [{ id: "nonsense" }] } } });
    expect(() => parseInventory(bad, "f.yaml")).toThrow(/flux-system\/x: 1 inventory entry is not/);
  });

  test("the fixture reads as the seed's tree: the operator's root, the cluster-infra-infrastructure layer, its components, release versions", () => {
    const running = parseInventory(fixtureText, FIXTURE);
    expect(running.kustomizations.get("flux-system/flux-system")?.entries.has(SETTINGS_ID)).toBe(true);
    expect(running.kustomizations.get("flux-system/cluster-infra-infrastructure")?.path).toBe("./kubernetes/infrastructure");
    expect(running.kustomizations.size).toBeGreaterThan(20);
    expect(running.releases.find((r) => r.name === "cilium")?.version).toMatch(/^1\.18\./);
    expect(running.flux).toMatch(/^v2\.7\./);
  });
});

describe("the new tree as Flux builds it", () => {
  test("infra builds without problems, from the FluxInstance's root", () => {
    const t = tree();
    expect(t.problems).toEqual([]);
    expect(t.kustomizations.get("flux-system/flux-system")?.path).toBe(settings.FLUX_SYNC_PATH);
    expect(t.kustomizations.get("flux-system/cilium")?.objects.map((o) => objectId(o.object))).toContain(CILIUM_RELEASE);
  });

  test("a variable that is empty or unset in cluster-settings is a problem naming file and variable, not an empty string", () => {
    const { CILIUM_L2_INTERFACE: _dropped, ...without } = settings;
    const t = readFluxTree(repoRoot, settings.FLUX_SYNC_PATH, { ...without, SECRET_DOMAIN: "" });
    const text = t.problems.map((p) => `${p.file}: ${p.message}`).join("\n");
    expect(text).toMatch(/l2-announcement-policy\.yaml: .*CILIUM_L2_INTERFACE/);
    expect(text).toMatch(/wildcard\.yaml: .*SECRET_DOMAIN/);
  });
});

describe("compare: the running infra cluster against this tree", () => {
  const running = () => parseInventory(fixtureText, FIXTURE);

  test("unprotected, the switch is refused: the old layer's payload is garbage-collected and Cilium's release races between Kustomizations", () => {
    const c = compareInventories(running(), tree());
    const layer = reportOf(c, "flux-system/cluster-infra-infrastructure");
    expect(layer.status).toBe("deleted");
    expect(layer.reason).toMatch(/flux-system\/flux-system prunes it/);
    // Storage, observability and workloads the tree does not carry: lost through the cascade.
    for (const id of ["rook-ceph_rook-ceph_ceph.rook.io_CephCluster", "observability_victoria-metrics-k8s-stack_helm.toolkit.fluxcd.io_HelmRelease", "cnpg-system_shared-postgres_postgresql.cnpg.io_Cluster"]) {
      expect(c.unacknowledged).toContainEqual(expect.objectContaining({ id, fate: "lost" }));
    }
    // The CNI's release moves from cilium-core to cilium: deleted first if the old owner acts first.
    expect(c.unacknowledged).toContainEqual({ id: CILIUM_RELEASE, fate: "moved", carriedBy: "flux-system/cilium", kustomization: "flux-system/cilium-core" });
    // Without the program's protection, the Git-managed cluster-settings is pruned by the root.
    expect(c.unacknowledged).toContainEqual(expect.objectContaining({ id: SETTINGS_ID, fate: "lost", kustomization: "flux-system/flux-system" }));
    const text = formatComparison(c);
    expect(text).toMatch(/^REFUSED: the switch would delete \d+ object/m);
    expect(text).toContain(`kubectl annotate helmrelease.helm.toolkit.fluxcd.io cilium -n kube-system kustomize.toolkit.fluxcd.io/prune=disabled`);
  });

  test("objects the program writes with prune: disabled (cluster-settings) survive the root's prune", () => {
    const c = compareInventories(running(), tree(), { protected: new Set([SETTINGS_ID]) });
    expect(deletedIds(c)).not.toContain(SETTINGS_ID);
    expect(reportOf(c, "flux-system/flux-system").protectedStale).toEqual([SETTINGS_ID]);
  });

  test("a moved object whose live copy is annotated prune: disabled is no longer deleted", () => {
    const list = parse(fixtureText) as { items: Array<Record<string, unknown>> };
    list.items.push({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name: "cilium", namespace: "kube-system", annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } } });
    const c = compareInventories(parseInventory(stringify(list), "annotated.yaml"), tree());
    expect(deletedIds(c)).not.toContain(CILIUM_RELEASE);
    expect(reportOf(c, "flux-system/cilium-core").protectedStale).toContain(CILIUM_RELEASE);
  });

  test("a protected Kustomization left outside the tree survives, and is refused when its old path exists in the new revision", () => {
    const list = parse(fixtureText) as { items: Array<Record<string, unknown>> };
    const layer = list.items.find((i) => (i.metadata as { name: string }).name === "cluster-infra-infrastructure") as { metadata: Record<string, unknown> };
    layer.metadata.annotations = { "kustomize.toolkit.fluxcd.io/prune": "disabled" };
    const inventory = parseInventory(stringify(list), "annotated.yaml");
    const hasFolder = (p: string) => fs.existsSync(path.join(repoRoot, p, "kustomization.yaml"));
    const c = compareInventories(inventory, { ...tree(), hasFolder });
    const report = reportOf(c, "flux-system/cluster-infra-infrastructure");
    expect(report.status).toBe("survives");
    // ./kubernetes/infrastructure is the new tree's shared folder too: it would apply and prune against it.
    expect(report.deletions).toEqual([{ id: "flux-system_cluster-infra-infrastructure_kustomize.toolkit.fluxcd.io_Kustomization", fate: "rebuilt" }]);
    // Its components are no longer garbage-collected.
    expect(reportOf(c, "flux-system/openebs").status).toBe("orphaned");
    // Had its path gone, it would only fail to build.
    const gone = compareInventories(inventory, { ...tree(), hasFolder: () => false });
    expect(reportOf(gone, "flux-system/cluster-infra-infrastructure").deletions).toEqual([]);
  });

  test("when the new root carries the running Kustomizations and their objects, the switch prunes nothing", () => {
    // The additive hand-over: the root keeps every running Kustomization (the payload
    // copied into the tree under its running names), so every inventory is a subset.
    const inventory = running();
    const base = tree();
    const carried = new Map<string, TreeKustomization>(base.kustomizations);
    const objectOf = (id: string): KubeObject => {
      const [namespace, name, group, kind] = id.split("_");
      return { apiVersion: group ? `${group}/v1` : "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
    };
    for (const k of inventory.kustomizations.values()) {
      const key = kustomizationKey(k.namespace, k.name);
      const existing = carried.get(key);
      const objects = [...(existing?.objects ?? []), ...[...k.entries].map((id) => ({ file: "payload", object: objectOf(id) }))];
      carried.set(key, { name: k.name, namespace: k.namespace, path: k.path ?? "", prune: true, suspended: false, objects });
    }
    const c = compareInventories(inventory, { kustomizations: carried });
    expect(c.unacknowledged).toEqual([]);
    expect(formatComparison(c)).toMatch(/^OK: the switch prunes nothing\.$/m);
  });

  test("acknowledged deletions pass, scoped or bare; acknowledgements that match nothing are reported", () => {
    const first = compareInventories(running(), tree(), { protected: new Set([SETTINGS_ID]) });
    const [one, ...rest] = first.unacknowledged;
    const ack = parseAcknowledgements(
      [`# accepted at the switch`, `${one.kustomization} ${one.id}`, ...rest.map((d) => d.id), "_nothing_here_Thing  # stale"].join("\n"),
    );
    const c = compareInventories(running(), tree(), { protected: new Set([SETTINGS_ID]), acknowledged: ack });
    expect(c.unacknowledged).toEqual([]);
    expect(c.unusedAcknowledgements).toEqual(["_nothing_here_Thing"]);
    expect(formatComparison(c)).toMatch(/^OK: the switch prunes nothing that is not acknowledged \(\d+ acknowledged\)\.$/m);
  });
});

describe("npm run migration -- compare", () => {
  const capture = () => {
    const io = { outText: "", errText: "", out: (t: string) => void (io.outText += t), err: (t: string) => void (io.errText += t) };
    return io;
  };

  test("arguments", () => {
    expect(parseArgs(["compare", "infra", "--inventory", "f"])).toEqual({ stack: "infra", source: { kind: "file", file: "f" }, acknowledge: undefined });
    expect(parseArgs(["compare", "infra", "--inventory=f", "--acknowledge", "a"])).toEqual({ stack: "infra", source: { kind: "file", file: "f" }, acknowledge: "a" });
    expect(parseArgs(["compare", "infra"])).toMatch(/^usage/);
    expect(parseArgs(["compare", "infra", "--inventory"])).toMatch(/--inventory needs a file/);
  });

  test("the runbook's switch step: exit 1 on the fixture, naming what would be pruned; the program's cluster-settings is kept", async () => {
    const io = capture();
    const code = await main(["compare", "infra", "--inventory", FIXTURE], io, repoRoot);
    expect(io.errText).toBe("");
    expect(code).toBe(1);
    expect(io.outText).toContain("REFUSED: the switch would delete");
    expect(io.outText).toContain("prunes HelmRelease kube-system/cilium, which flux-system/cilium re-creates");
    expect(io.outText).toContain("= keeps ConfigMap flux-system/cluster-settings (prune: disabled)");
  }, 60_000);

  test("exit 0 once every deletion is acknowledged and every chart and CRD bundle is within one step of its pin", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migration-"));
    // First pass: the list to acknowledge, from the tool itself.
    const first = compareInventories(parseInventory(fixtureText, FIXTURE), tree(), { protected: new Set([SETTINGS_ID]) });
    fs.writeFileSync(path.join(dir, "ack"), first.unacknowledged.map((d) => `${d.kustomization} ${d.id}`).join("\n"));
    // Running versions at the tree's pins (read from the tree, never repeated here).
    const objects = [...tree().kustomizations.values()].flatMap((k) => k.objects.map((o) => o.object));
    const pinOf = (name: string): string => {
      const oci = objects.find((o) => o.kind === "OCIRepository" && o.metadata.name === name) as unknown as { spec: { ref: { tag: string } } };
      return oci.spec.ref.tag;
    };
    const list = parse(fixtureText) as { items: Array<{ kind: string; metadata: { name: string }; status: Record<string, unknown>; spec: Record<string, unknown> }> };
    for (const item of list.items) {
      if (item.kind === "HelmRelease") item.status = { history: [{ chartVersion: pinOf(item.metadata.name) }] };
      // The CRD bundles at their pins (bootstrap/crds.yaml, read through the helper).
      if (item.kind === "CustomResourceDefinition") {
        const metadata = (item as unknown as { metadata: { annotations: Record<string, string> } }).metadata;
        metadata.annotations["gateway.networking.k8s.io/bundle-version"] = PINS.crdSets["gateway-api"];
      }
      if (item.kind === "FluxInstance") {
        const fi = objects.find((o) => o.kind === "HelmRelease" && o.metadata.name === "flux-instance") as unknown as { spec: { values: { instance: { distribution: { version: string } } } } };
        item.status = { lastAppliedRevision: `v${fi.spec.values.instance.distribution.version.replace(".x", ".0")}@sha256:0` };
      }
    }
    fs.writeFileSync(path.join(dir, "inventory.yaml"), stringify(list));
    const io = capture();
    const code = await main(["compare", "infra", "--inventory", path.join(dir, "inventory.yaml"), "--acknowledge", path.join(dir, "ack")], io, repoRoot);
    expect(io.outText).toContain("OK: the switch prunes nothing that is not acknowledged");
    expect(io.outText).not.toContain("REFUSED");
    expect(code).toBe(0);
  }, 60_000);
});
