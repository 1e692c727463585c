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

/**
 * The node interface(s) that carry the node addresses, where L2 announcements answer
 * ARP: the bond when network.bond is set (the generated BondConfig carries the address),
 * else the `interface` the nodes name (a regex alternation when they differ), else none:
 * the platform configures the network and config cannot say which link has the address.
 * Substituted into `^${CILIUM_L2_INTERFACE}$` of the cilium/l2 policies.
 */
export function announceInterface(network: NetworkConfig, nodes: RawStackConfig["nodes"]): string | undefined {
  const named = ciliumDevices(network, nodes);
  if (named === undefined) return undefined;
  return named.length === 1 ? named[0] : `(${named.map((n) => n.replace(/[.]/g, "\\.")).join("|")})`;
}

/**
 * Cilium's `devices` (the links its datapath runs on), pinned to the same links: the bond,
 * or the nodes' `interface`s; undefined when the platform configures the network, and
 * Cilium detects the devices itself. Never a bond member or a VLAN without an address.
 * L2 announcements work only on a link in this list once it is set (cilium/cilium
 * Documentation/network/l2-announcements.rst, "Interfaces"), so both come from here.
 */
export function ciliumDevices(network: NetworkConfig, nodes: RawStackConfig["nodes"]): string[] | undefined {
  if (network.bond) return [network.bond.name];
  const named = [...new Set(nodes.flatMap((n) => (n.interface ? [n.interface] : [])))].sort();
  return named.length > 0 ? named : undefined;
}

/**
 * `devices` is one list for every node: a node whose link config does not name would run
 * Cilium on none of its links, and a link the program leaves alone must not be one.
 */
export function checkDevices(config: RawStackConfig): Problem[] {
  const { network, nodes } = config;
  const problems: Problem[] = [];
  const devices = ciliumDevices(network, nodes);
  if (!devices) return problems;
  if (!network.bond) {
    nodes.forEach((node, i) => {
      if (!node.interface) {
        problems.push({
          path: `nodes[${i}].interface`,
          message: `is required: other nodes name theirs (${devices.join(", ")}), and Cilium's devices, one list for every node, would leave this node's link out`,
        });
      }
    });
  }
  for (const device of devices.filter((d) => network.ignoredInterfaces.includes(d))) {
    problems.push({ path: "network.ignoredInterfaces", message: `lists ${device}, which carries the node addresses and runs Cilium's datapath (devices)` });
  }
  return problems;
}

/** The addresses of this cluster that hosts outside it must reach, by config path. */
function reachedAddresses(config: RawStackConfig): [string, string][] {
  return [
    ...(config.clustermesh.enabled && config.clustermesh.apiserverIp ? [["clustermesh.apiserverIp", config.clustermesh.apiserverIp] as [string, string]] : []),
    ["cilium.gateways.external", config.cilium.gateways.external],
    ["cilium.gateways.internal", config.cilium.gateways.internal],
  ];
}

export function checkReachability(config: RawStackConfig): Problem[] {
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
