/**
 * Phase 0: the CRD sets of bootstrap/crds.yaml, each applied from its pinned upstream
 * manifests as one yaml/v2 ConfigGroup. A release depends on exactly the sets it lists, so
 * Helm renders it (Cilium's ServiceMonitor capability check, external-secrets'
 * skip-if-missing) only after the API serves those kinds.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CrdSet } from "../../bootstrap/plan";

export interface KubernetesOptions {
  readonly provider: k8s.Provider;
  readonly parent: pulumi.Resource;
  /** The cluster already runs: its Helm releases exist (Flux owns them) and are imported. */
  readonly adoptExisting?: boolean;
}

/** One ConfigGroup per CRD set, by set name. */
export function installCrdSets(sets: readonly CrdSet[], opts: KubernetesOptions): Map<string, k8s.yaml.v2.ConfigGroup> {
  return new Map(
    sets.map((set) => [
      set.name,
      new k8s.yaml.v2.ConfigGroup(
        `crds-${set.name}`,
        { files: [...set.manifests] },
        {
          provider: opts.provider,
          parent: opts.parent,
          // Deleting a CRD deletes every object of its kinds, so a destroyed stack or a
          // removed set must leave the CRDs in place. Whether the group's objects inherit
          // this is up to the provider (pulumi-kubernetes#3065 declined to pass it on;
          // pulumi/pulumi#19654 reports Go children inheriting it): see bootstrap/README.md.
          retainOnDelete: true,
        },
      ),
    ]),
  );
}
