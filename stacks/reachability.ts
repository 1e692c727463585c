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
  const named = namedInterfaces(nodes);
  if (named.length === 0) return undefined;
  return named.length === 1 ? named[0] : `(${named.map((n) => n.replace(/[.]/g, "\\.")).join("|")})`;
}

function namedInterfaces(nodes: RawStackConfig["nodes"]): string[] {
  return [...new Set(nodes.flatMap((n) => (n.interface ? [n.interface] : [])))].sort();
}

/**
 * Cilium's `devices` (the links its datapath runs on), pinned to the links that carry the
 * node addresses: the bond, or the `interface` of every node. Never a bond member or a
 * VLAN without an address. Undefined when config does not name every node's link (the
 * platform configures some or all of them): `devices` is one list for every node, and a
 * node whose link is not in it would run Cilium on none, so Cilium detects them instead.
 * Once set, L2 announcements work only on a link in the list (cilium/cilium
 * Documentation/network/l2-announcements.rst, "Interfaces"): the announce interface
 * above is then always one of these.
 */
export function ciliumDevices(network: NetworkConfig, nodes: RawStackConfig["nodes"]): string[] | undefined {
  if (network.bond) return [network.bond.name];
  const named = namedInterfaces(nodes);
  return named.length > 0 && nodes.every((n) => n.interface) ? named : undefined;
}

/** A link the program leaves alone cannot be the one that carries the node addresses. */
export function checkDevices(config: Pick<RawStackConfig, "network" | "nodes">): Problem[] {
  const { network, nodes } = config;
  const links = network.bond ? [network.bond.name] : namedInterfaces(nodes);
  return links
    .filter((link) => network.ignoredInterfaces.includes(link))
    .map((link) => ({ path: "network.ignoredInterfaces", message: `lists ${link}, which carries the node addresses (and runs Cilium's datapath)` }));
}

/** Nodes that name their interface beside nodes that do not: Cilium's devices are left to detection. */
export function deviceWarnings(config: Pick<RawStackConfig, "network" | "nodes">): Problem[] {
  const { network, nodes } = config;
  if (network.bond || ciliumDevices(network, nodes) || namedInterfaces(nodes).length === 0) return [];
  const unnamed = nodes.flatMap((n, i) => (n.interface ? [] : [`nodes[${i}]`]));
  return [
    {
      path: "nodes",
      message:
        `${unnamed.join(", ")} name no interface while other nodes do: Cilium's devices (one list for every node) ` +
        "are left to its detection instead of pinned; name every node's interface to pin them",
    },
  ];
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
  const problems: Problem[] = checkDevices(config);
  const subnet = parseCidr(config.network.nodeSubnet);
  if (!subnet) return problems;
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
