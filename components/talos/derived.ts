/**
 * The machine-config documents whose values come from stack config, so they are never
 * written twice: cluster CIDRs, cert SAN, node labels, install image and disk, the
 * kubelet and etcd subnets, nameservers and time servers, udev rules.
 */
import { stringify } from "yaml";
import type { Mapping } from "./documents";
import type { NetworkSpec } from "./network";

/** What the derived documents need from stack config (a StackConfig satisfies it). */
export interface DerivationConfig {
  readonly cluster: { readonly name: string; readonly endpoint: string };
  readonly network: NetworkSpec & {
    readonly podCidr: string;
    readonly serviceCidr: string;
    readonly nameservers: readonly string[];
    readonly timeServers: readonly string[];
  };
  /** udev rules of every node; absent or empty: no udev section. */
  readonly talos?: { readonly udevRules?: readonly string[] };
}

export interface DerivedNode {
  readonly address: string;
  readonly role: "controlplane" | "worker";
  /** Absent: a node that does not install (a container); the install section is left out. */
  readonly installDiskModel?: string;
}

/** Host part of the API endpoint: the apiserver certificate must name it. */
export function endpointHost(endpoint: string): string {
  return new URL(endpoint).hostname;
}

/** Topology zone label: `m` for control-plane nodes, `w` for workers (as the running clusters label them). */
function zone(role: DerivedNode["role"]): string {
  return role === "controlplane" ? "m" : "w";
}

/** The v1alpha1 (machine/cluster) part for one node. */
export function derivedMachineConfig(config: DerivationConfig, node: DerivedNode, installerImage: string): Mapping {
  const controlPlane = node.role === "controlplane";
  const udevRules = config.talos?.udevRules ?? [];
  return {
    machine: {
      ...(node.installDiskModel ? { install: { image: installerImage, diskSelector: { model: node.installDiskModel } } } : {}),
      ...(udevRules.length > 0 ? { udev: { rules: [...udevRules] } } : {}),
      kubelet: { nodeIP: { validSubnets: [config.network.nodeSubnet] } },
      nodeLabels: {
        "topology.kubernetes.io/region": config.cluster.name,
        "topology.kubernetes.io/zone": zone(node.role),
        cluster: config.cluster.name,
      },
    },
    cluster: {
      network: { podSubnets: [config.network.podCidr], serviceSubnets: [config.network.serviceCidr] },
      ...(controlPlane
        ? {
            apiServer: { certSANs: [endpointHost(config.cluster.endpoint)] },
            etcd: { advertisedSubnets: [config.network.nodeSubnet] },
          }
        : {}),
    },
  };
}

/** Host resolver and time sync documents (the same on every node). */
export function derivedNetworkDocuments(config: DerivationConfig): Mapping[] {
  return [
    {
      apiVersion: "v1alpha1",
      kind: "ResolverConfig",
      nameservers: config.network.nameservers.map((address) => ({ address })),
      // No search domain: names are not derived from the hostname's FQDN.
      searchDomains: { disableDefault: true },
    },
    {
      apiVersion: "v1alpha1",
      kind: "TimeSyncConfig",
      ntp: { servers: [...config.network.timeServers] },
    },
  ];
}

/** One multi-document patch holding every derived document of a node. */
export function derivedPatch(config: DerivationConfig, node: DerivedNode, installerImage: string): string {
  return [derivedMachineConfig(config, node, installerImage), ...derivedNetworkDocuments(config)]
    .map((doc) => stringify(doc))
    .join("---\n");
}
