import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  loadBootstrapCharts,
  loadBootstrapPlan,
  loadChartSpec,
  releaseChartArgs,
  releasesForNodeCount,
  type ChartSpec,
} from "../bootstrap/loader";
import { loadVendoredCrds, loadVendoredSets, sha256Hex } from "../bootstrap/crd-files";
import { parseAllDocuments } from "yaml";
import { parseManifests } from "../bootstrap/manifests";
import type { CrdSet } from "../bootstrap/plan";
import { loadReleaseNamespaces } from "../bootstrap/namespaces";
import { SubstitutionError } from "../bootstrap/substitute";
import { composeValues, mergeValues, type Values } from "../bootstrap/values";
import { ciliumMeshValues } from "../components/clustermesh/values";
import {
  chartDefaults,
  chartDefaultsText,
  compileSchema,
  describeWithSchemas,
  schemasRoot,
  valuesSchemaFor,
  validateCoreObjects,
} from "./helpers/schemas";
import { chartPin, PINS } from "./helpers/pins";
import { isRecord } from "../lib/guards";
import { fixtureSettings } from "./helpers/cluster-settings";

const repoRoot = path.resolve(__dirname, "..");
const clusters = ["infra", "apps"] as const;
const fixture = (cluster: string): Record<string, string> =>
  fixtureSettings(cluster);

/**
 * Loads data a describe block needs while tests are being defined. If the
 * tree is broken, the block gets one failing test carrying the loader's error
 * (instead of the whole file failing to collect) and `fallback` is used.
 */
function loadOr<T>(make: () => T, fallback: T): T {
  try {
    return make();
  } catch (e) {
    test("loads the bootstrap data", () => {
      throw e;
    });
    return fallback;
  }
}

function get(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
}

const EMPTY_PLAN = { crdSets: [], prerequisites: [], releases: [] };

describe("bootstrap plan (bootstrap/crds.yaml, bootstrap/releases.yaml)", () => {
  const plan = loadOr(() => loadBootstrapPlan(repoRoot), EMPTY_PLAN);
  const order = plan.releases.map((r) => r.name);

  test("installs every bootstrapped chart, Cilium first, each after its dependencies", () => {
    expect([...order].sort()).toEqual(
      ["cert-manager", "cilium", "coredns", "external-secrets", "flux-instance", "flux-operator", "spegel"].sort(),
    );
    expect(order[0]).toBe("cilium");
    for (const r of plan.releases) {
      for (const d of r.dependsOn) expect(order.indexOf(d)).toBeLessThan(order.indexOf(r.name));
    }
  });

  test("dependencies are the true ones", () => {
    const deps = Object.fromEntries(plan.releases.map((r) => [r.name, [...r.dependsOn].sort()]));
    expect(deps).toEqual({
      cilium: [],
      coredns: ["cilium"],
      spegel: ["coredns"],
      "cert-manager": ["coredns"],
      "external-secrets": ["coredns"],
      "flux-operator": ["coredns"],
      "flux-instance": ["flux-operator"],
    });
    const fluxInstance = plan.releases.find((r) => r.name === "flux-instance");
    expect(fluxInstance?.prerequisites).toEqual(expect.arrayContaining(["bootstrap-secrets", "cluster-settings"]));
  });

  test("Spegel is only installed on clusters with more than one node", () => {
    expect(releasesForNodeCount(plan, 1).map((r) => r.name)).not.toContain("spegel");
    expect(releasesForNodeCount(plan, 3).map((r) => r.name)).toContain("spegel");
  });

  test("CRD sets pin their version once, name their upstream folder with it, and vendor each file with its checksum", () => {
    const text = fs.readFileSync(path.join(repoRoot, "bootstrap/crds.yaml"), "utf8");
    for (const set of plan.crdSets) {
      expect(text.split(set.version).length - 1).toBe(1);
      expect(set.source).toContain(`/${set.version}/`);
      expect(set.source).not.toContain("{version}");
      for (const file of set.files) {
        expect(file.path.startsWith(`bootstrap/crds/${set.name}/`)).toBe(true);
        expect(sha256Hex(fs.readFileSync(path.join(repoRoot, file.path)))).toBe(file.sha256);
      }
    }
    // Every vendored file is pinned: nothing in bootstrap/crds/ escapes the checksums.
    const vendored = plan.crdSets.flatMap((s) => fs.readdirSync(path.join(repoRoot, "bootstrap/crds", s.name)).map((f) => `bootstrap/crds/${s.name}/${f}`));
    expect(vendored.sort()).toEqual(plan.crdSets.flatMap((s) => s.files.map((f) => f.path)).sort());
    const gateway = plan.crdSets.find((s) => s.name === "gateway-api");
    expect(gateway?.provides).toEqual(expect.arrayContaining(["gateways.gateway.networking.k8s.io", "gatewayclasses.gateway.networking.k8s.io"]));
  });

  test("the vendored files hold exactly the CRDs each set provides", () => {
    const crds = loadVendoredCrds(repoRoot, plan.crdSets);
    for (const set of plan.crdSets) {
      expect(crds.filter((c) => c.set === set.name).map((c) => c.name).sort()).toEqual([...set.provides].sort());
    }
    // Gateway API files carry the bundle version they were copied from.
    for (const c of crds.filter((x) => x.set === "gateway-api")) {
      expect(c.object.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"]).toBe(plan.crdSets.find((s) => s.name === "gateway-api")?.version);
    }
  });
});

describe("the admission policies vendored with the CRD sets", () => {
  const plan = loadBootstrapPlan(repoRoot);
  const gateway = plan.crdSets.find((s) => s.name === "gateway-api") as CrdSet;
  const { crds, policies } = loadVendoredSets(repoRoot, plan.crdSets);
  const group = (o: object): string | undefined => (o as { spec?: { group?: string } }).spec?.group;

  test("Gateway API ships safe-upgrades: its file holds exactly that policy and its binding, stamped with the pinned bundle", () => {
    expect(gateway.admissionPolicies).toEqual(["safe-upgrades.gateway.networking.k8s.io"]);
    expect(policies.map((p) => [p.set, p.name])).toEqual(plan.crdSets.flatMap((s) => s.admissionPolicies.map((n) => [s.name, n])));
    const [vap] = policies;
    // Read the file itself, not the loader's view: nothing else is in it.
    const inFile = parseManifests(fs.readFileSync(path.join(repoRoot, vap.file), "utf8"), vap.file);
    expect(inFile.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([
      ["admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", vap.name],
      ["admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", vap.name],
    ]);
    expect(gateway.files.map((f) => f.path)).toContain(vap.file);
    for (const o of inFile) {
      expect(o.metadata.annotations?.[gateway.versionAnnotation]).toBe(PINS.crdSets["gateway-api"]);
      expect(o.metadata.annotations?.["gateway.networking.k8s.io/channel"]).toBe("standard");
    }
    const binding = vap.binding.spec as { policyName: string; validationActions: string[] };
    expect(binding).toMatchObject({ policyName: vap.name, validationActions: ["Deny"] });
    expect((vap.policy.spec as { failurePolicy: string }).failurePolicy).toBe("Fail");
  });

  test("the policy and binding are valid admissionregistration.k8s.io/v1 objects (kubernetes-models); a broken copy is not", () => {
    const [vap] = policies;
    const results = validateCoreObjects([vap.policy, vap.binding]);
    expect(results).toEqual([{ modelled: true, errors: [] }, { modelled: true, errors: [] }]);
    const broken = { ...vap.binding, spec: { ...(vap.binding.spec as object), validationActions: "Deny" } };
    expect(validateCoreObjects([broken])[0].errors.length).toBeGreaterThan(0);
  });

  test("the pinned Kubernetes serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (GA since 1.30)", () => {
    const [major, minor] = PINS.kubernetes.replace(/^v/, "").split(".").map(Number);
    expect(major).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(30);
  });

  test("the policy admits every Gateway API CRD the program writes, and the Flux tree writes none", () => {
    const [vap] = policies;
    const spec = vap.policy.spec as { validations: Array<{ expression: string }> };
    // Its channel rule: a CRD over a standard one must be standard (the vendored channel).
    const channel = vap.policy.metadata.annotations?.["gateway.networking.k8s.io/channel"];
    expect(spec.validations.some((v) => v.expression.includes(`== '${channel}'`))).toBe(true);
    // Its version rule: the bundle-version patterns it denies (CEL single-quoted strings, RE2
    // syntax that JavaScript reads alike for these), read from the vendored expression.
    const denied = spec.validations.flatMap((v) => [...v.expression.matchAll(/!matches\([^,]+,\s*'((?:[^'\\]|\\.)*)'\)/g)].map((m) => new RegExp(m[1].replace(/\\\\/g, "\\"))));
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.some((re) => re.test("v1.4.0"))).toBe(true);
    // ...and, as bootstrap/upgrade-paths.yaml's 1.6 note says, a v1.5 bundle after it.
    expect(denied.some((re) => re.test("v1.5.1"))).toBe(true);
    const gatewayCrds = crds.filter((c) => group(c.object) === "gateway.networking.k8s.io");
    expect(gatewayCrds.length).toBe(gateway.provides.length);
    for (const c of gatewayCrds) {
      const annotations = c.object.metadata.annotations ?? {};
      expect({ crd: c.name, channel: annotations["gateway.networking.k8s.io/channel"] }).toEqual({ crd: c.name, channel });
      const version = annotations[gateway.versionAnnotation];
      expect({ crd: c.name, deniedBy: denied.filter((re) => re.test(version)).map(String) }).toEqual({ crd: c.name, deniedBy: [] });
    }
    // Nothing in kubernetes/ is a Gateway API CRD (no experimental bundle behind the program's back).
    const walkTree = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkTree(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
    const treeCrds = walkTree(path.join(repoRoot, "kubernetes"))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => d.toJS() as { kind?: string; spec?: unknown } | null))
      .filter((o) => o?.kind === "CustomResourceDefinition" && group(o) === "gateway.networking.k8s.io");
    expect(treeCrds).toEqual([]);
  });
});

test("no test repeats a CRD set pin: each reads it through tests/helpers/pins.ts or bootstrap/crds.yaml", () => {
  const testsDir = path.join(repoRoot, "tests");
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.[cm]?ts$/.test(e.name) ? [path.join(dir, e.name)] : []));
  const pins = Object.values(PINS.crdSets).map((v) => v.replace(/^v/, ""));
  expect(pins.length).toBeGreaterThan(0);
  const repeats = sources(testsDir).flatMap((f) => {
    const text = fs.readFileSync(f, "utf8");
    return pins.filter((pin) => new RegExp(`(?<![\\d.])v?${pin.replace(/\./g, "\\.")}(?![\\d])`).test(text)).map((pin) => `${path.relative(repoRoot, f)}: ${pin}`);
  });
  expect(repeats).toEqual([]);
});

describe("vendored CRD verification", () => {
  let root: string;
  const crd = (name: string) =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n  annotations:\n    example.io/bundle-version: v1.0.0\nspec:\n  group: example.io\n`;
  const set = (files: Array<{ file: string; sha256: string }>, provides: string[], admissionPolicies: string[] = []): CrdSet => ({
    name: "set",
    description: "d",
    version: "v1.0.0",
    source: "https://example/v1.0.0/",
    versionAnnotation: "example.io/bundle-version",
    files: files.map((f) => ({ path: `bootstrap/crds/set/${f.file}`, sha256: f.sha256 })),
    provides,
    admissionPolicies,
    neededBy: [],
  });
  const put = (file: string, text: string): string => {
    fs.mkdirSync(path.join(root, "bootstrap/crds/set"), { recursive: true });
    fs.writeFileSync(path.join(root, "bootstrap/crds/set", file), text);
    return sha256Hex(text);
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "crds-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("accepts files matching their checksums and provides", () => {
    const sha = put("a.yaml", crd("as.example.io"));
    expect(loadVendoredCrds(root, [set([{ file: "a.yaml", sha256: sha }], ["as.example.io"])]).map((c) => c.name)).toEqual(["as.example.io"]);
  });

  test("parses a pinned file once: loads share its frozen objects, and new bytes are parsed afresh", () => {
    const sha = put("a.yaml", crd("as.example.io"));
    const load = (sha256: string) => loadVendoredCrds(root, [set([{ file: "a.yaml", sha256 }], ["as.example.io"])])[0].object;
    const first = load(sha);
    expect(load(sha)).toBe(first);
    expect(Object.isFrozen(first.metadata)).toBe(true);
    expect(() => {
      (first.metadata as { name: string }).name = "changed";
    }).toThrow(TypeError);
    const changed = put("a.yaml", crd("as.example.io").replace("group: example.io", "group: other.example.io"));
    expect((load(changed).spec as { group: string }).group).toBe("other.example.io");
  });

  test("refuses a file vendored from another release than the set pins (a bump without npm run vendor-crds)", () => {
    const sha = put("a.yaml", crd("as.example.io").replace("bundle-version: v1.0.0", "bundle-version: v0.9.0"));
    expect(() => loadVendoredCrds(root, [set([{ file: "a.yaml", sha256: sha }], ["as.example.io"])])).toThrow(
      /a\.yaml: vendored from example\.io\/bundle-version=v0\.9\.0, but CRD set set pins v1\.0\.0; run npm run vendor-crds/,
    );
  });

  const admission = (kind: string, name: string, policyName = name) =>
    `---\napiVersion: admissionregistration.k8s.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  annotations:\n    example.io/bundle-version: v1.0.0\nspec:\n  policyName: ${policyName}\n`;

  test("accepts a listed admission policy with its binding next to the CRDs, apart from them", () => {
    const sha = put("a.yaml", `${crd("as.example.io")}${admission("ValidatingAdmissionPolicy", "guard.example.io")}${admission("ValidatingAdmissionPolicyBinding", "guard.example.io")}`);
    const loaded = loadVendoredSets(root, [set([{ file: "a.yaml", sha256: sha }], ["as.example.io"], ["guard.example.io"])]);
    expect(loaded.crds.map((c) => c.name)).toEqual(["as.example.io"]);
    expect(loaded.policies.map((p) => [p.name, p.policy.kind, p.binding.kind, p.file])).toEqual([
      ["guard.example.io", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "bootstrap/crds/set/a.yaml"],
    ]);
  });

  test("refuses an unlisted policy, a policy without its binding, a binding of another policy and a stale stamp, all at once", () => {
    const unlisted = put("a.yaml", `${crd("as.example.io")}${admission("ValidatingAdmissionPolicy", "other.example.io")}`);
    const lonely = put("b.yaml", admission("ValidatingAdmissionPolicy", "lonely.example.io"));
    const wrong = put("c.yaml", `${admission("ValidatingAdmissionPolicy", "guard.example.io")}${admission("ValidatingAdmissionPolicyBinding", "guard.example.io", "other.example.io")}`);
    const stale = put("d.yaml", admission("ValidatingAdmissionPolicy", "stale.example.io").replace("v1.0.0", "v0.9.0"));
    const files = [{ file: "a.yaml", sha256: unlisted }, { file: "b.yaml", sha256: lonely }, { file: "c.yaml", sha256: wrong }, { file: "d.yaml", sha256: stale }];
    expect(() => loadVendoredSets(root, [set(files, ["as.example.io"], ["lonely.example.io", "guard.example.io", "stale.example.io"])])).toThrow(
      new RegExp(
        [
          "a\\.yaml: ValidatingAdmissionPolicy other\\.example\\.io is not a apiextensions\\.k8s\\.io/v1 CustomResourceDefinition nor a admissionregistration\\.k8s\\.io/v1 ValidatingAdmissionPolicy or binding of admissionPolicies",
          "d\\.yaml: vendored from example\\.io/bundle-version=v0\\.9\\.0",
          "admission policy lonely\\.example\\.io needs exactly one ValidatingAdmissionPolicy and one ValidatingAdmissionPolicyBinding, files define ValidatingAdmissionPolicy",
          "c\\.yaml: ValidatingAdmissionPolicyBinding guard\\.example\\.io binds other\\.example\\.io, not guard\\.example\\.io",
          "admission policy stale\\.example\\.io needs exactly one .* files define neither",
        ].join(".*"),
      ),
    );
    // Without admissionPolicies a set takes no policy at all, listed or not.
    expect(() => loadVendoredSets(root, [set([{ file: "c.yaml", sha256: wrong }], ["as.example.io"])])).toThrow(/c\.yaml: ValidatingAdmissionPolicy guard\.example\.io is not a apiextensions\.k8s\.io\/v1 CustomResourceDefinition;/);
  });

  test("refuses an altered file, a missing file, a non-CRD document and CRDs that differ from provides, all at once", () => {
    put("a.yaml", crd("as.example.io"));
    const other = put("b.yaml", `${crd("bs.example.io")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`);
    const sets = [set([{ file: "a.yaml", sha256: "0".repeat(64) }, { file: "b.yaml", sha256: other }, { file: "gone.yaml", sha256: "1".repeat(64) }], ["as.example.io", "cs.example.io"])];
    expect(() => loadVendoredCrds(root, sets)).toThrow(
      /a\.yaml: sha256 [0-9a-f]{64} differs from the pinned 0{64}.*b\.yaml: ConfigMap x is not a apiextensions\.k8s\.io\/v1 CustomResourceDefinition.*gone\.yaml: missing.*files define bs\.example\.io, not listed in provides.*no file defines as\.example\.io, cs\.example\.io/,
    );
  });
});

describe.each(clusters)("bootstrapped charts of the %s cluster", (cluster) => {
  const settings = fixture(cluster);
  const charts = loadOr(() => loadBootstrapCharts(repoRoot, settings, 3), []);
  const chart = (name: string): ChartSpec => {
    const found = charts.find((c) => c.release.name === name)?.chart;
    if (found === undefined) throw new Error(`no chart ${name}`);
    return found;
  };

  test("release name and namespace are the HelmRelease's, so Flux adopts the release", () => {
    for (const { release, chart: spec } of charts) {
      const [hr] = parseManifests(fs.readFileSync(path.join(repoRoot, release.helmRelease), "utf8"), release.helmRelease);
      expect(spec.releaseName).toBe(hr.metadata.name);
      expect(spec.namespace).toBe(hr.metadata.namespace);
      expect(spec.sourcePath).toBe(release.helmRelease);
    }
    expect(chart("cilium")).toMatchObject({ releaseName: "cilium", namespace: "kube-system" });
    expect(chart("cert-manager")).toMatchObject({ releaseName: "cert-manager", namespace: "cert-manager" });
    expect(chart("flux-instance")).toMatchObject({ releaseName: "flux-instance", namespace: "flux-system" });
  });

  test("chart URL and version are the OCIRepository's", () => {
    for (const { chart: spec } of charts) {
      const [src] = parseManifests(fs.readFileSync(path.join(repoRoot, spec.chartSourcePath), "utf8"), spec.chartSourcePath);
      expect(src.kind).toBe("OCIRepository");
      expect(spec.version).toBe(get(src, "spec.ref.tag"));
      expect(spec.chart).toBe(get(src, "spec.url"));
      expect(releaseChartArgs(spec)).toEqual({ chart: spec.chart, version: spec.version });
    }
    expect(Object.fromEntries(charts.map((c) => [c.release.name, `${c.chart.chart}:${c.chart.version}`]))).toEqual({
      cilium: `oci://quay.io/cilium/charts/cilium:${chartPin("cilium")}`,
      coredns: `oci://ghcr.io/coredns/charts/coredns:${chartPin("coredns")}`,
      spegel: `oci://ghcr.io/spegel-org/helm-charts/spegel:${chartPin("spegel")}`,
      "cert-manager": `oci://quay.io/jetstack/charts/cert-manager:${chartPin("cert-manager")}`,
      "external-secrets": `oci://ghcr.io/external-secrets/charts/external-secrets:${chartPin("external-secrets")}`,
      "flux-operator": `oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator:${chartPin("flux-operator")}`,
      "flux-instance": `oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance:${chartPin("flux-instance")}`,
    });
  });

  test("values are fully substituted and typed as Flux would produce them", () => {
    for (const { chart: spec } of charts) expect(JSON.stringify(spec.values)).not.toContain("${");
    const cilium = chart("cilium").values;
    expect(get(cilium, "cluster.name")).toBe(settings.CLUSTER);
    expect(get(cilium, "cluster.id")).toBe(Number(settings.CLUSTER_ID));
    expect(get(cilium, "k8sServiceHost")).toBe("127.0.0.1");
    expect(get(cilium, "k8sServicePort")).toBe(7445);
    expect(get(chart("coredns").values, "replicaCount")).toBe(2);
    expect(get(chart("coredns").values, "service.clusterIP")).toBe(settings.COREDNS_CLUSTER_IP);
  });

  test("Cilium keeps the Talos and datapath settings in use", () => {
    const v = chart("cilium").values;
    expect(v).toMatchObject({
      kubeProxyReplacement: true,
      routingMode: "native",
      autoDirectNodeRoutes: true,
      ipam: { mode: "kubernetes" },
      encryption: { enabled: true, type: "wireguard" },
      bgpControlPlane: { enabled: true },
      gatewayAPI: { enabled: true },
      hubble: { enabled: true, relay: { enabled: true }, tls: { auto: { method: "cronJob" } } },
      prometheus: { enabled: true, serviceMonitor: { enabled: true } },
      bandwidthManager: { enabled: true, bbr: true },
      cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    });
    expect(get(v, "securityContext.capabilities.ciliumAgent")).toEqual(
      ["CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
    );
    expect(get(v, "securityContext.capabilities.cleanCiliumState")).toEqual(["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"]);
  });

  test("Cilium takes the native-routing CIDR and ClusterMesh values from the required Secret and sets none inline", () => {
    const spec = chart("cilium");
    expect(spec.valuesFrom).toEqual([{ kind: "Secret", name: "cilium-clustermesh-values", valuesKey: "values.yaml", optional: false }]);
    // Inline values win over valuesFrom: any of these set inline would hide the Secret's.
    for (const key of ["ipv4NativeRoutingCIDR", "clustermesh", "tls"]) expect(spec.values).not.toHaveProperty(key);
    // Flux order: the Secret first, inline values over it.
    const merged = composeValues([{ ipv4NativeRoutingCIDR: "10.244.0.0/14", clustermesh: { useAPIServer: true }, cluster: { name: "wrong" } }], spec.values);
    expect(get(merged, "ipv4NativeRoutingCIDR")).toBe("10.244.0.0/14");
    expect(get(merged, "clustermesh.useAPIServer")).toBe(true);
    expect(get(merged, "cluster.name")).toBe(settings.CLUSTER);
  });

  test("the HelmRelease timeout is read (Cilium: 10m), absent elsewhere", () => {
    expect(chart("cilium").timeout).toBe("10m");
    expect(chart("coredns").timeout).toBeUndefined();
  });

  test("cert-manager installs and keeps its CRDs", () => {
    expect(chart("cert-manager").values).toMatchObject({ crds: { enabled: true, keep: true } });
  });

  test("the FluxInstance syncs this cluster's root from the configured repository", () => {
    expect(get(chart("flux-instance").values, "instance.sync")).toEqual({
      kind: "GitRepository",
      url: "https://github.com/monosense-io/k8s-gitops",
      ref: "refs/heads/main",
      path: `kubernetes/clusters/${cluster}`,
      interval: "1m",
    });
  });
});

/**
 * Charts pinned ahead of the schemas in ../shared/schemas: only flux-operator and
 * flux-instance 0.49.0 are there, while the pin must ship Flux 2.9 (>= 0.53.0, see
 * bootstrap/flux-distributions.yaml). These are checked against the newest defaults and
 * schema available, which is weaker: a key removed since then would go unnoticed.
 */
const SCHEMAS_BEHIND_PIN = new Set(["flux-operator", "flux-instance"]);

function numericVersion(v: string): number[] {
  return v.replace(/^v/, "").split(/[.+-]/).map((n) => Number(n) || 0);
}

/** The chart version whose defaults/schema the checks use: the pinned one, else as above. */
function checkedVersion(chart: string, version: string): string {
  if (chartDefaultsText(chart, version) !== undefined || !SCHEMAS_BEHIND_PIN.has(chart)) return version;
  const available = fs
    .readdirSync(path.join(schemasRoot(), "helm-defaults"))
    .filter((f) => f.startsWith(`${chart}-`) && f.endsWith(".values.yaml"))
    .map((f) => f.slice(chart.length + 1, -".values.yaml".length))
    .sort((a, b) => {
      const [x, y] = [numericVersion(a), numericVersion(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i += 1) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    });
  const newest = available[available.length - 1];
  if (newest === undefined) return version;
  console.warn(`${chart} ${version}: no schemas in ../shared/schemas; checked against ${newest}`);
  return newest;
}

/** Keys each chart reads although its values.yaml only documents them in comments. */
const DOCUMENTED_COMMENTED_KEYS: Record<string, readonly string[]> = {
  coredns: ["service.clusterIP", "k8sAppLabelOverride"],
};

/** Maps whose keys are free-form by nature; anything may be set below them. */
const FREE_FORM = new Set([
  "resources", "nodeSelector", "tolerations", "affinity", "annotations", "podAnnotations", "labels", "podLabels",
  "extraArgs", "extraEnv", "env", "commonLabels", "commonAnnotations", "additionalLabels", "customLabels", "customAnnotations",
]);

/** The chart's own name: the last segment of an OCI URL, or the name in a repository. */
const chartName = (spec: ChartSpec): string => (spec.repo === undefined ? (spec.chart.split("/").pop() ?? spec.chart) : spec.chart);


/** Dotted keys set in `values` that the chart's defaults do not define. */
function unknownKeys(values: Values, defaults: Values, documented: readonly string[], prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const dotted = prefix + key;
    if (documented.includes(dotted)) return [];
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) return [dotted];
    const dflt = defaults[key];
    const freeForm = FREE_FORM.has(key) || dflt === null || (isRecord(dflt) && Object.keys(dflt).length === 0);
    return isRecord(value) && isRecord(dflt) && !freeForm ? unknownKeys(value, dflt, documented, `${dotted}.`) : [];
  });
}

/** Keys whose value kind (string/number/boolean/list/map) differs from the default's. */
function kindMismatches(values: Values, defaults: Values, prefix = ""): string[] {
  const kind = (v: unknown): string => (Array.isArray(v) ? "list" : v === null ? "null" : typeof v);
  return Object.entries(values).flatMap(([key, value]) => {
    const dflt = defaults[key];
    if (dflt === undefined || dflt === null) return [];
    if (isRecord(value) && isRecord(dflt)) return kindMismatches(value, dflt, `${prefix}${key}.`);
    return kind(value) === kind(dflt) ? [] : [`${prefix}${key}: ${kind(value)} where the default is ${kind(dflt)}`];
  });
}

/**
 * What the program writes for each valuesFrom source, as a representative layer: the
 * unmeshed ClusterMesh values (ClusterMesh's own tests validate the meshed ones).
 */
function valuesFromLayers(cluster: (typeof clusters)[number], chart: ChartSpec): Values[] {
  const settings = fixture(cluster);
  return chart.valuesFrom.map((ref) => {
    if (ref.kind === "Secret" && ref.name === "cilium-clustermesh-values") {
      return ciliumMeshValues({ cluster: { name: settings.CLUSTER, id: Number(settings.CLUSTER_ID) }, nativeRoutingCidr: settings.POD_CIDR_STRING });
    }
    throw new Error(`${chart.sourcePath}: no representative values for valuesFrom ${ref.kind}/${ref.name}`);
  });
}

describeWithSchemas("bootstrapped chart values against the charts' own schemas and defaults", () => {
  const plan = loadOr(() => loadBootstrapPlan(repoRoot), EMPTY_PLAN);
  const cases = loadOr(
    () => clusters.flatMap((cluster) => loadBootstrapCharts(repoRoot, fixture(cluster), 3).map(({ chart }) => ({ cluster, chart }))),
    [],
  );
  const label = cases.map((c) => [`${c.cluster}/${c.chart.name}`, c] as const);

  test("every release has chart defaults to check against", () => {
    for (const r of plan.releases) {
      const spec = cases.find((c) => c.chart.sourcePath === r.helmRelease)?.chart;
      expect(spec && chartDefaults(chartName(spec), checkedVersion(chartName(spec), spec.version))).toBeDefined();
    }
  });

  test.each(label)("%s: values (with their valuesFrom) merged over the defaults validate against the values schema", (_name, { cluster, chart }) => {
    const version = checkedVersion(chartName(chart), chart.version);
    const schema = valuesSchemaFor(chartName(chart), version);
    const defaults = chartDefaults(chartName(chart), version) ?? {};
    if (schema === undefined) {
      console.warn(`${chartName(chart)} ${chart.version} publishes no values.schema.json; checked against its defaults only`);
      expect(kindMismatches(chart.values, defaults)).toEqual([]);
      return;
    }
    const validate = compileSchema(schema);
    const ok = validate(mergeValues(defaults, composeValues(valuesFromLayers(cluster, chart), chart.values)));
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  test.each(label)("%s: every key set exists in the chart's defaults", (_name, { chart }) => {
    const defaults = chartDefaults(chartName(chart), checkedVersion(chartName(chart), chart.version)) ?? {};
    expect(unknownKeys(chart.values, defaults, DOCUMENTED_COMMENTED_KEYS[chartName(chart)] ?? [])).toEqual([]);
  });

  test("keys allowed from comments are really documented in the chart's values.yaml", () => {
    for (const [name, keys] of Object.entries(DOCUMENTED_COMMENTED_KEYS)) {
      const spec = cases.find((c) => chartName(c.chart) === name)?.chart;
      const text = spec && chartDefaultsText(chartName(spec), spec.version);
      for (const key of keys) {
        const leaf = key.split(".").pop() ?? key;
        expect(text).toMatch(new RegExp(`^\\s*#\\s*${leaf}:`, "m"));
      }
    }
  });

  test("the key check itself catches an unknown key and a wrong kind", () => {
    expect(unknownKeys({ a: { b: 1, typo: 2 }, resources: { x: 1 } }, { a: { b: 0 }, resources: {} }, [])).toEqual(["a.typo"]);
    expect(kindMismatches({ replicaCount: "2" }, { replicaCount: 1 })).toEqual(["replicaCount: string where the default is number"]);
  });
});

describe("loadChartSpec on small trees", () => {
  let root: string;
  const write = (files: Record<string, string>): void => {
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
  };
  const kustomization = (...resources: string[]): string =>
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join("")}`;
  const helmRelease = (extraSpec = "  chartRef:\n    kind: OCIRepository\n    name: app\n", meta = ""): string =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\n${meta}spec:\n  interval: 1h\n${extraSpec}  values:\n    name: \${CLUSTER}\n    replicas: \${REPLICAS:=3}\n`;
  const ociRepository = (ref = "    tag: 1.2.3\n"): string =>
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  interval: 1h\n  url: oci://registry.example/charts/app\n  ref:\n${ref}`;
  const settings = { CLUSTER: "infra" };
  const load = (): ChartSpec => loadChartSpec(root, "k/app/helmrelease.yaml", settings);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "loader-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("reads an OCI chart with substituted, typed values", () => {
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"), "k/app/helmrelease.yaml": helmRelease(), "k/app/ocirepository.yaml": ociRepository() });
    expect(load()).toEqual({
      name: "app",
      releaseName: "app",
      namespace: "apps",
      chart: "oci://registry.example/charts/app",
      version: "1.2.3",
      values: { name: "infra", replicas: 3 },
      valuesFrom: [],
      sourcePath: "k/app/helmrelease.yaml",
      chartSourcePath: "k/app/ocirepository.yaml",
    });
  });

  test("reads a HelmRepository chart: repo URL, chart name and the HelmRelease's version", () => {
    write({
      "k/app/kustomization.yaml": kustomization("helmrelease.yaml", "repo.yaml"),
      "k/app/helmrelease.yaml": helmRelease("  chart:\n    spec:\n      chart: app-chart\n      version: 4.5.6\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n"),
      "k/app/repo.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: apps\nspec:\n  interval: 1h\n  url: https://charts.example\n",
    });
    const spec = load();
    expect(spec).toMatchObject({ chart: "app-chart", repo: "https://charts.example", version: "4.5.6", chartSourcePath: "k/app/helmrelease.yaml" });
    expect(releaseChartArgs(spec)).toEqual({ chart: "app-chart", version: "4.5.6", repositoryOpts: { repo: "https://charts.example" } });
  });

  test("an OCI-type HelmRepository yields an oci:// chart URL", () => {
    write({
      "k/app/kustomization.yaml": kustomization("helmrelease.yaml", "repo.yaml"),
      "k/app/helmrelease.yaml": helmRelease("  chart:\n    spec:\n      chart: app\n      version: 1.0.0\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n"),
      "k/app/repo.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: apps\nspec:\n  type: oci\n  url: oci://ghcr.io/example/charts/\n",
    });
    expect(load()).toMatchObject({ chart: "oci://ghcr.io/example/charts/app", version: "1.0.0" });
    expect(load().repo).toBeUndefined();
  });

  test("targetNamespace and releaseName follow helm-controller's naming", () => {
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"), "k/app/ocirepository.yaml": ociRepository() });
    write({ "k/app/helmrelease.yaml": helmRelease("  targetNamespace: web\n  storageNamespace: web\n  chartRef:\n    kind: OCIRepository\n    name: app\n") });
    expect(load()).toMatchObject({ releaseName: "web-app", namespace: "web" });
    write({ "k/app/helmrelease.yaml": helmRelease("  releaseName: custom\n  chartRef:\n    kind: OCIRepository\n    name: app\n") });
    expect(load()).toMatchObject({ releaseName: "custom", namespace: "apps" });
    write({ "k/app/helmrelease.yaml": helmRelease("  targetNamespace: web\n  chartRef:\n    kind: OCIRepository\n    name: app\n") });
    expect(load).toThrow(/k\/app\/helmrelease\.yaml: Helm storage namespace apps differs from target namespace web/);
  });

  test("a kustomization namespace override applies to the HelmRelease and its source", () => {
    write({
      "k/app/kustomization.yaml": `${kustomization("ocirepository.yaml", "helmrelease.yaml")}namespace: other\n`,
      "k/app/helmrelease.yaml": helmRelease(),
      "k/app/ocirepository.yaml": ociRepository(),
    });
    expect(load()).toMatchObject({ namespace: "other", version: "1.2.3" });
  });

  test("an object opting out of substitution keeps its ${} text", () => {
    write({
      "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"),
      "k/app/helmrelease.yaml": helmRelease(undefined, "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n"),
      "k/app/ocirepository.yaml": ociRepository(),
    });
    expect(loadChartSpec(root, "k/app/helmrelease.yaml", {}).values).toEqual({ name: "${CLUSTER}", replicas: "${REPLICAS:=3}" });
  });

  test("fails naming the file when the HelmRelease file is missing", () => {
    write({ "k/app/kustomization.yaml": kustomization("helmrelease.yaml") });
    expect(load).toThrow("k/app/helmrelease.yaml: HelmRelease file not found");
  });

  test("fails when the folder has no kustomization.yaml", () => {
    write({ "k/app/helmrelease.yaml": helmRelease() });
    expect(load).toThrow("k/app/kustomization.yaml: kustomization.yaml not found");
  });

  test("fails when the HelmRelease is not listed in its kustomization.yaml", () => {
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml"), "k/app/helmrelease.yaml": helmRelease(), "k/app/ocirepository.yaml": ociRepository() });
    expect(load).toThrow(/k\/app\/helmrelease\.yaml: not listed in k\/app\/kustomization\.yaml/);
  });

  test("fails naming the file when the chart source is missing", () => {
    write({ "k/app/kustomization.yaml": kustomization("helmrelease.yaml"), "k/app/helmrelease.yaml": helmRelease() });
    expect(load).toThrow("k/app/helmrelease.yaml: OCIRepository apps/app not found in the resources of k/app/kustomization.yaml");
  });

  test("fails when a listed resource file does not exist", () => {
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"), "k/app/helmrelease.yaml": helmRelease() });
    expect(load).toThrow("k/app/ocirepository.yaml: resource not found");
  });

  test("fails naming the file and every unresolved variable", () => {
    write({
      "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"),
      "k/app/helmrelease.yaml": helmRelease().replace("replicas: ${REPLICAS:=3}", "replicas: ${REPLICAS}\n    zone: ${ZONE}"),
      "k/app/ocirepository.yaml": ociRepository(),
    });
    let error: unknown;
    try {
      loadChartSpec(root, "k/app/helmrelease.yaml", {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SubstitutionError);
    expect((error as SubstitutionError).file).toBe("k/app/helmrelease.yaml");
    expect((error as SubstitutionError).unresolved).toEqual(["CLUSTER", "REPLICAS", "ZONE"]);
  });

  test("fails when the version is not pinned by an exact tag", () => {
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"), "k/app/helmrelease.yaml": helmRelease() });
    write({ "k/app/ocirepository.yaml": ociRepository("    semver: '>=1.0.0'\n") });
    expect(load).toThrow("k/app/ocirepository.yaml: the chart version must be pinned with spec.ref.tag alone");
    write({ "k/app/ocirepository.yaml": ociRepository("    tag: latest\n") });
    expect(load).toThrow(/not an exact chart version/);
  });

  test("fails on a malformed HelmRelease with the field named", () => {
    write({
      "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"),
      "k/app/helmrelease.yaml": helmRelease("  chartRef:\n    kind: OCIRepository\n  valuesFrom: nope\n"),
      "k/app/ocirepository.yaml": ociRepository(),
    });
    expect(load).toThrow(/k\/app\/helmrelease\.yaml: .*spec\.chartRef\.name/);
  });

  test("the release's namespace comes with the labels of its Namespace manifest, or fails naming the HelmRelease", () => {
    const namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n";
    write({
      "k/app/kustomization.yaml": kustomization("namespace.yaml", "ocirepository.yaml", "helmrelease.yaml"),
      "k/app/helmrelease.yaml": helmRelease(),
      "k/app/ocirepository.yaml": ociRepository(),
      "k/app/namespace.yaml": namespace,
    });
    expect(loadReleaseNamespaces(root, [load()], settings)).toEqual([
      { name: "apps", labels: { "pod-security.kubernetes.io/enforce": "restricted" }, sourcePath: "k/app/namespace.yaml" },
    ]);
    write({ "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml") });
    expect(() => loadReleaseNamespaces(root, [load()], settings)).toThrow(/k\/app\/helmrelease\.yaml: namespace apps has no Namespace manifest/);
  });

  test("a HelmRelease timeout is read as written; a malformed one is rejected", () => {
    write({
      "k/app/kustomization.yaml": kustomization("ocirepository.yaml", "helmrelease.yaml"),
      "k/app/helmrelease.yaml": helmRelease("  timeout: 15m\n  chartRef:\n    kind: OCIRepository\n    name: app\n"),
      "k/app/ocirepository.yaml": ociRepository(),
    });
    expect(load().timeout).toBe("15m");
    write({ "k/app/helmrelease.yaml": helmRelease("  timeout: soon\n  chartRef:\n    kind: OCIRepository\n    name: app\n") });
    expect(load).toThrow(/spec\.timeout: must be a Go duration/);
  });
});

describe("loadBootstrapPlan on small trees", () => {
  let root: string;
  const crds = (neededBy: string): string =>
    `crdSets:\n  - name: set\n    description: d\n    version: v1.0.0\n    source: https://example/{version}/\n    versionAnnotation: example.io/bundle-version\n    files: [{ file: x.yaml, sha256: ${"a".repeat(64)} }]\n    provides: [xs.example.io]\n    neededBy: ${neededBy}\n`;
  const releases = (body: string): string => `prerequisites: []\nreleases:\n${body}`;
  const release = (name: string, deps: string, crdList = "[]"): string =>
    `  - name: ${name}\n    helmRelease: kubernetes/${name}.yaml\n    dependsOn: ${deps}\n    crds: ${crdList}\n`;
  const write = (crdsText: string, releasesText: string, charts: string[]): void => {
    fs.mkdirSync(path.join(root, "bootstrap"), { recursive: true });
    fs.mkdirSync(path.join(root, "kubernetes"), { recursive: true });
    fs.writeFileSync(path.join(root, "bootstrap/crds.yaml"), crdsText);
    fs.writeFileSync(path.join(root, "bootstrap/releases.yaml"), releasesText);
    for (const c of charts) fs.writeFileSync(path.join(root, `kubernetes/${c}.yaml`), "");
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("orders releases by dependency whatever the file order", () => {
    write(crds("[a]"), releases(release("b", "[a]") + release("a", "[]", "[set]")), ["a", "b"]);
    const plan = loadBootstrapPlan(root);
    expect(plan.releases.map((r) => r.name)).toEqual(["a", "b"]);
    expect(plan.crdSets[0].source).toBe("https://example/v1.0.0/");
    expect(plan.crdSets[0].files).toEqual([{ path: "bootstrap/crds/set/x.yaml", sha256: "a".repeat(64) }]);
  });

  test("reports unknown dependencies, missing HelmRelease files and neededBy disagreements together", () => {
    write(crds("[b]"), releases(release("a", "[ghost]", "[set]")), []);
    expect(() => loadBootstrapPlan(root)).toThrow(/a depends on unknown release ghost.*kubernetes\/a\.yaml does not exist.*neededBy \[b\] disagrees/);
  });

  test("reports dependency cycles", () => {
    write(crds("[]"), releases(release("a", "[b]") + release("b", "[a]")), ["a", "b"]);
    expect(() => loadBootstrapPlan(root)).toThrow(/dependency cycle: a -> b -> a/);
  });

  test("reports shape errors with file and field", () => {
    write(crds("[]"), "prerequisites: []\nreleases:\n  - name: a\n    helmRelease: elsewhere/a.yaml\n    dependsOn: []\n    crds: []\n    extra: 1\n", []);
    expect(() => loadBootstrapPlan(root)).toThrow(/^bootstrap\/releases\.yaml: releases\.0\.helmRelease: must be a path under kubernetes\/.*extra/);
  });

  test("a kept release may not depend on one skipped for the node count", () => {
    write(crds("[]"), releases(`${release("a", "[]")}    minNodes: 2\n${release("b", "[a]")}`), ["a", "b"]);
    expect(() => releasesForNodeCount(loadBootstrapPlan(root), 1)).toThrow(/b depends on a, which a 1-node cluster skips/);
  });
});

describe("values composition", () => {
  test("maps merge deeply, lists and scalars are replaced, later layers win", () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } })).toEqual({ a: { b: 1, c: [3] }, d: { e: 1 } });
    expect(composeValues([{ a: 1, b: 1 }, { b: 2 }], { c: 3 })).toEqual({ a: 1, b: 2, c: 3 });
  });
});
