/**
 * The Cilium 1.20 values this component owns: cluster identity, the native-routing CIDR,
 * the node devices (from config),
 * the pinned maxConnectedClusters and, with the mesh on, the clustermesh-apiserver, this
 * cluster's own CA, the trust bundle with the peers' CA certificates and the peer list.
 * Pure, so the same function serves the bootstrap release and the Flux valuesFrom Secret.
 */
import type { Values } from "../../lib/values";
import { MAX_CONNECTED_CLUSTERS } from "./contract";

/** Cilium's default: regenerate the apiserver certificates every four months. */
export const CERT_SCHEDULE = "0 0 1 */4 *";

/** Cilium LB-IPAM's request annotation (`io.cilium/lb-ipam-ips` is its older alias). */
export const LB_IPAM_IPS = "lbipam.cilium.io/ips";

export interface CiliumMeshValuesArgs {
  readonly cluster: { readonly name: string; readonly id: number };
  readonly nativeRoutingCidr: string;
  /**
   * Cilium's `devices`, when config names the node links; absent, Cilium detects them.
   * Here rather than in the Flux tree, where no substitution variable may be empty.
   */
  readonly devices?: readonly string[];
  /** Absent while the mesh is off. */
  readonly mesh?: {
    readonly apiserverIp: string;
    /** This cluster's own CA, PEM; the chart wants it base64-encoded. */
    readonly ca: { readonly cert: string; readonly key: string };
    /** The meshed peers: where to reach them and their CA certificates (PEM). */
    readonly peers: readonly MeshPeerEndpoint[];
  };
}

export interface MeshPeerEndpoint {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly caCert: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const pemBlock = (pem: string) => (pem.endsWith("\n") ? pem : `${pem}\n`);

/** This cluster's CA first, then each meshed peer's, as one PEM bundle. */
export function trustBundle(ownCaCert: string, peerCaCerts: readonly string[]): string {
  return [ownCaCert, ...peerCaCerts].map(pemBlock).join("");
}

export function ciliumMeshValues(args: CiliumMeshValuesArgs): Values {
  const base: Values = {
    cluster: { name: args.cluster.name, id: args.cluster.id },
    ipv4NativeRoutingCIDR: args.nativeRoutingCidr,
    // A comma-separated list (cilium/cilium v1.20 values.yaml `devices`).
    ...(args.devices && args.devices.length > 0 ? { devices: args.devices.join(",") } : {}),
    // Pinned whether meshed or not: a running cluster cannot change it later.
    clustermesh: { maxConnectedClusters: MAX_CONNECTED_CLUSTERS },
  };
  const mesh = args.mesh;
  if (!mesh) return base;
  return {
    ...base,
    tls: {
      // This cluster's own CA: the chart renders it as Secret cilium-ca, which certgen
      // signs this cluster's server and client certificates with.
      ca: { cert: b64(mesh.ca.cert), key: b64(mesh.ca.key) },
      // The trust bundle replaces the `ca.crt` of the clustermesh (and Hubble)
      // certificates (cilium/cilium v1.20 values.yaml `tls.caBundle`; `content` makes the
      // chart write ConfigMap cilium-root-ca.crt): this cluster's etcd accepts peers'
      // client certificates and its agents accept peers' servers, each signed by that
      // peer's own CA, so no CA key is shared.
      caBundle: { enabled: true, content: trustBundle(mesh.ca.cert, mesh.peers.map((p) => p.caCert)) },
    },
    clustermesh: {
      maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
      useAPIServer: true,
      apiserver: {
        // The chart's Service listens on 2379; LB-IPAM gives it the configured address.
        service: { type: "LoadBalancer", annotations: { [LB_IPAM_IPS]: mesh.apiserverIp } },
        tls: {
          // `cluster`: each peer authenticates as remote-<its name>, and etcd users exist
          // only for the clusters listed in clustermesh.config.clusters (values.yaml
          // `clustermesh.apiserver.tls.authMode`; the chart default is `migration`). With
          // one CA per cluster it isolates nothing between peers: etcd takes the user from
          // the certificate's CN and trusts every CA in the bundle (README, "What
          // authMode: cluster does here").
          authMode: "cluster",
          // cronJob: certificates are issued in the cluster by certgen (a Job at install,
          // then a CronJob on the schedule), so the rendered manifests carry no leaf key
          // and stay the same from render to render; `helm` would re-issue on every render.
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
