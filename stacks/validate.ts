/**
 * Checks across config values: the things a schema of single values cannot see.
 * Each problem names its config path; the caller reports all of them at once.
 */
import * as fs from "fs";
import * as path from "path";
import { checkSchematic } from "../components/talos/schematic";
import { checkClusterPatches, checkNodePatch } from "../components/talos/patches";
import { contains, ipToInt, overlaps, parseCidr, Range } from "./net";
import { checkReachability } from "./reachability";
import { RawStackConfig } from "./schema";

export interface Problem {
  readonly path: string;
  readonly message: string;
}

export interface CheckResult {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Where a node's own Talos patch lives, relative to the project root. */
export function nodePatchPath(clusterName: string, address: string): string {
  return path.join("talos", clusterName, `${address}.yaml`);
}

function duplicates(values: readonly string[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  values.forEach((value, index) => seen.set(value, [...(seen.get(value) ?? []), index]));
  return new Map([...seen].filter(([, indexes]) => indexes.length > 1));
}

export function checkStackConfig(config: RawStackConfig, projectRoot: string): CheckResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const problem = (p: string, message: string) => problems.push({ path: p, message });

  const nodeNet = parseCidr(config.network.nodeSubnet);
  const podNet = parseCidr(config.network.podCidr);
  const serviceNet = parseCidr(config.network.serviceCidr);

  for (const [field, indexes] of [
    ["address", duplicates(config.nodes.map((n) => n.address))],
    ["hostname", duplicates(config.nodes.map((n) => n.hostname))],
  ] as const) {
    for (const [value, at] of indexes) {
      for (const i of at.slice(1)) problem(`nodes[${i}].${field}`, `duplicates nodes[${at[0]}].${field} (${value})`);
    }
  }

  config.nodes.forEach((node, i) => {
    if (nodeNet && !contains(nodeNet, node.address)) {
      problem(`nodes[${i}].address`, `${node.address} is outside network.nodeSubnet ${config.network.nodeSubnet}`);
    }
    const patch = nodePatchPath(config.cluster.name, node.address);
    if (!fs.existsSync(path.join(projectRoot, patch))) {
      problem(`nodes[${i}]`, `node ${node.address} has no Talos patch file ${patch}`);
    } else {
      for (const reason of checkNodePatch(projectRoot, patch, node, config.network)) problem(`nodes[${i}]`, reason);
    }
  });

  const networks: [string, ReturnType<typeof parseCidr>][] = [
    ["network.nodeSubnet", nodeNet],
    ["network.podCidr", podNet],
    ["network.serviceCidr", serviceNet],
  ];
  for (let a = 0; a < networks.length; a++) {
    for (let b = a + 1; b < networks.length; b++) {
      const [pathA, netA] = networks[a];
      const [pathB, netB] = networks[b];
      if (netA && netB && overlaps(netA, netB)) problem(pathB, `${netB.text} overlaps ${pathA} ${netA.text}`);
    }
  }

  if (nodeNet && !contains(nodeNet, config.network.gateway)) {
    problem("network.gateway", `${config.network.gateway} is outside network.nodeSubnet ${config.network.nodeSubnet}`);
  }

  const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
  if (controlPlanes.length === 0) problem("nodes", "no node has role controlplane");
  else if (controlPlanes.length % 2 === 0) {
    warnings.push({
      path: "nodes",
      message: `${controlPlanes.length} control-plane nodes: an even etcd membership tolerates no more failures than one node fewer`,
    });
  }
  const bootstrap = config.nodes.find((n) => n.address === config.cluster.bootstrapNode);
  if (!bootstrap) problem("cluster.bootstrapNode", `${config.cluster.bootstrapNode} is not one of the nodes`);
  else if (bootstrap.role !== "controlplane") {
    problem("cluster.bootstrapNode", `${config.cluster.bootstrapNode} is a ${bootstrap.role}, not a control-plane node`);
  }

  const pool: Range = { first: ipToInt(config.cilium.lbPool.start), last: ipToInt(config.cilium.lbPool.end) };
  if (pool.first > pool.last) problem("cilium.lbPool", `start ${config.cilium.lbPool.start} is after end ${config.cilium.lbPool.end}`);
  else {
    config.nodes.forEach((node, i) => {
      if (contains(pool, node.address)) problem("cilium.lbPool", `contains nodes[${i}].address ${node.address}`);
    });
    if (contains(pool, config.network.gateway)) problem("cilium.lbPool", `contains network.gateway ${config.network.gateway}`);
    for (const [key, ip] of Object.entries(config.cilium.gateways)) {
      if (!contains(pool, ip)) problem(`cilium.gateways.${key}`, `${ip} is outside cilium.lbPool`);
    }
    const meshIp = config.clustermesh.apiserverIp;
    if (meshIp && !contains(pool, meshIp)) problem("clustermesh.apiserverIp", `${meshIp} is outside cilium.lbPool`);
  }
  if (podNet && overlaps(podNet, pool)) problem("cilium.lbPool", `overlaps network.podCidr ${podNet.text}`);
  if (serviceNet && overlaps(serviceNet, pool)) problem("cilium.lbPool", `overlaps network.serviceCidr ${serviceNet.text}`);
  if (serviceNet && !contains(serviceNet, config.cilium.coredns.clusterIp)) {
    problem("cilium.coredns.clusterIp", `${config.cilium.coredns.clusterIp} is outside network.serviceCidr ${serviceNet.text}`);
  }

  if (config.talos.pki === "adopt" && !config.onepassword.enabled) {
    problem("talos.pki", "adopt reads the Talos PKI from 1Password, but onepassword.enabled is false");
  }
  if (config.talos.pki === "generate" && !config.onepassword.enabled) {
    warnings.push({ path: "talos.pki", message: "generate without 1Password: the only copy of the cluster PKI is the stack state" });
  }
  // Cluster-wide Talos patches and the Image Factory schematic: files, not config keys.
  for (const reason of [...checkClusterPatches(projectRoot), ...checkSchematic(projectRoot)]) problem("talos", reason);
  if (config.clustermesh.enabled) {
    if (!config.clustermesh.apiserverIp) problem("clustermesh.apiserverIp", "is required when clustermesh.enabled is true");
    // The Cilium chart's clustermesh-apiserver Service listens on 2379 only; peers dial this port.
    if (config.clustermesh.apiserverPort !== 2379) {
      problem("clustermesh.apiserverPort", `${config.clustermesh.apiserverPort}: the Cilium chart's clustermesh-apiserver Service listens on 2379 only`);
    }
  }
  // LoadBalancer addresses in the node subnet must be announced on a node interface.
  problems.push(...checkReachability(config));
  return { problems, warnings };
}
