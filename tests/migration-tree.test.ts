/**
 * The tree's side of an additive hand-over, and the staged version paths from the running
 * clusters' versions (the seed repository's: Cilium 1.18, cert-manager 1.19, external-secrets
 * 0.20, Flux 2.7) to the pins, one supported step at a time (bootstrap/upgrade-paths.yaml,
 * each rule cited there). Pins are read from the tree and the running versions from the saved inventory
 * fixture; none is written here.
 */
import * as fs from "fs";
import * as path from "path";
import { PRUNE_ANNOTATION, PRUNE_DISABLED, readFluxTree } from "../bootstrap/flux-tree";
import { loadBootstrapPlan } from "../bootstrap/loader";
import { parseInventory } from "../tools/migration/inventory";
import { formatStages, loadUpgradePaths, parseMinor, stagedPath, versionStages } from "../tools/migration/stages";
import { fixtureSettings } from "./helpers/cluster-settings";
import { chartPin } from "./helpers/pins";

const repoRoot = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "migration", "infra.inventory.yaml");
const running = parseInventory(fs.readFileSync(FIXTURE, "utf8"), FIXTURE);

describe.each(["infra", "apps"])("the %s tree", (cluster) => {
  const settings = fixtureSettings(cluster);
  const tree = readFluxTree(repoRoot, settings.FLUX_SYNC_PATH, settings);
  const objects = [...tree.kustomizations.values()].flatMap((k) => k.objects.map((o) => ({ owner: `${k.namespace}/${k.name}`, object: o.object })));
  const protectedOf = (kind: string, name: string) =>
    objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)?.object.metadata.annotations?.[PRUNE_ANNOTATION] === PRUNE_DISABLED;

  test("everything whose deletion would break the cluster is protected from Flux's prune", () => {
    expect(tree.problems).toEqual([]);
    // Every release the program bootstraps (CNI, DNS, the CRD-carrying operators, Flux itself).
    for (const release of loadBootstrapPlan(repoRoot).releases) expect([release.name, protectedOf("HelmRelease", release.name)]).toEqual([release.name, true]);
    for (const ns of objects.filter((o) => o.object.kind === "Namespace")) expect([ns.object.metadata.name, protectedOf("Namespace", ns.object.metadata.name)]).toEqual([ns.object.metadata.name, true]);
    // The layer whose deletion would garbage-collect every Kustomization below it.
    expect(protectedOf("Kustomization", "infrastructure")).toBe(true);
  });

  test("each HelmRelease has exactly one Kustomization, so no release is applied from two places", () => {
    const releases = objects.filter((o) => o.object.kind === "HelmRelease");
    for (const hr of releases) {
      expect(releases.filter((o) => o.object.metadata.name === hr.object.metadata.name && o.object.metadata.namespace === hr.object.metadata.namespace).map((o) => o.owner)).toEqual([hr.owner]);
    }
    expect(releases.find((o) => o.object.metadata.name === "cilium")?.owner).toBe("flux-system/cilium");
  });

  test("the FluxInstance fetches the manifests of the pinned operator, never `latest`, and helm-controller tracks no chart digest", () => {
    const hr = objects.find((o) => o.object.kind === "HelmRelease" && o.object.metadata.name === "flux-instance")?.object as unknown as {
      spec: { values: { instance: { distribution: { artifact: string }; kustomize: { patches: Array<{ target: { kind: string; name: string }; patch: string }> } } } };
    };
    const { distribution, kustomize } = hr.spec.values.instance;
    expect(distribution.artifact).toBe(`oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:v${chartPin("flux-operator")}`);
    expect(distribution.artifact).not.toMatch(/:latest$/);
    const patch = kustomize.patches.find((p) => p.target.name === "helm-controller");
    expect(patch?.target.kind).toBe("Deployment");
    expect(patch?.patch).toContain("--feature-gates=DisableChartDigestTracking=true");
  });
});

describe("staged version paths from the running clusters to the pins", () => {
  const paths = loadUpgradePaths(repoRoot);
  const runningVersion = (name: string): string => {
    const found = running.releases.find((r) => r.name === name)?.version;
    if (found === undefined) throw new Error(`no running ${name} in the fixture`);
    return found;
  };

  test("every bootstrapped release has a rule", () => {
    expect(loadBootstrapPlan(repoRoot).releases.map((r) => r.name).filter((n) => paths.charts[n] === undefined)).toEqual([]);
  });

  test("Cilium moves one minor per step, each latest patch, ending at the pin, with its pre-flight check", () => {
    const pin = chartPin("cilium");
    const from = parseMinor(runningVersion("cilium"));
    const to = parseMinor(pin);
    expect(from?.minor).toBe(18);
    const stage = stagedPath("cilium", runningVersion("cilium"), pin, paths.charts.cilium);
    expect(stage.problem).toBeUndefined();
    expect(stage.steps).toHaveLength((to?.minor ?? 0) - (from?.minor ?? 0));
    expect(stage.steps.at(-1)).toBe(pin);
    stage.steps.slice(0, -1).forEach((s, i) => expect(s).toBe(`${to?.major}.${(from?.minor ?? 0) + i + 1}.x (latest patch)`));
    expect(stage.checks).toMatch(/pre-flight/);
    expect(stage.checks).toMatch(/^the running minor at its latest patch/);
  });

  test("cert-manager steps minors; a major boundary without the rule's last minor is refused, never guessed; a downgrade is refused", () => {
    const certManager = stagedPath("cert-manager", runningVersion("cert-manager"), chartPin("cert-manager"), paths.charts["cert-manager"]);
    expect(certManager.steps.length).toBeGreaterThan(1);
    expect(certManager.steps.every((s) => s.startsWith("v"))).toBe(true);
    expect(paths.charts["cert-manager"].lastMinors).toBeUndefined();
    expect(stagedPath("cert-manager", "v1.21.0", "v2.0.0", paths.charts["cert-manager"]).problem).toMatch(/crosses a major version/);
    expect(stagedPath("cilium", chartPin("cilium"), "1.0.0", paths.charts.cilium).problem).toMatch(/downgrade/);
    expect(stagedPath("cilium", chartPin("cilium"), chartPin("cilium"), paths.charts.cilium).steps).toEqual([]);
  });

  test("external-secrets crosses its majors one minor at a time, along the last minors its release table records", () => {
    const rule = paths.charts["external-secrets"];
    const lastMinors = rule.lastMinors ?? {};
    const from = runningVersion("external-secrets");
    const stage = stagedPath("external-secrets", from, chartPin("external-secrets"), rule);
    expect(stage.problem).toBeUndefined();
    expect(parseMinor(from)?.major).toBeLessThan(parseMinor(chartPin("external-secrets"))?.major ?? 0);
    expect(stage.steps.at(-1)).toBe(chartPin("external-secrets"));
    // Each step is the next minor of the one before: +1 within a major, <major+1>.0 after its recorded last minor.
    const versions = [from, ...stage.steps].map((v) => parseMinor(v.split(" ")[0]));
    versions.slice(1).forEach((v, i) => {
      const prev = versions[i];
      if (!v || !prev) throw new Error(`unreadable step ${stage.steps[i]}`);
      const next = prev.minor === lastMinors[String(prev.major)] ? { major: prev.major + 1, minor: 0 } : { major: prev.major, minor: prev.minor + 1 };
      expect({ major: v.major, minor: v.minor }).toEqual(next);
    });
    // Without the record, the same path is refused.
    expect(stagedPath("external-secrets", from, chartPin("external-secrets"), { ...rule, lastMinors: undefined }).problem).toMatch(/crosses a major version/);
  });

  test("Flux moves to any later 2.x at once (Flux's supported upgrades), never across a major, the migration first", () => {
    const pin = versionStages(running.releases, readFluxTree(repoRoot, fixtureSettings("infra").FLUX_SYNC_PATH, fixtureSettings("infra")), running.flux).find((s) => s.what.startsWith("Flux"))?.pin;
    if (pin === undefined) throw new Error("no Flux distribution in the tree");
    expect(paths.flux.step).toBe("same-major");
    const stage = stagedPath("Flux", running.flux, pin, paths.flux);
    expect(stage.steps).toEqual([pin]);
    expect(formatStages([stage])).toMatch(/one step; first: flux-operator at its pin first; `flux migrate -v 2\.7 -f \.`/);
    expect(stagedPath("Flux", running.flux, "3.0.x", paths.flux).problem).toMatch(/crosses a major version/);
  });

  test("the tool reads the running versions against every HelmRelease of the tree and Flux's distribution", () => {
    const settings = fixtureSettings("infra");
    const stages = versionStages(running.releases, readFluxTree(repoRoot, settings.FLUX_SYNC_PATH, settings), running.flux);
    const flux = stages.find((s) => s.what.startsWith("Flux"));
    expect(flux?.running).toMatch(/^v2\.7\./);
    expect(flux?.steps).toHaveLength(1);
    const cilium = stages.find((s) => s.what === "HelmRelease kube-system/cilium");
    expect(cilium?.pin).toBe(chartPin("cilium"));
    // Charts without a step rule go straight to the pin.
    expect(stages.find((s) => s.what === "HelmRelease kube-system/coredns")?.steps).toEqual([chartPin("coredns")]);
  });
});
