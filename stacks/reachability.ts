/**
 * Whether the LoadBalancer addresses others must reach are reachable from the node
 * subnet. Pure: config in, problems out.
 *
 * An address inside network.nodeSubnet is on-link for every host of that subnet (the
 * other cluster's nodes dialling the clustermesh-apiserver, clients of the Gateways):
 * they ask for it by ARP and never go through the router that BGP informs. LB-IPAM only
 * allocates it; a node answers ARP for it only under Cilium L2 announcements
 * (cilium/cilium Documentation/network/l2-announcements.rst; cilium/cilium#39023), which
 * the cilium/l2 policies turn on for these Services on the interface below.
 */
import { contains, ipToInt, parseCidr } from "../lib/net";
import { Problem } from "./validate";
import { RawStackConfig } from "./schema";

type NetworkConfig = RawStackConfig["network"];
/** The sections the check reads (validate.ts runs it only when they all parsed). */
type ReachabilityConfig = Pick<RawStackConfig, "network" | "nodes" | "cilium" | "clustermesh">;

/**
 * The node interface(s) that carry the node addresses, where L2 announcements answer
 * ARP: the bond when network.bond is set (the generated BondConfig carries the address),
 * else the `interface` the nodes name (a regex alternation when they differ), else none:
 * the platform configures the network and config cannot say which link has the address.
 * Substituted into `^${CILIUM_L2_INTERFACE}$` of the cilium/l2 policies.
 */
export function announceInterface(network: NetworkConfig, nodes: RawStackConfig["nodes"]): string | undefined {
  if (network.bond) return network.bond.name;
  const named = [...new Set(nodes.flatMap((n) => (n.interface ? [n.interface] : [])))].sort();
  if (named.length === 0) return undefined;
  return named.length === 1 ? named[0] : `(${named.map((n) => n.replace(/[.]/g, "\\.")).join("|")})`;
}

/** The addresses of this cluster that hosts outside it must reach, by config path. */
function reachedAddresses(config: ReachabilityConfig): [string, string][] {
  return [
    ...(config.clustermesh.enabled && config.clustermesh.apiserverIp ? [["clustermesh.apiserverIp", config.clustermesh.apiserverIp] as [string, string]] : []),
    ["cilium.gateways.external", config.cilium.gateways.external],
    ["cilium.gateways.internal", config.cilium.gateways.internal],
  ];
}

export function checkReachability(config: ReachabilityConfig): Problem[] {
  const subnet = parseCidr(config.network.nodeSubnet);
  if (!subnet) return [];
  const problems: Problem[] = [];
  const iface = announceInterface(config.network, config.nodes);
  for (const [path, ip] of reachedAddresses(config)) {
    if (!contains(subnet, ip)) continue;
    const n = ipToInt(ip);
    if (subnet.prefix < 31 && (n === subnet.first || n === subnet.last)) {
      problems.push({ path, message: `${ip} is the network or broadcast address of network.nodeSubnet ${subnet.text}; no host can reach it` });
    } else if (!iface) {
      problems.push({
        path,
        message:
          `${ip} is inside network.nodeSubnet ${subnet.text}, where peers and clients reach it by ARP, but no node interface ` +
          "to announce it on follows from config (network.bond or a node's interface); configure one, or move the address out of the node subnet",
      });
    }
  }
  return problems;
}
