/**
 * The `flux-system/cluster-settings` map: every `${VAR}` the kubernetes/ tree uses,
 * derived from stack config so no value is typed twice. The bootstrap substitutes the
 * same map into chart values, so bootstrap and Flux cannot drift.
 */
import { loadBootstrapPlan, suspendSettings } from "../bootstrap/plan";
import type { StackConfig } from "./config";
import { announceInterface } from "./reachability";

/** KubePrism: Talos's on-node API server load balancer, which Cilium uses before kube-proxy exists. */
export const KUBEPRISM = { host: "127.0.0.1", port: 7445 } as const;

export function clusterSettings(config: StackConfig): Record<string, string> {
  const { cluster, network, cilium, onepassword, flux, clustermesh } = config;
  return {
    CLUSTER: cluster.name,
    CLUSTER_ID: String(cluster.id),
    POD_CIDR_STRING: network.podCidr,
    SERVICE_CIDR: network.serviceCidr,
    K8S_SERVICE_HOST: KUBEPRISM.host,
    K8S_SERVICE_PORT: String(KUBEPRISM.port),
    COREDNS_CLUSTER_IP: cilium.coredns.clusterIp,
    COREDNS_REPLICAS: String(cilium.coredns.replicas),
    CLUSTERMESH_IP: clustermesh.apiserverIp ?? "",
    CILIUM_LB_POOL_START: cilium.lbPool.start,
    CILIUM_LB_POOL_END: cilium.lbPool.end,
    CILIUM_BGP_LOCAL_ASN: String(cilium.bgp.localAsn),
    CILIUM_BGP_PEER_ASN: String(cilium.bgp.peerAsn),
    CILIUM_BGP_PEER_ADDRESS: cilium.bgp.peerAddress,
    CILIUM_GATEWAY_LB_IP_EXTERNAL: cilium.gateways.external,
    CILIUM_GATEWAY_LB_IP_INTERNAL: cilium.gateways.internal,
    // The node interface the cilium/l2 policies announce LoadBalancer addresses on.
    CILIUM_L2_INTERFACE: announceInterface(network, config.nodes) ?? "",
    ONEPASSWORD_CONNECT_HOST: onepassword.connectHost,
    ONEPASSWORD_VAULT_NAME: onepassword.clusterVault,
    SECRET_DOMAIN: cluster.domain,
    FLUX_SYNC_URL: flux.repository,
    FLUX_SYNC_REF: flux.ref ?? `refs/heads/${flux.branch}`,
    FLUX_SYNC_PATH: flux.path,
    // releases.yaml minNodes, on the Flux side (e.g. SPEGEL_SUSPEND on a single node).
    ...suspendSettings(loadBootstrapPlan(config.projectRoot), config.nodes.length),
  };
}
