/**
 * Data: the Kubernetes versions each Talos minor supports, as siderolabs/talos declares
 * them in pkg/machinery/compatibility/talos1NN/talos1NN.go (MinimumKubernetesVersion,
 * MaximumKubernetesVersion; read at tag v1.13.9). Add a row when a new Talos minor is pinned.
 */
export interface KubernetesSupport {
  /** Talos `major.minor`. */
  readonly talos: string;
  /** Lowest and highest Kubernetes `major.minor` supported (patch releases all count). */
  readonly kubernetes: { readonly min: string; readonly max: string };
}

export const KUBERNETES_SUPPORT: readonly KubernetesSupport[] = [
  { talos: "1.11", kubernetes: { min: "1.29", max: "1.34" } },
  { talos: "1.12", kubernetes: { min: "1.30", max: "1.35" } },
  { talos: "1.13", kubernetes: { min: "1.31", max: "1.36" } },
];
