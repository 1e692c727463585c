/**
 * A node's network documents, generated from its config entry and the cluster's
 * `network` section so nothing is written twice: hostname, the bond (or the single
 * interface) with the node address and default route, its VLANs and member ring sizes.
 * Pure: no Pulumi import.
 */
import type { Mapping } from "./documents";

export interface BondSpec {
  readonly name: string;
  readonly mode: string;
  readonly xmitHashPolicy: string;
  readonly lacpRate: string;
  readonly miimon: number;
  readonly updelay: number;
  readonly downdelay: number;
  readonly mtu: number;
  readonly memberRings?: { readonly rx: number; readonly tx: number };
}

export interface NetworkSpec {
  readonly nodeSubnet: string;
  readonly gateway?: string;
  readonly bond?: BondSpec;
  readonly vlans: readonly { readonly id: number; readonly mtu: number }[];
}

export interface NodeNetworkSpec {
  readonly address: string;
  readonly hostname: string;
  readonly bondMembers?: readonly string[];
  readonly interface?: string;
}

const document = (kind: string, body: Mapping): Mapping => ({ apiVersion: "v1alpha1", kind, ...body });

/** Bond modes whose kernel driver uses a transmit hash policy / LACP rate. */
const HASHING_MODES = ["802.3ad", "balance-xor", "balance-tlb", "balance-alb"];

/** The node address and its default route, as Talos documents a default route: no destination. */
function addressing(network: NetworkSpec, node: NodeNetworkSpec): Mapping {
  const prefix = network.nodeSubnet.split("/")[1];
  return {
    addresses: [{ address: `${node.address}/${prefix}` }],
    ...(network.gateway ? { routes: [{ gateway: network.gateway }] } : {}),
  };
}

function bondDocuments(bond: BondSpec, network: NetworkSpec, node: NodeNetworkSpec, members: readonly string[]): Mapping[] {
  return [
    // Members by kernel name: every Talos from 1.12 resolves them (a `%d` alias is 1.13-only).
    document("BondConfig", {
      name: bond.name,
      links: [...members],
      bondMode: bond.mode,
      ...(HASHING_MODES.includes(bond.mode) ? { xmitHashPolicy: bond.xmitHashPolicy } : {}),
      ...(bond.mode === "802.3ad" ? { lacpRate: bond.lacpRate } : {}),
      miimon: bond.miimon,
      updelay: bond.updelay,
      downdelay: bond.downdelay,
      mtu: bond.mtu,
      ...addressing(network, node),
    }),
    // Tagged VLANs on the bond, no address of their own.
    ...network.vlans.map((vlan) =>
      document("VLANConfig", { name: `${bond.name}.${vlan.id}`, vlanID: vlan.id, parent: bond.name, mtu: vlan.mtu }),
    ),
    ...(bond.memberRings
      ? members.map((link) => document("EthernetConfig", { name: link, rings: { rx: bond.memberRings?.rx, tx: bond.memberRings?.tx } }))
      : []),
  ];
}

/**
 * Hostname, then the links. With neither bond members nor an interface no link document
 * is emitted: the platform configures the network (containers, DHCP).
 */
export function nodeNetworkDocuments(network: NetworkSpec, node: NodeNetworkSpec): Mapping[] {
  // The generated config carries `HostnameConfig {auto: stable}`; a static hostname turns it off.
  const docs: Mapping[] = [document("HostnameConfig", { auto: "off", hostname: node.hostname })];
  if (network.bond && node.bondMembers) docs.push(...bondDocuments(network.bond, network, node, node.bondMembers));
  else if (node.interface) docs.push(document("LinkConfig", { name: node.interface, ...addressing(network, node) }));
  return docs;
}
