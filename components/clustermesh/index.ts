/**
 * ClusterMesh for one cluster: its own CA (the key stays here), this cluster's contract
 * for its peers (with the CA certificate), and the Cilium values, written in the cluster
 * as the one Secret both the bootstrap release and the Flux HelmRelease (valuesFrom)
 * read. Peers come resolved from `resolveMeshPeers`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { PROGRAM_WRITE_ANNOTATIONS } from "../../bootstrap/handoff-objects";
import { generateMeshCa } from "./ca";
import { CONTRACT_OUTPUT, MeshContract } from "./contract";
import { MeshPeers } from "./peers";
import type { Values } from "../../lib/values";
import { ciliumMeshValues } from "./values";

export { CONTRACT_OUTPUT, MAX_CONNECTED_CLUSTERS } from "./contract";
export type { MeshContract } from "./contract";
export { MeshError, resolveMeshPeers } from "./peers";
export type { MeshPeers } from "./peers";
export type { Values } from "../../lib/values";

/** The Secret the Cilium HelmRelease names in `valuesFrom` (same namespace as the release). */
export const VALUES_SECRET = { name: "cilium-clustermesh-values", namespace: "kube-system", key: "values.yaml" } as const;

export interface ClusterMeshArgs {
  /** Cilium cluster name and id. */
  readonly cluster: { readonly name: string; readonly id: number };
  readonly mesh: MeshPeers;
  /** Cilium's `devices` from config (the node links); undefined: Cilium detects them. */
  readonly devices?: readonly string[];
  /** The cluster's provider; without it only `values` exists (nothing is written in-cluster). */
  readonly kubernetesProvider?: k8s.Provider;
}

export class ClusterMesh extends pulumi.ComponentResource {
  /** The generated Cilium values; a secret, as they carry this cluster's CA key once meshed. */
  readonly values: pulumi.Output<Values>;
  /** `kube-system/cilium-clustermesh-values`; the bootstrap Cilium release depends on it. */
  readonly valuesSecret?: k8s.core.v1.Secret;
  /** `clustermesh` (the contract, plain: no key) when the mesh is on. */
  readonly stackOutputs: Record<string, unknown>;

  constructor(name: string, args: ClusterMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:clustermesh:ClusterMesh", name, {}, opts);
    const { cluster, mesh, devices } = args;
    const nativeRoutingCidr = mesh.nativeRoutingCidr;
    const own = mesh.contract;
    const ca = own ? generateMeshCa(cluster.name, this) : undefined;
    const peers = mesh.peers.map((p) => ({
      name: p.contract.name,
      address: p.contract.apiserver.address,
      port: p.contract.apiserver.port,
      caCert: p.contract.caCert,
    }));
    // Applied on a secret, so the values are a secret whether meshed or not.
    this.values =
      own && ca
        ? pulumi
            .secret(pulumi.all([ca.cert, ca.key]))
            .apply(([cert, key]) => ciliumMeshValues({ cluster, nativeRoutingCidr, devices, mesh: { apiserverIp: own.apiserver.address, ca: { cert, key }, peers } }))
        : pulumi.secret(nativeRoutingCidr).apply(() => ciliumMeshValues({ cluster, nativeRoutingCidr, devices }));

    // Written whether meshed or not: the HelmRelease takes its native-routing CIDR from here.
    if (args.kubernetesProvider) {
      this.valuesSecret = new k8s.core.v1.Secret(
        VALUES_SECRET.name,
        {
          metadata: {
            name: VALUES_SECRET.name,
            namespace: VALUES_SECRET.namespace,
            // helm-controller upgrades the release as soon as a watched valuesFrom source changes.
            labels: { "reconcile.fluxcd.io/watch": "Enabled" },
            // Written like every other object the program puts on a running cluster: forced
            // as field manager k8s-gitops (an adopted cluster may hold a copy another manager
            // applied) and never pruned by Flux (bootstrap/handoff-objects.ts).
            annotations: { ...PROGRAM_WRITE_ANNOTATIONS },
          },
          type: "Opaque",
          stringData: { [VALUES_SECRET.key]: pulumi.secret(this.values.apply((v) => stringify(v))) },
        },
        // Cilium cannot run natively routed without these values: never delete them with the stack.
        { parent: this, provider: args.kubernetesProvider, retainOnDelete: true },
      );
    }

    // The contract carries the CA certificate, public by nature; never the key.
    const contract: pulumi.Output<MeshContract> | undefined =
      own && ca ? pulumi.unsecret(ca.cert).apply((caCert): MeshContract => ({ ...own, caCert })) : undefined;
    this.stackOutputs = contract ? { [CONTRACT_OUTPUT]: contract } : {};
    this.registerOutputs({ values: this.values });
  }
}
