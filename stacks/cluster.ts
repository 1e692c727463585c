/**
 * One cluster from components, in the order of design.md's flow. No branch on the
 * stack name: everything that differs between clusters comes from config.
 *
 * Wiring contract between components (each section is owned by one component):
 *  - secrets (components/onepassword, components/cloudflare): providers, reads of
 *    bootstrap secrets, writes of generated material; absent when disabled.
 *  - talos (components/talos): PKI (generate or adopt from the 1Password fields),
 *    machine configs, apply, bootstrap, health gate, kubeconfig, Kubernetes provider.
 *  - mesh (components/clustermesh): shared CA, peer contract, Cilium mesh values.
 *  - bootstrap (components/bootstrap): phase 0 CRDs, phase 1 charts, phase 2 hand-off.
 */
import { onePasswordProvider } from "../components/onepassword/provider";
import { StackConfig } from "./config";
import { clusterSettings } from "./settings";

export interface ClusterOutputs {
  readonly nodes: { address: string; hostname: string; role: string }[];
  readonly [name: string]: unknown;
}

export function buildCluster(config: StackConfig): ClusterOutputs {
  const settings = clusterSettings(config);
  void settings;

  // [secrets] 1Password and Cloudflare providers and reads.
  const onepassword = config.credentials.onepassword
    ? onePasswordProvider("onepassword", config.credentials.onepassword)
    : undefined;
  void onepassword;

  // [talos] Talos cluster: PKI, configs, apply, bootstrap, health, kubeconfig, provider.

  // [mesh] ClusterMesh: CA, peers, Cilium values.

  // [bootstrap] CRDs, charts, hand-off to Flux.

  // [edge] Cloudflare tunnel and scoped tokens; writes to 1Password.

  return {
    nodes: config.nodes.map((n) => ({ address: n.address, hostname: n.hostname, role: n.role })),
  };
}
