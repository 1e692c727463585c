/**
 * Phase 0, after the CRDs: the ValidatingAdmissionPolicies a CRD set's bundle ships with
 * their bindings (Gateway API's safe-upgrades since v1.5, which denies experimental
 * Gateway API CRDs over standard ones and bundles below v1.5). Upstream's standard install
 * carries them, so a cluster built here has the guard an upstream install has, and an
 * adopted one gets the pin's policy over the one its v1.5 step applied.
 *
 * Written like the CRDs: forced under the program's field manager, never pruned by Flux,
 * retained on delete (a destroyed stack leaves the guard in place, as it leaves the CRDs).
 * The policy waits for every CRD of its set: the upstream bundle orders it after them, and
 * the binding waits for its policy, so the guard starts complete.
 *
 * admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is stable since Kubernetes 1.30
 * (kubernetes.io docs/reference/access-authn-authz/validating-admission-policy); Talos 1.13
 * runs Kubernetes 1.31 and later (components/talos/rules/kubernetes-support.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { VendoredPolicy } from "../../bootstrap/crd-files";
import type { KubeObject } from "../../bootstrap/manifests";
import { PROGRAM_WRITE_ANNOTATIONS } from "../../bootstrap/handoff-objects";
import type { KubernetesOptions } from "./crds";

export interface AdmissionPolicy {
  readonly policy: k8s.admissionregistration.v1.ValidatingAdmissionPolicy;
  readonly binding: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
}

/** The vendored object with the program's write annotations added to its own. */
function written(object: KubeObject): Pick<KubeObject, "apiVersion" | "kind" | "metadata"> & { spec: unknown } {
  const { apiVersion, kind, metadata, spec } = object;
  return { apiVersion, kind, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), ...PROGRAM_WRITE_ANNOTATIONS } }, spec };
}

/** Every policy with its binding, by policy name; `crdSets` are installCrds' resources by set. */
export function installAdmissionPolicies(
  policies: readonly VendoredPolicy[],
  crdSets: ReadonlyMap<string, readonly pulumi.Resource[]>,
  opts: KubernetesOptions,
): Map<string, AdmissionPolicy> {
  const installed = new Map<string, AdmissionPolicy>();
  for (const p of policies) {
    const common = { provider: opts.provider, parent: opts.parent, retainOnDelete: true };
    // Named after the object, like the CRDs; the two share upstream's name, their URNs differ by type.
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      p.name,
      written(p.policy) as k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs,
      { ...common, dependsOn: [...(crdSets.get(p.set) ?? [])] },
    );
    const binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      p.name,
      written(p.binding) as k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs,
      { ...common, dependsOn: [policy] },
    );
    installed.set(p.name, { policy, binding });
  }
  return installed;
}
