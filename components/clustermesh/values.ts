/**
 * The Cilium 1.20 values this component owns: cluster identity, the native-routing CIDR
 * and, once meshed, the clustermesh-apiserver, the shared CA and the peer list. Pure, so
 * the same function serves the bootstrap release and the Flux valuesFrom Secret.
 */
import { MeshCa } from "./contract";

export type HelmValues = { [key: string]: unknown };

/** Cilium's default: regenerate the apiserver certificates every four months. */
export const CERT_SCHEDULE = "0 0 1 */4 *";

/** Cilium LB-IPAM's request annotation (`io.cilium/lb-ipam-ips` is its older alias). */
export const LB_IPAM_IPS = "lbipam.cilium.io/ips";

export interface MeshPeerEndpoint {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

export interface CiliumMeshValuesArgs {
  readonly cluster: { readonly name: string; readonly id: number };
  readonly nativeRoutingCidr: string;
  /** Absent while this cluster is not meshed (mesh off, or no CA yet). */
  readonly mesh?: {
    readonly apiserverIp: string;
    /** PEM; the chart wants it base64-encoded. */
    readonly ca: MeshCa;
    readonly peers: readonly MeshPeerEndpoint[];
  };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export function ciliumMeshValues(args: CiliumMeshValuesArgs): HelmValues {
  const base: HelmValues = {
    cluster: { name: args.cluster.name, id: args.cluster.id },
    ipv4NativeRoutingCIDR: args.nativeRoutingCidr,
  };
  const mesh = args.mesh;
  if (!mesh) return base;
  return {
    ...base,
    // The shared CA: the chart renders it as Secret cilium-ca, which certgen signs with.
    tls: { ca: { cert: b64(mesh.ca.cert), key: b64(mesh.ca.key) } },
    clustermesh: {
      useAPIServer: true,
      apiserver: {
        // The chart's Service listens on 2379; LB-IPAM gives it the configured address.
        service: { type: "LoadBalancer", annotations: { [LB_IPAM_IPS]: mesh.apiserverIp } },
        // cronJob: certificates are issued in the cluster by certgen (a post-install/upgrade
        // Job, then on the schedule), so the rendered manifests carry no key material and
        // stay the same from render to render; `helm` would re-issue on every render.
        tls: {
          auto: { enabled: true, method: "cronJob", schedule: CERT_SCHEDULE, server: { extraIpAddresses: [mesh.apiserverIp] } },
        },
      },
      config: {
        enabled: true,
        // With `ips`, agents dial <name>.mesh.cilium.io (the server certificate's SAN)
        // through a host alias to the peer's address.
        clusters: mesh.peers.map((p) => ({ name: p.name, port: p.port, ips: [p.address] })),
      },
    },
  };
}
