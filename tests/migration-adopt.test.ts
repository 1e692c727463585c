/**
 * Writes on an adopted cluster win or stop cleanly: every object the bootstrap writes may
 * already exist under another field manager (kubectl applied Gateway API v1.4.0; the
 * running Flux applied a Git-managed cluster-settings). pulumi-kubernetes forces conflicts
 * only in preview, so each write is forced under the named field manager, and protected
 * from Flux's prune; cluster-settings also tells the running Flux to stop applying its copy.
 */
import { PROGRAM_WRITE_ANNOTATIONS, RECONCILE_DISABLED, FIELD_MANAGER } from "../bootstrap/handoff-objects";
import { byUrn, reveal, sharedRun, type RegisteredResource, type RunResult } from "../harness";
import { PINS } from "./helpers/pins";

const BOOTSTRAP = "k8s-gitops:bootstrap:ClusterBootstrap";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";
const annotationsOf = (r: RegisteredResource): Record<string, string> =>
  ((reveal(r.inputs) as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {});

function bootstrapWrites(result: RunResult): RegisteredResource[] {
  expect(result.error).toBeUndefined();
  const index = byUrn(result);
  return result.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.parent !== undefined && index.get(r.parent)?.type === BOOTSTRAP);
}

describe.each([
  ["pulumi up", { stack: "infra" }],
  ["a first pulumi preview (every output unknown)", { stack: "infra", firstPreview: true }],
] as const)("adopting the running infra cluster: %s", (_what, options) => {
  test("every object the bootstrap writes is forced as field manager k8s-gitops and never pruned by Flux", async () => {
    const writes = bootstrapWrites(await sharedRun(options));
    expect(writes.map((w) => w.type)).toEqual(expect.arrayContaining([
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Secret",
    ]));
    // No Helm release on an adopted cluster: Flux owns them.
    expect(writes.filter((w) => w.type.startsWith("kubernetes:helm.sh/"))).toEqual([]);
    for (const w of writes) {
      expect({ resource: w.name, annotations: annotationsOf(w) }).toEqual({ resource: w.name, annotations: expect.objectContaining(PROGRAM_WRITE_ANNOTATIONS) });
    }
    expect(PROGRAM_WRITE_ANNOTATIONS["pulumi.com/patchFieldManager"]).toBe(FIELD_MANAGER);
    expect(PROGRAM_WRITE_ANNOTATIONS["pulumi.com/patchForce"]).toBe("true");
  }, 60_000);

  test("cluster-settings is the program's alone: the running Flux skips applying its Git-managed copy", async () => {
    const [settings] = bootstrapWrites(await sharedRun(options)).filter((w) => w.name === "cluster-settings");
    expect(annotationsOf(settings)).toEqual({ ...PROGRAM_WRITE_ANNOTATIONS, ...RECONCILE_DISABLED });
    expect(settings.options.retainOnDelete).toBe(true);
  }, 60_000);

  test("the ClusterMesh values Secret the Cilium HelmRelease reads is written the same way: forced as k8s-gitops, never pruned", async () => {
    const result = await sharedRun(options);
    const [values] = result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "cilium-clustermesh-values");
    expect(values).toBeDefined();
    expect(byUrn(result).get(values.parent ?? "")?.type).toBe("k8s-gitops:clustermesh:ClusterMesh");
    expect(annotationsOf(values)).toEqual(expect.objectContaining({ "pulumi.com/patchForce": "true", "pulumi.com/patchFieldManager": FIELD_MANAGER }));
    expect(annotationsOf(values)).toEqual(PROGRAM_WRITE_ANNOTATIONS);
    expect(values.options.retainOnDelete).toBe(true);
  }, 60_000);

  test("the Gateway API CRDs go over the running v1.4.0 bundle as the pinned bundle, forced, their own annotations kept", async () => {
    const crds = bootstrapWrites(await sharedRun(options)).filter((w) => w.type === CRD && w.name.endsWith(".gateway.networking.k8s.io"));
    expect(crds.length).toBeGreaterThan(5);
    for (const crd of crds) {
      expect(annotationsOf(crd)["gateway.networking.k8s.io/bundle-version"]).toBe(PINS.crdSets["gateway-api"]);
      expect(annotationsOf(crd)["pulumi.com/patchForce"]).toBe("true");
    }
  }, 60_000);

  test("the pin's safe-upgrades policy and binding go over the one the v1.5 step applied, after the Gateway API CRDs, forced and retained", async () => {
    const writes = bootstrapWrites(await sharedRun(options));
    const gatewayCrds = writes.filter((w) => w.type === CRD && w.name.endsWith(".gateway.networking.k8s.io"));
    const [policy, ...otherPolicies] = writes.filter((w) => w.type === POLICY);
    const [binding, ...otherBindings] = writes.filter((w) => w.type === BINDING);
    expect([otherPolicies, otherBindings]).toEqual([[], []]);
    expect(policy.name).toBe("safe-upgrades.gateway.networking.k8s.io");
    expect([...policy.dependsOn].sort()).toEqual(gatewayCrds.map((c) => c.urn).sort());
    expect(binding.dependsOn).toEqual([policy.urn]);
    for (const w of [policy, binding]) {
      expect(annotationsOf(w)).toEqual(expect.objectContaining({ ...PROGRAM_WRITE_ANNOTATIONS, "gateway.networking.k8s.io/bundle-version": PINS.crdSets["gateway-api"], "gateway.networking.k8s.io/channel": "standard" }));
      expect(w.options.retainOnDelete).toBe(true);
    }
    expect((reveal(binding.inputs) as { spec: { policyName: string } }).spec.policyName).toBe(policy.name);
  }, 60_000);
});

test("the Kubernetes provider applies server-side: the force annotations act only there", async () => {
  const result = await sharedRun({ stack: "infra" });
  const providers = result.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
  expect(providers.length).toBeGreaterThan(0);
  // pulumi-kubernetes v4 applies server-side unless enableServerSideApply is false.
  for (const p of providers) expect(reveal(p.inputs.enableServerSideApply)).not.toBe("false");
  for (const p of providers) expect(reveal(p.inputs.enableServerSideApply)).not.toBe(false);
}, 60_000);
