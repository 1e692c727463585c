/**
 * The `flux-system/cluster-settings` map: every `${VAR}` the kubernetes/ tree uses,
 * derived from stack config so no value is typed twice. The bootstrap substitutes the
 * same map into chart values, so bootstrap and Flux cannot drift.
 *
 * No value is ever empty: Flux 2.7 substitutes an unset or empty variable as "" (its
 * non-strict envsubst), so an empty FLUX_SYNC_URL would silently drop the FluxInstance's
 * sync and let flux-operator delete the tree. A key without a value is left out, and
 * settingsProblems refuses the run when the tree still uses it.
 */
import { loadBootstrapPlan, suspendSettings, type BootstrapPlan } from "../bootstrap/plan";
import { loadChartSpec } from "../bootstrap/loader";
import { readFluxTree } from "../bootstrap/flux-tree";
import type { Problem } from "../lib/problems";
import type { StackConfig } from "./config";
import { CONFIG_NAMESPACE } from "./errors";
import { dns01Nameservers } from "./dns01";
import { announceInterface } from "./reachability";

/** KubePrism: Talos's on-node API server load balancer, which Cilium uses before kube-proxy exists. */
export const KUBEPRISM = { host: "127.0.0.1", port: 7445 } as const;

/** The flux-operator chart's pin: the FluxInstance fetches the manifests of that release. */
function fluxOperatorVersion(projectRoot: string, plan: BootstrapPlan): string {
  const release = plan.releases.find((r) => r.name === "flux-operator");
  if (!release) throw new Error("bootstrap/releases.yaml: no release flux-operator, whose pin FLUX_OPERATOR_VERSION is");
  // Its folder uses no variable: the bootstrap reads it the same way.
  return loadChartSpec(projectRoot, release.helmRelease, {}).version;
}

/**
 * The config sections cluster-settings is derived from: loadStackConfig checks the settings
 * whenever these parsed, even when other sections did not.
 */
export const SETTINGS_SECTIONS = ["cluster", "network", "nodes", "cilium", "certManager", "onepassword", "flux", "clustermesh"] as const;

/** What clusterSettings reads (a StackConfig satisfies it). */
export type SettingsConfig = Pick<StackConfig, "projectRoot" | (typeof SETTINGS_SECTIONS)[number]>;

export function clusterSettings(config: SettingsConfig): Record<string, string> {
  const { cluster, network, cilium, onepassword, flux, clustermesh } = config;
  const plan = loadBootstrapPlan(config.projectRoot);
  const l2Interface = announceInterface(network, config.nodes);
  const settings: Record<string, string | undefined> = {
    CLUSTER: cluster.name,
    CLUSTER_ID: String(cluster.id),
    POD_CIDR_STRING: network.podCidr,
    SERVICE_CIDR: network.serviceCidr,
    K8S_SERVICE_HOST: KUBEPRISM.host,
    K8S_SERVICE_PORT: String(KUBEPRISM.port),
    COREDNS_CLUSTER_IP: cilium.coredns.clusterIp,
    COREDNS_REPLICAS: String(cilium.coredns.replicas),
    CLUSTERMESH_IP: clustermesh.apiserverIp,
    CILIUM_LB_POOL_START: cilium.lbPool.start,
    CILIUM_LB_POOL_END: cilium.lbPool.end,
    CILIUM_BGP_LOCAL_ASN: String(cilium.bgp.localAsn),
    CILIUM_BGP_PEER_ASN: String(cilium.bgp.peerAsn),
    CILIUM_BGP_PEER_ADDRESS: cilium.bgp.peerAddress,
    CILIUM_GATEWAY_LB_IP_EXTERNAL: cilium.gateways.external,
    CILIUM_GATEWAY_LB_IP_INTERNAL: cilium.gateways.internal,
    // The node interface the cilium/l2 policies announce LoadBalancer addresses on; with
    // none (the platform configures the links) the cilium-l2 Kustomization is suspended.
    CILIUM_L2_INTERFACE: l2Interface,
    CILIUM_L2_SUSPEND: String(l2Interface === undefined),
    ONEPASSWORD_CONNECT_HOST: onepassword.connectHost,
    ONEPASSWORD_VAULT_NAME: onepassword.clusterVault,
    SECRET_DOMAIN: cluster.domain,
    // cert-manager's DNS-01 self-check resolvers (stacks/dns01.ts); never empty.
    CERT_MANAGER_DNS01_RECURSIVE_NAMESERVERS: dns01Nameservers(config.certManager, network.nameservers).join(","),
    CERT_MANAGER_DNS01_RECURSIVE_NAMESERVERS_ONLY: String(config.certManager.dns01RecursiveNameserversOnly),
    FLUX_SYNC_URL: flux.repository,
    FLUX_SYNC_REF: flux.ref ?? `refs/heads/${flux.branch}`,
    FLUX_SYNC_PATH: flux.path,
    FLUX_OPERATOR_VERSION: fluxOperatorVersion(config.projectRoot, plan),
    // releases.yaml minNodes, on the Flux side (e.g. SPEGEL_SUSPEND on a single node).
    ...suspendSettings(plan, config.nodes.length),
  };
  return Object.fromEntries(Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
}

/** Where each setting that may be absent comes from, for the error that names it. */
const SOURCE_OF: Readonly<Record<string, string>> = {
  CLUSTERMESH_IP: "clustermesh.apiserverIp",
  CILIUM_L2_INTERFACE: "network.bond (or nodes[].interface)",
};

/**
 * Every variable the cluster's tree uses (from the sync root at flux.path, as Flux builds
 * it) has a non-empty value in cluster-settings, and Flux can build every Kustomization.
 * Decided from config and files alone, before anything is registered.
 */
export function settingsProblems(config: SettingsConfig): Problem[] {
  const settings = clusterSettings(config);
  const tree = readFluxTree(config.projectRoot, config.flux.path, settings);
  return tree.problems.map((p) => {
    const missing = Object.keys(SOURCE_OF).filter((k) => p.message.includes(k) && !(k in settings));
    const where = missing.length > 0 ? missing.map((k) => SOURCE_OF[k]).join(", ") : "flux.path";
    return { path: `${CONFIG_NAMESPACE}:${where}`, message: `${p.file}: ${p.message}` };
  });
}
