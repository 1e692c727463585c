/**
 * The bootstrap component as the real program registers it under the mock runtime, for
 * both stacks: phase-0 CRD sets, phase-1 Helm releases with exactly the HelmReleases'
 * names, namespaces, versions and substituted values (Cilium's composed with the mesh
 * Secret in Flux's order), their dependencies (true ones only), the phase-2 hand-off
 * (namespaces with Pod Security labels, the Connect token, cluster-settings) and the one
 * Flux sync.
 */
import { PROGRAM_WRITE_ANNOTATIONS, RECONCILE_DISABLED } from "../bootstrap/handoff-objects";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { loadBootstrapCharts, loadBootstrapPlan, type ChartSpec } from "../bootstrap/loader";
import { parseManifests } from "../bootstrap/manifests";
import { referencedVariables } from "../bootstrap/substitute";
import { composeValues, type Values } from "../bootstrap/values";
import { loadVendoredCrds, loadVendoredSets } from "../bootstrap/crd-files";
import { FLUX_OWNED_INPUTS } from "../components/bootstrap";
import { KUBERNETES_PROVIDER_IDENTITY } from "../components/talos/cluster";
import { durationSeconds, helmWaitBlocker } from "../components/bootstrap/helm-wait";
import { resolveValues } from "../components/bootstrap/values-from";
import {
  dependsOn,
  MockSecret,
  named,
  ofType,
  programResources,
  reveal,
  runProgram, sharedRun,
  secretLeaks,
  type RegisteredResource,
  type RunResult,
} from "../harness";
import { ORGANIZATION } from "../harness/run";
import { generatingPki } from "./helpers/generated-pki";
import { fixtureSettings } from "./helpers/cluster-settings";

const repoRoot = path.resolve(__dirname, "..");
const T = {
  release: "kubernetes:helm.sh/v3:Release",
  crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
  policy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  binding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  namespace: "kubernetes:core/v1:Namespace",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  provider: "pulumi:providers:kubernetes",
  talosBootstrap: "talos:machine/bootstrap:Bootstrap",
  component: "k8s-gitops:bootstrap:ClusterBootstrap",
};
const RELEASES = ["cilium", "coredns", "spegel", "cert-manager", "external-secrets", "flux-operator", "flux-instance"];
/**
 * What each release must wait for, transitively, among the releases; nothing else.
 * flux-instance starts Flux, whose helm-controller reconciles every HelmRelease at once:
 * it comes after all six others.
 */
const RELEASE_CLOSURE: Record<string, string[]> = {
  cilium: [],
  coredns: ["cilium"],
  spegel: ["coredns", "cilium"],
  "cert-manager": ["coredns", "cilium"],
  "external-secrets": ["coredns", "cilium"],
  "flux-operator": ["coredns", "cilium"],
  "flux-instance": ["cilium", "coredns", "spegel", "cert-manager", "external-secrets", "flux-operator"],
};
/** A fresh cluster: nothing runs yet, so phase 1 installs the releases. */
const FRESH = { "k8s-gitops:talos.bootstrapped": false } as const;
/** Pod Security level per created namespace (enforce, audit and warn alike). */
const PSA: Record<string, string> = { "flux-system": "privileged", "external-secrets": "restricted", "cert-manager": "restricted" };

const fixture = (stack: string): Record<string, string> =>
  fixtureSettings(stack);
const readTree = (rel: string) => parseManifests(fs.readFileSync(path.join(repoRoot, rel), "utf8"), rel);
const get = (v: unknown, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const releaseOf = (r: RunResult, name: string) => named(r, T.release, name);
const meshValuesOf = (r: RunResult): Values =>
  parse(String((reveal(named(r, T.secret, "cilium-clustermesh-values").inputs.stringData) as Record<string, unknown>)["values.yaml"])) as Values;

describe.each(["infra", "apps"])("bootstrap of a fresh cluster with the %s stack's config", (stack) => {
  let result: RunResult;
  const settings = fixture(stack);
  const charts = loadBootstrapCharts(repoRoot, settings, 3);
  const chart = (name: string): ChartSpec => charts.find((c) => c.release.name === name)?.chart as ChartSpec;
  const plan = loadBootstrapPlan(repoRoot);

  beforeAll(async () => {
    result = await sharedRun({ stack, config: FRESH });
  });

  test("runs without error and registers every release once, under the bootstrap component", () => {
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.release).map((r) => r.name).sort()).toEqual([...RELEASES].sort());
    const component = named(result, T.component, "bootstrap");
    for (const r of ofType(result, T.release)) expect(r.parent).toBe(component.urn);
  });

  test("release name and namespace are the HelmRelease's, the chart and version its OCIRepository's", () => {
    for (const { release } of plan.releases.map((release) => ({ release }))) {
      const [hr] = readTree(release.helmRelease).filter((o) => o.kind === "HelmRelease");
      const [source] = readTree(path.join(path.dirname(release.helmRelease), "ocirepository.yaml"));
      const r = releaseOf(result, release.name);
      expect({ name: r.inputs.name, namespace: r.inputs.namespace }).toEqual({ name: hr.metadata.name, namespace: hr.metadata.namespace });
      expect(r.inputs.version).toBe(get(source, "spec.ref.tag"));
      expect(r.inputs.chart).toBe(get(source, "spec.url"));
      expect(r.inputs.createNamespace).toBe(false);
    }
  });

  test("values are exactly the substituted HelmRelease values", () => {
    for (const name of RELEASES.filter((n) => n !== "cilium")) {
      const values = releaseOf(result, name).inputs.values;
      expect(JSON.stringify(values)).not.toContain("${");
      expect(values).toEqual(chart(name).values);
    }
  });

  test("Cilium's values are the mesh Secret's values.yaml with the HelmRelease values over it, as Flux composes them", () => {
    const cilium = releaseOf(result, "cilium");
    const secretValues = meshValuesOf(result);
    // The composition carries the mesh values, so it stays a secret.
    expect(cilium.inputs.values).toBeInstanceOf(MockSecret);
    const values = reveal(cilium.inputs.values) as Values;
    expect(values).toEqual(composeValues([secretValues], chart("cilium").values));
    // The native-routing CIDR comes only from the Secret; the HelmRelease no longer sets it.
    expect(chart("cilium").values).not.toHaveProperty("ipv4NativeRoutingCIDR");
    expect(values.ipv4NativeRoutingCIDR).toBe(secretValues.ipv4NativeRoutingCIDR);
    expect(values.ipv4NativeRoutingCIDR).toBe(settings.POD_CIDR_STRING);
    expect(values).toMatchObject({
      cluster: { name: stack, id: Number(settings.CLUSTER_ID) },
      k8sServiceHost: "127.0.0.1",
      k8sServicePort: 7445,
      kubeProxyReplacement: true,
      cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    });
    expect(get(values, "securityContext.capabilities.ciliumAgent")).toContain("SYS_ADMIN");
    expect(get(values, "securityContext.capabilities.ciliumAgent")).not.toContain("SYS_MODULE");
  });

  test("Flux owns every release after install: all inputs but name and namespace are ignored, and nothing is uninstalled", () => {
    for (const r of ofType(result, T.release)) {
      expect(r.options.ignoreChanges).toEqual(expect.arrayContaining(["chart", "version", "values", "repositoryOpts", "valueYamlFiles", "skipAwait", "timeout"]));
      const compared = Object.keys(r.inputs).filter((k) => !r.options.ignoreChanges.includes(k));
      expect(compared.sort()).toEqual(["compat", "name", "namespace"]);
      expect(r.options.retainOnDelete).toBe(true);
      expect(r.options.protect).toBe(false);
    }
    expect(FLUX_OWNED_INPUTS).not.toContain("name");
    expect(FLUX_OWNED_INPUTS).not.toContain("namespace");
  });

  test("every Kubernetes object goes through the health-gated provider", () => {
    const provider = named(result, T.provider, "kubernetes");
    const mine = [...ofType(result, T.release), ...ofType(result, T.crd), ...ofType(result, T.policy), ...ofType(result, T.binding), ...ofType(result, T.namespace), ...ofType(result, T.configMap)];
    for (const r of mine) expect(r.provider?.startsWith(`${provider.urn}::`)).toBe(true);
    // The provider's kubeconfig waits for the Talos health check, which waited for the etcd bootstrap.
    expect(provider.propertyDependencies.kubeconfig).toContain(named(result, T.talosBootstrap, "bootstrap").urn);
  });

  test("phase 0: each vendored CRD is its own retained CustomResourceDefinition, exactly as pinned", () => {
    const crds = loadVendoredCrds(repoRoot, plan.crdSets);
    const registered = ofType(result, T.crd);
    expect(registered.map((c) => c.name).sort()).toEqual(plan.crdSets.flatMap((s) => s.provides).sort());
    for (const crd of crds) {
      const r = named(result, T.crd, crd.name);
      expect(get(r.inputs, "metadata.name")).toBe(crd.name);
      expect(r.inputs.spec).toEqual(crd.object.spec);
      // Never deleted by Pulumi: not on destroy, not when it leaves the program, not on replacement.
      expect(r.options.retainOnDelete).toBe(true);
      expect(r.dependencies).toEqual([]);
    }
    expect(ofType(result, "kubernetes:yaml/v2:ConfigGroup")).toEqual([]);
  });

  test("phase 0: each set's admission policy and its binding follow the set's CRDs, as vendored, retained and forced", () => {
    const { policies } = loadVendoredSets(repoRoot, plan.crdSets);
    expect(policies.map((p) => p.name).sort()).toEqual(plan.crdSets.flatMap((s) => s.admissionPolicies).sort());
    expect(policies.length).toBeGreaterThan(0);
    expect(ofType(result, T.policy).map((r) => r.name).sort()).toEqual(policies.map((p) => p.name).sort());
    expect(ofType(result, T.binding).map((r) => r.name).sort()).toEqual(policies.map((p) => p.name).sort());
    const component = named(result, T.component, "bootstrap");
    for (const p of policies) {
      const policy = named(result, T.policy, p.name);
      const binding = named(result, T.binding, p.name);
      const setCrds = ofType(result, T.crd).filter((c) => plan.crdSets.find((s) => s.name === p.set)?.provides.includes(c.name));
      // The policy after exactly its set's CRDs; the binding after its policy, so the guard starts whole.
      expect([...policy.dependsOn].sort()).toEqual(setCrds.map((c) => c.urn).sort());
      expect(binding.dependsOn).toEqual([policy.urn]);
      for (const [r, vendored] of [[policy, p.policy], [binding, p.binding]] as const) {
        expect(r.parent).toBe(component.urn);
        expect(get(r.inputs, "metadata.name")).toBe(p.name);
        expect(r.inputs.spec).toEqual(vendored.spec);
        expect(get(r.inputs, "metadata.annotations")).toEqual({ ...vendored.metadata.annotations, ...PROGRAM_WRITE_ANNOTATIONS });
        expect(r.options.retainOnDelete).toBe(true);
      }
    }
    // Nothing waits for the guard: no release writes Gateway API CRDs.
    for (const r of ofType(result, T.release)) expect(r.dependsOn).not.toContain(named(result, T.policy, policies[0].name).urn);
  });

  test("each release waits for exactly the CRDs of the sets it needs", () => {
    for (const planned of plan.releases) {
      const r = releaseOf(result, planned.name);
      const direct = ofType(result, T.crd).filter((c) => r.dependsOn.includes(c.urn)).map((c) => c.name).sort();
      expect(direct).toEqual(plan.crdSets.filter((s) => planned.crds.includes(s.name)).flatMap((s) => s.provides).sort());
    }
    const needsGateway = ofType(result, T.release).filter((r) => dependsOn(result, r, named(result, T.crd, "gateways.gateway.networking.k8s.io")));
    expect(needsGateway.map((r) => r.name)).toContain("cilium");
  });

  test("releases follow cilium → coredns → {spegel, cert-manager, external-secrets, flux-operator} → flux-instance after all six, with no false dependency", () => {
    const matrix = Object.fromEntries(
      RELEASES.map((a) => [a, RELEASES.filter((b) => b !== a && dependsOn(result, releaseOf(result, a), releaseOf(result, b))).sort()]),
    );
    expect(matrix).toEqual(Object.fromEntries(Object.entries(RELEASE_CLOSURE).map(([k, v]) => [k, [...v].sort()])));
  });

  test("Cilium waits for its valuesFrom Secret; flux-instance for cluster-settings, the Connect token and its namespace", () => {
    expect(dependsOn(result, releaseOf(result, "cilium"), named(result, T.secret, "cilium-clustermesh-values"))).toBe(true);
    const fluxInstance = releaseOf(result, "flux-instance");
    for (const [type, name] of [
      [T.configMap, "cluster-settings"],
      [T.secret, "onepassword-connect-token"],
      [T.namespace, "flux-system"],
    ]) {
      expect(fluxInstance.dependsOn).toContain(named(result, type, name).urn);
    }
    // Only flux-instance needs the hand-off objects; the other releases do not wait for them.
    for (const name of RELEASES.filter((n) => n !== "flux-instance")) {
      expect(dependsOn(result, releaseOf(result, name), named(result, T.configMap, "cluster-settings"))).toBe(false);
      expect(dependsOn(result, releaseOf(result, name), named(result, T.secret, "onepassword-connect-token"))).toBe(false);
    }
  });

  test("each release waits for its own namespace, and the hand-off objects for theirs", () => {
    for (const r of ofType(result, T.release)) {
      const namespaces = ofType(result, T.namespace).filter((n) => r.dependsOn.includes(n.urn)).map((n) => n.name);
      expect(namespaces).toEqual(r.inputs.namespace === "kube-system" ? [] : [r.inputs.namespace]);
    }
    expect(named(result, T.configMap, "cluster-settings").dependsOn).toEqual([named(result, T.namespace, "flux-system").urn]);
    expect(named(result, T.secret, "onepassword-connect-token").dependsOn).toEqual([named(result, T.namespace, "external-secrets").urn]);
  });

  test("namespaces carry the Pod Security labels, are read from the tree and retained", () => {
    const namespaces = ofType(result, T.namespace);
    expect(namespaces.map((n) => n.name).sort()).toEqual(Object.keys(PSA).sort());
    for (const ns of namespaces) {
      const level = PSA[ns.name];
      expect(get(ns.inputs, "metadata.name")).toBe(ns.name);
      expect(get(ns.inputs, "metadata.labels")).toEqual({
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/warn": level,
      });
      expect(ns.options.retainOnDelete).toBe(true);
    }
    // The same labels are in the manifests Flux applies after the hand-off.
    const manifests = walk(path.join(repoRoot, "kubernetes"))
      .map((f) => path.relative(repoRoot, f))
      .filter((f) => f.endsWith(".yaml") && path.basename(f) !== "kustomization.yaml")
      .flatMap((f) => readTree(f))
      .filter((o) => o.kind === "Namespace");
    for (const ns of namespaces) {
      expect(manifests.find((m) => m.metadata.name === ns.name)?.metadata.labels).toEqual(get(ns.inputs, "metadata.labels"));
    }
  });

  test("cluster-settings holds the seed's values, and every variable the tree uses is a key", () => {
    const cm = named(result, T.configMap, "cluster-settings");
    expect(get(cm.inputs, "metadata")).toEqual({ name: "cluster-settings", namespace: "flux-system", annotations: { ...PROGRAM_WRITE_ANNOTATIONS, ...RECONCILE_DISABLED } });
    expect(cm.inputs.data).toEqual(settings);
    const used = new Set(
      walk(path.join(repoRoot, "kubernetes")).flatMap((f) => referencedVariables(fs.readFileSync(f, "utf8"))),
    );
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((v) => !(v in (cm.inputs.data as object)))).toEqual([]);
    expect(cm.options.retainOnDelete).toBe(true);
  });

  test("the Connect token Secret is the one the ClusterSecretStore names, from 1Password, and secret", () => {
    const [store] = readTree("kubernetes/infrastructure/security/external-secrets/stores/clustersecretstore.yaml");
    const ref = get(store, "spec.provider.onepassword.auth.secretRef.connectTokenSecretRef") as { name: string; namespace: string; key: string };
    const secret = named(result, T.secret, "onepassword-connect-token");
    expect(get(secret.inputs, "metadata")).toEqual({ name: ref.name, namespace: ref.namespace, annotations: PROGRAM_WRITE_ANNOTATIONS });
    const data = secret.inputs.stringData;
    expect(data instanceof MockSecret || get(data, ref.key) instanceof MockSecret).toBe(true);
    expect(reveal(data)).toEqual({ [ref.key]: "MOCK-SECRET-shared-1password-connect-token" });
    expect(secretLeaks(result)).toEqual([]);
  });

  test("exactly one Flux sync: the FluxInstance values, on this cluster's root", () => {
    const sync = { kind: "GitRepository", url: "https://github.com/monosense-io/k8s-gitops", ref: "refs/heads/main", path: `kubernetes/clusters/${stack}` };
    const withSync = ofType(result, T.release).filter((r) => get(reveal(r.inputs.values), "instance.sync") !== undefined);
    expect(withSync.map((r) => r.name)).toEqual(["flux-instance"]);
    expect(get(withSync[0].inputs.values, "instance.sync")).toMatchObject(sync);
    expect(programResources(result).filter((r) => /GitRepository|Kustomization/.test(r.type) || /GitRepository|Kustomization/.test(String(r.inputs.kind)))).toEqual([]);
    const { kind, ...exported } = sync;
    void kind;
    expect(result.outputs.bootstrap).toEqual({
      secret: false,
      value: { releases: Object.fromEntries(charts.map((c) => [c.release.name, c.chart.version])), releaseOwner: "pulumi", fluxSync: exported },
    });
  });

  test("Helm's wait: on for every release, except Cilium while its values hold a LoadBalancer Service no pool serves yet", () => {
    const cilium = releaseOf(result, "cilium");
    const meshed = get(reveal(cilium.inputs.values), "clustermesh.useAPIServer") === true;
    // Every meshed stack has its own CA, so its clustermesh-apiserver runs from its first run.
    expect(meshed).toBe(true);
    expect(cilium.inputs.skipAwait).toBe(meshed);
    for (const r of ofType(result, T.release).filter((x) => x.name !== "cilium")) expect(r.inputs.skipAwait).toBe(false);
    expect(cilium.inputs.timeout).toBe(600);
    for (const r of ofType(result, T.release).filter((x) => x.name !== "cilium")) expect(r.inputs.timeout).toBe(300);
  });
});

describe("variants", () => {
  test("a single-node cluster skips Spegel and nothing else", async () => {
    const result = await sharedRun({ stack: "infra", config: { ...FRESH, "k8s-gitops:nodes[2]": undefined, "k8s-gitops:nodes[1]": undefined } });
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.release).map((r) => r.name).sort()).toEqual(RELEASES.filter((n) => n !== "spegel").sort());
    expect(Object.keys((result.outputs.bootstrap.value as { releases: object }).releases)).not.toContain("spegel");
  });

  test("without 1Password no Connect token is seeded, with a warning, and Flux still comes up", async () => {
    const result = await sharedRun({ stack: "apps", config: { "k8s-gitops:onepassword.enabled": false, "k8s-gitops:talos.pki": "generate" } });
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.secret).map((s) => s.name)).not.toContain("onepassword-connect-token");
    expect(result.warnings.filter((w) => w.includes("external-secrets/onepassword-connect-token"))).toHaveLength(1);
    const fluxInstance = named(result, T.release, "flux-instance");
    expect(fluxInstance.dependsOn).toContain(named(result, T.configMap, "cluster-settings").urn);
  });

  test("a second run registers the same bootstrap: no random names or values", async () => {
    const snapshot = (r: RunResult) =>
      r.resources
        .filter((x: RegisteredResource) => x.urn.includes(T.component))
        .map((x) => ({ urn: x.urn, inputs: reveal(x.inputs), deps: x.dependencies }));
    const first = await sharedRun({ stack: "apps", config: FRESH });
    const second = await runProgram({ stack: "apps", config: FRESH });
    expect(snapshot(first).length).toBeGreaterThan(10);
    expect(snapshot(second)).toEqual(snapshot(first));
  });
});

describe("adoption and hand-off: Flux owns the releases, Pulumi never touches them", () => {
  const self = (stack: string) => `${ORGANIZATION}/k8s-gitops/${stack}`;
  const recorded = (stack: string, lifecycle: Record<string, unknown>) => ({ [self(stack)]: { outputs: { lifecycle } } });
  const bootstrapOutput = (r: RunResult) => r.outputs.bootstrap.value as { releases: Record<string, string>; releaseOwner: string };
  const lifecycleOf = (r: RunResult) => r.outputs.lifecycle.value as { fluxOwnsReleases: boolean; pki: string; pkiItem: string };

  // Both committed stacks adopt running clusters: their releases exist and Flux owns them.
  test.each(["infra", "apps"])("%s (adopted): no Helm release is registered, installed or imported; the rest is upserted", async (stack) => {
    const result = await sharedRun({ stack });
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.release)).toEqual([]);
    // What Flux takes over, from the tree, and who owns it.
    const out = bootstrapOutput(result);
    expect(out.releaseOwner).toBe("flux");
    expect(Object.keys(out.releases).sort()).toEqual([...RELEASES].sort());
    for (const { release, chart } of loadBootstrapCharts(repoRoot, fixture(stack), 3)) expect(out.releases[release.name]).toBe(chart.version);
    expect(lifecycleOf(result)).toEqual({ fluxOwnsReleases: true, pki: "adopt", pkiItem: expect.any(String), revision: expect.any(Number), onepasswordItems: expect.any(Array) });
    // CRDs, namespaces and cluster-settings are still applied (server-side, over what exists), and retained.
    expect(ofType(result, T.crd).length).toBeGreaterThan(0);
    expect(named(result, T.provider, "kubernetes").inputs.upsertExistingObjects).toBe("true");
    expect(named(result, T.talosBootstrap, "bootstrap").options.importId).toBe("machine_bootstrap");
  });

  test("a fresh cluster's first run installs every release and records the hand-off once Flux's release exists", async () => {
    const result = await sharedRun({ stack: "apps", config: FRESH });
    expect(result.error).toBeUndefined();
    expect(ofType(result, T.release).map((r) => r.name).sort()).toEqual([...RELEASES].sort());
    for (const release of ofType(result, T.release)) {
      expect(release.options.importId).toBeUndefined();
      expect(release.inputs).not.toHaveProperty("allowNullValues");
    }
    expect(bootstrapOutput(result).releaseOwner).toBe("pulumi");
    expect(lifecycleOf(result).fluxOwnsReleases).toBe(true);
    expect(named(result, T.provider, "kubernetes").inputs.upsertExistingObjects).toBe("false");
    expect(named(result, T.talosBootstrap, "bootstrap").options.importId).toBeUndefined();
  });

  test("after the hand-off is recorded, the next run (and any refresh before it) registers no release", async () => {
    const result = await sharedRun({ stack: "apps", config: FRESH, stackReferences: recorded("apps", { fluxOwnsReleases: true, pki: "adopt", pkiItem: "x" }) });
    expect(result.error).toBeUndefined();
    // Dropped from the program: with retainOnDelete the engine removes them from state without a Helm call.
    expect(ofType(result, T.release)).toEqual([]);
    expect(bootstrapOutput(result).releaseOwner).toBe("flux");
    expect(lifecycleOf(result).fluxOwnsReleases).toBe(true);
    // The phase-0 and phase-2 objects stay.
    expect(named(result, T.configMap, "cluster-settings")).toBeDefined();
  });

  test("a failed or older first run (nothing recorded) installs again", async () => {
    const result = await sharedRun({ stack: "apps", config: FRESH, stackReferences: recorded("apps", { fluxOwnsReleases: false }) });
    expect(ofType(result, T.release).length).toBe(RELEASES.length);
  });
});

describe("no silent replacement", () => {
  test("the Kubernetes provider's identity depends on no config value (two clusters of different names share it)", async () => {
    const infra = await sharedRun({ stack: "infra" });
    const apps = await sharedRun({ stack: "apps" });
    const id = (r: RunResult) => named(r, T.provider, "kubernetes").inputs.clusterIdentifier;
    expect(id(infra)).toBe(KUBERNETES_PROVIDER_IDENTITY);
    expect(id(apps)).toBe(KUBERNETES_PROVIDER_IDENTITY);
  });

  const self = `${ORGANIZATION}/k8s-gitops/apps`;
  const withRecord = (lifecycle: Record<string, unknown>) => ({ [self]: { outputs: { lifecycle } } });

  test("switching talos.pki on a cluster that exists is refused, naming the confirmation flag", async () => {
    const result = await sharedRun({
      stack: "apps",
      config: { "k8s-gitops:talos.pki": "generate", "k8s-gitops:onepassword.talosItem": "apps-talos-new" },
      stackReferences: withRecord({ fluxOwnsReleases: true, pki: "adopt", pkiItem: "apps-talos" }),
    });
    expect(result.error?.message).toMatch(/k8s-gitops:talos\.pki: is generate, but this stack last deployed its cluster with adopt.*talos\.confirmPkiSwitch/);
    expect(result.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  });

  test("generate on a cluster that already runs is refused without confirmation", async () => {
    const result = await sharedRun({ stack: "apps", config: { "k8s-gitops:talos.pki": "generate", "k8s-gitops:talos.bootstrapped": true } });
    expect(result.error?.message).toMatch(/talos\.pki: is generate, but talos\.bootstrapped says the cluster already runs/);
  });

  test("a confirmed switch still never writes the generated PKI over the adopted item (the previous run's output, read back)", async () => {
    const adopted = await sharedRun({ stack: "apps" });
    const previous = adopted.outputs.lifecycle.value as Record<string, unknown>;
    const result = await sharedRun({
      stack: "apps",
      config: { "k8s-gitops:talos.pki": "generate", "k8s-gitops:talos.confirmPkiSwitch": true },
      stackReferences: withRecord(previous),
    });
    expect(result.error?.message).toContain(`k8s-gitops:onepassword.talosItem: is "${String(previous.pkiItem)}", the item this stack adopted`);
    expect(result.error?.message).not.toContain("talos.confirmPkiSwitch true");
  });

  test("a confirmed switch with a new item title goes ahead", async () => {
    const result = await sharedRun({
      stack: "apps",
      ...generatingPki("apps", { "k8s-gitops:talos.confirmPkiSwitch": true, "k8s-gitops:onepassword.talosItem": "apps-talos-generated" }),
      stackReferences: withRecord({ pki: "adopt", pkiItem: "apps-talos" }),
    });
    expect(result.error).toBeUndefined();
    expect((result.outputs.lifecycle.value as { pki: string }).pki).toBe("generate");
  });
});

describe("helm-wait helpers", () => {
  test("Go durations in seconds", () => {
    expect(durationSeconds("10m")).toBe(600);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("5m0s")).toBe(300);
    expect(durationSeconds("1500ms")).toBe(2);
    expect(() => durationSeconds("10 minutes")).toThrow(/not a Go duration/);
  });

  test("only a Cilium clustermesh-apiserver LoadBalancer blocks Helm's wait", () => {
    const lb = { clustermesh: { useAPIServer: true, apiserver: { service: { type: "LoadBalancer" } } } };
    expect(helmWaitBlocker("oci://quay.io/cilium/charts/cilium", lb)).toMatch(/LB-IPAM/);
    expect(helmWaitBlocker("oci://quay.io/cilium/charts/cilium", { clustermesh: { useAPIServer: true, apiserver: { service: { type: "NodePort" } } } })).toBeUndefined();
    expect(helmWaitBlocker("oci://quay.io/cilium/charts/cilium", {})).toBeUndefined();
    expect(helmWaitBlocker("oci://ghcr.io/coredns/charts/coredns", lb)).toBeUndefined();
  });
});

describe("valuesFrom resolution", () => {
  const spec = (valuesFrom: ChartSpec["valuesFrom"]): ChartSpec => ({
    name: "app",
    releaseName: "app",
    namespace: "apps",
    chart: "oci://registry.example/charts/app",
    version: "1.0.0",
    values: { a: 1 },
    valuesFrom,
    sourcePath: "kubernetes/app/helmrelease.yaml",
    chartSourcePath: "kubernetes/app/ocirepository.yaml",
  });

  test("a required source the program does not write fails, naming the HelmRelease", () => {
    expect(() => resolveValues(spec([{ kind: "Secret", name: "extra", valuesKey: "values.yaml", optional: false }]), [])).toThrow(
      "kubernetes/app/helmrelease.yaml: valuesFrom Secret apps/extra (key values.yaml) is not written by this program",
    );
  });

  test("an optional source that is not written is skipped, as Flux does", () => {
    expect(resolveValues(spec([{ kind: "ConfigMap", name: "extra", optional: true }]), [])).toEqual({ values: { a: 1 }, sources: [] });
  });

  test("targetPath is refused rather than merged wrongly", () => {
    expect(() => resolveValues(spec([{ kind: "Secret", name: "extra", targetPath: "a.b" }]), [])).toThrow(/targetPath/);
  });
});
