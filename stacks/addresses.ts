/**
 * Every address the program assigns, checked together: unique where two users of one
 * address break each other, inside the range its consumer allocates from, and never an
 * address that range reserves. Pure: config in, problems out. (Which LoadBalancer
 * addresses are reachable from the node subnet is reachability.ts.)
 */
import { contains, ipToInt, isNetworkOrBroadcast, nthAddress, parseCidr } from "../lib/net";
import type { Problem } from "../lib/problems";
import { RawStackConfig } from "./schema";

/**
 * The widest IPv4 service CIDR kube-apiserver accepts: a prefix of at least /12
 * (cmd/kube-apiserver/app/options/validation.go validateMaxCIDRRange with maxCIDRBits 20:
 * "specified --service-cluster-ip-range is too large").
 */
export const MIN_SERVICE_CIDR_PREFIX = 12;

/** The sections the check reads (validate.ts runs it only when they all parsed). */
type AddressConfig = Pick<RawStackConfig, "network" | "nodes" | "cilium" | "clustermesh">;

interface Assigned {
  readonly path: string;
  readonly ip: string;
}

/**
 * The LoadBalancer Services that request a fixed address (annotation lbipam.cilium.io/ips
 * or a Gateway's spec.addresses). Cilium LB-IPAM gives one address to one Service unless
 * both carry the same lbipam.cilium.io/sharing-key (docs.cilium.io network/lb-ipam,
 * "Sharing Keys"); the program sets none, so the second Service would stay pending.
 */
function loadBalancerServices(config: AddressConfig): Assigned[] {
  return [
    { path: "cilium.gateways.external", ip: config.cilium.gateways.external },
    { path: "cilium.gateways.internal", ip: config.cilium.gateways.internal },
    ...(config.clustermesh.enabled && config.clustermesh.apiserverIp ? [{ path: "clustermesh.apiserverIp", ip: config.clustermesh.apiserverIp }] : []),
  ];
}

/** Hosts on the node subnet: the nodes and the default gateway. */
function subnetHosts(config: AddressConfig): Assigned[] {
  return [
    ...config.nodes.map((n, i) => ({ path: `nodes[${i}].address`, ip: n.address })),
    ...(config.network.gateway ? [{ path: "network.gateway", ip: config.network.gateway }] : []),
  ];
}

export function checkAddresses(config: AddressConfig): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const nodeNet = parseCidr(config.network.nodeSubnet);
  const serviceNet = parseCidr(config.network.serviceCidr);

  // The node subnet's network and broadcast addresses belong to no host.
  if (nodeNet) {
    for (const { path, ip } of [...subnetHosts(config), { path: "cilium.bgp.peerAddress", ip: config.cilium.bgp.peerAddress }]) {
      if (contains(nodeNet, ip) && isNetworkOrBroadcast(nodeNet, ip)) {
        problem(path, `${ip} is the network or broadcast address of network.nodeSubnet ${nodeNet.text}, not a host`);
      }
    }
  }

  // Two LoadBalancer Services on one address: the later one never gets it.
  const lb = loadBalancerServices(config);
  lb.forEach((a, i) => {
    const first = lb.findIndex((b) => b.ip === a.ip);
    if (first < i) problem(a.path, `${a.ip} is already ${lb[first].path}: Cilium LB-IPAM gives one address to one LoadBalancer Service`);
  });

  // A LoadBalancer address that a node, the gateway or the BGP router already holds is answered twice.
  const taken = [...subnetHosts(config), { path: "cilium.bgp.peerAddress", ip: config.cilium.bgp.peerAddress }];
  for (const a of lb) {
    const holder = taken.find((t) => t.ip === a.ip);
    if (holder) problem(a.path, `${a.ip} is already ${holder.path}`);
  }

  // The gateway is not a node; the BGP router is neither a node nor in the LB pool.
  const gateway = config.network.gateway;
  config.nodes.forEach((n, i) => {
    if (gateway === n.address) problem("network.gateway", `${gateway} is already nodes[${i}].address`);
    if (config.cilium.bgp.peerAddress === n.address) problem("cilium.bgp.peerAddress", `${n.address} is nodes[${i}].address: the BGP peer is the upstream router, not a node`);
  });
  const pool = { first: ipToInt(config.cilium.lbPool.start), last: ipToInt(config.cilium.lbPool.end) };
  if (pool.first <= pool.last && contains(pool, config.cilium.bgp.peerAddress)) {
    problem("cilium.bgp.peerAddress", `${config.cilium.bgp.peerAddress} is inside cilium.lbPool: LB-IPAM would hand the router's address to a Service`);
  }
  // Every node peers with the router over a directly connected session (CiliumBGPPeerConfig
  // sets no ebgpMultihop, whose default is 1 hop), so the router sits on the node subnet.
  if (nodeNet && !contains(nodeNet, config.cilium.bgp.peerAddress)) {
    problem("cilium.bgp.peerAddress", `${config.cilium.bgp.peerAddress} is outside network.nodeSubnet ${nodeNet.text}: the BGP session is single-hop from every node`);
  }
  // A pool inside the node subnet must not hand out its network or broadcast address.
  if (nodeNet && pool.first <= pool.last) {
    for (const edge of [nodeNet.first, nodeNet.last]) {
      if (nodeNet.prefix < 31 && edge >= pool.first && edge <= pool.last) {
        problem("cilium.lbPool", `contains the network or broadcast address of network.nodeSubnet ${nodeNet.text}`);
      }
    }
  }

  if (serviceNet) {
    if (serviceNet.prefix < MIN_SERVICE_CIDR_PREFIX) {
      problem("network.serviceCidr", `${serviceNet.text} is wider than /${MIN_SERVICE_CIDR_PREFIX}, which kube-apiserver refuses for an IPv4 service range`);
    }
    // kube-apiserver gives the first address after the network address to the `kubernetes`
    // Service (ServiceIPRange: GetIndexedIP(range, 1)); the IPv4 ClusterIP allocator never
    // hands out the network or broadcast address.
    const coredns = config.cilium.coredns.clusterIp;
    const apiserver = nthAddress(serviceNet, 1);
    if (contains(serviceNet, coredns)) {
      if (coredns === apiserver) problem("cilium.coredns.clusterIp", `${coredns} is the first address of network.serviceCidr, which the kubernetes Service takes; use another (e.g. ${nthAddress(serviceNet, 10)})`);
      else if (isNetworkOrBroadcast(serviceNet, coredns)) problem("cilium.coredns.clusterIp", `${coredns} is the network or broadcast address of network.serviceCidr ${serviceNet.text}, which Kubernetes never allocates`);
    }
  }
  return problems;
}
