/**
 * The objects the program itself writes on a cluster (phase 0 and 2), and how it writes
 * them. Pure: names and annotations, no Pulumi.
 *
 * On an adopted cluster each of them may already exist, owned by another field manager
 * (kubectl applied the Gateway API CRDs; the running Flux applied a Git-managed
 * cluster-settings). pulumi-kubernetes applies server-side and forces conflicts only in
 * preview, so a clean preview would be followed by an `up` failing on conflicts. So every
 * write is forced, under one named field manager (pulumi-kubernetes annotations
 * `pulumi.com/patchForce` and `pulumi.com/patchFieldManager`), and carries Flux's
 * prune-protection, so the running sync's prune at the switch cannot delete it.
 */

/** Named by every Flux Kustomization's postBuild.substituteFrom. */
export const CLUSTER_SETTINGS = { name: "cluster-settings", namespace: "flux-system" } as const;

/** Named by the onepassword ClusterSecretStore (kubernetes/.../external-secrets/stores). */
export const CONNECT_TOKEN = { name: "onepassword-connect-token", namespace: "external-secrets", key: "token" } as const;

/** The field manager of every object the program applies (`kubectl get -o yaml --show-managed-fields`). */
export const FIELD_MANAGER = "k8s-gitops";

/** On every object the program writes: force conflicts as FIELD_MANAGER, never pruned by Flux. */
export const PROGRAM_WRITE_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/patchForce": "true",
  "pulumi.com/patchFieldManager": FIELD_MANAGER,
  "kustomize.toolkit.fluxcd.io/prune": "disabled",
};

/**
 * On cluster-settings only: kustomize-controller skips applying an object whose live copy
 * carries this, so a Git-managed cluster-settings the running tree still lists is no longer
 * written over the program's copy: the program's map is the only one applied.
 */
export const RECONCILE_DISABLED: Readonly<Record<string, string>> = { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" };
