/**
 * Phase 0: the vendored CRDs of bootstrap/crds.yaml, each registered as its own
 * apiextensions.k8s.io/v1 CustomResourceDefinition. A release depends on exactly the CRDs
 * of the sets it lists, so Helm renders it (Cilium's ServiceMonitor capability check,
 * external-secrets' skip-if-missing) only after the API serves those kinds.
 *
 * One resource per CRD, not a yaml/v2 ConfigGroup: `retainOnDelete` on a ConfigGroup is
 * not passed on to the objects it expands to (pulumi-kubernetes#3065, closed without a
 * fix), so a destroyed stack or a removed set would delete the CRDs and, with them, every
 * Gateway, HTTPRoute and ServiceMonitor of the cluster. On a resource of its own,
 * retainOnDelete makes the engine drop it from state without calling the provider's
 * Delete: on `pulumi destroy`, when a CRD leaves the program, and for the old object of a
 * replacement. The resource name is the CRD's name, which no config edit changes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { VendoredCrd } from "../../bootstrap/crd-files";
import { PROGRAM_WRITE_ANNOTATIONS } from "../../bootstrap/handoff-objects";

export interface KubernetesOptions {
  readonly provider: k8s.Provider;
  readonly parent: pulumi.Resource;
}

type CrdArgs = k8s.apiextensions.v1.CustomResourceDefinitionArgs;

/** Every CRD, grouped by set name (the releases depend on whole sets). */
export function installCrds(crds: readonly VendoredCrd[], opts: KubernetesOptions): Map<string, k8s.apiextensions.v1.CustomResourceDefinition[]> {
  const bySet = new Map<string, k8s.apiextensions.v1.CustomResourceDefinition[]>();
  for (const crd of crds) {
    const { apiVersion, kind, metadata, spec } = crd.object;
    const resource = new k8s.apiextensions.v1.CustomResourceDefinition(
      crd.name,
      // The vendored object as verified by loadVendoredCrds (checksum, kind, name), written
      // over a kubectl-applied older bundle with force (bootstrap/handoff-objects.ts). What
      // runs is unknown here (no live read in the program; none possible at a first preview):
      // a newer, other-channel or more-than-one-minor-older bundle is refused before the adopt
      // up by the migration compare (tools/migration/crd-bundles.ts), the runbook's gate.
      { apiVersion, kind, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), ...PROGRAM_WRITE_ANNOTATIONS } }, spec } as CrdArgs,
      { provider: opts.provider, parent: opts.parent, retainOnDelete: true },
    );
    bySet.set(crd.set, [...(bySet.get(crd.set) ?? []), resource]);
  }
  return bySet;
}
