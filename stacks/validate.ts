/**
 * Checks across config values: the things a schema of single values cannot see.
 * Each problem names its config path; the caller reports all of them at once. Each rule
 * names the top-level sections it reads and runs only when all of them passed the schema,
 * so one broken section never stops the rules over the others, nor feeds a rule bad input.
 */
import { checkSchematic } from "../components/talos/schematic";
import { checkClusterPatches, clusterPatchFiles, loadPatchFile, PatchError } from "../components/talos/patches";
import { NodePatch, nodePatchPlan } from "../components/talos/plan";
import { mergedPatchesProblems, nodePatchesProblems } from "../components/talos/rules/check";
import { versionProblems } from "../components/talos/rules/versions";
import { contains, ipToInt, overlaps, parseCidr, Range } from "../lib/net";
import { checkAddresses } from "./addresses";
import { checkReachability, deviceWarnings } from "./reachability";
import { RawStackConfig } from "./schema";
import { hasSections, ParsedSections, SectionName } from "./sections";

export type { Problem } from "../lib/problems";
import type { Problem } from "../lib/problems";

export interface CheckResult {
  readonly problems: Problem[];
  readonly warnings: Problem[];
  /** Rules not run because a section they read failed the schema (its problems say why). */
  readonly skipped: string[];
}

/** Stands in for the installer image (known only at run time) when the plan is checked. */
const PLACEHOLDER_INSTALLER_IMAGE = "factory.talos.dev/metal-installer/schematic:version";

function duplicates(values: readonly string[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  values.forEach((value, index) => seen.set(value, [...(seen.get(value) ?? []), index]));
  return new Map([...seen].filter(([, indexes]) => indexes.length > 1));
}

interface RuleContext {
  readonly projectRoot: string;
  readonly problem: Report;
  readonly warn: Report;
}

interface Rule {
  readonly name: string;
  readonly reads: readonly SectionName[];
  /** False when a section it reads is missing: the rule did not run. */
  run(sections: ParsedSections, context: RuleContext): boolean;
}

/**
 * A rule over the sections it names. Its check sees only those sections (typed as such), so
 * it cannot read one that failed the schema: a broken section skips the rule instead of
 * feeding it half-parsed values.
 */
function rule<K extends SectionName>(name: string, reads: readonly K[], check: (config: Pick<RawStackConfig, K>, context: RuleContext) => void): Rule {
  return {
    name,
    reads,
    run: (sections, context) => {
      if (!hasSections(sections, reads)) return false;
      check(sections, context);
      return true;
    },
  };
}

const RULES: readonly Rule[] = [
  rule("unique node addresses and hostnames", ["nodes"], (config, { problem }) => {
    for (const [field, indexes] of [
      ["address", duplicates(config.nodes.map((n) => n.address))],
      ["hostname", duplicates(config.nodes.map((n) => n.hostname))],
    ] as const) {
      for (const [value, at] of indexes) {
        for (const i of at.slice(1)) problem(`nodes[${i}].${field}`, `duplicates nodes[${at[0]}].${field} (${value})`);
      }
    }
  }),
  rule("nodes inside the node subnet", ["nodes", "network"], (config, { problem }) => {
    const nodeNet = parseCidr(config.network.nodeSubnet);
    config.nodes.forEach((node, i) => {
      if (nodeNet && !contains(nodeNet, node.address)) {
        problem(`nodes[${i}].address`, `${node.address} is outside network.nodeSubnet ${config.network.nodeSubnet}`);
      }
    });
  }),
  rule("node links", ["network", "nodes"], (config, { problem }) => checkNodeNetworks(config, problem)),
  rule("Talos and Kubernetes versions", ["versions"], (config, { problem, warn }) => {
    const versions = versionProblems(config.versions.talos, config.versions.kubernetes);
    for (const { path: p, message } of versions.problems) problem(p, message);
    for (const { path: p, message } of versions.warnings) warn(p, message);
  }),
  rule("Talos rules on every node's documents", ["cluster", "network", "nodes"], (config, { projectRoot, problem }) => checkTalosRules(config, projectRoot, problem)),
  rule("disjoint node, pod and service networks", ["network"], (config, { problem }) => {
    const networks: [string, ReturnType<typeof parseCidr>][] = [
      ["network.nodeSubnet", parseCidr(config.network.nodeSubnet)],
      ["network.podCidr", parseCidr(config.network.podCidr)],
      ["network.serviceCidr", parseCidr(config.network.serviceCidr)],
    ];
    for (let a = 0; a < networks.length; a++) {
      for (let b = a + 1; b < networks.length; b++) {
        const [pathA, netA] = networks[a];
        const [pathB, netB] = networks[b];
        if (netA && netB && overlaps(netA, netB)) problem(pathB, `${netB.text} overlaps ${pathA} ${netA.text}`);
      }
    }
    const nodeNet = networks[0][1];
    const gateway = config.network.gateway;
    if (nodeNet && gateway && !contains(nodeNet, gateway)) {
      problem("network.gateway", `${gateway} is outside network.nodeSubnet ${config.network.nodeSubnet}`);
    }
  }),
  rule("control-plane nodes", ["nodes"], (config, { problem, warn }) => {
    const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
    if (controlPlanes.length === 0) problem("nodes", "no node has role controlplane");
    else if (controlPlanes.length % 2 === 0) {
      warn("nodes", `${controlPlanes.length} control-plane nodes: an even etcd membership tolerates no more failures than one node fewer`);
    }
  }),
  rule("the bootstrap node", ["cluster", "nodes"], (config, { problem }) => {
    const bootstrap = config.nodes.find((n) => n.address === config.cluster.bootstrapNode);
    if (!bootstrap) problem("cluster.bootstrapNode", `${config.cluster.bootstrapNode} is not one of the nodes`);
    else if (bootstrap.role !== "controlplane") {
      problem("cluster.bootstrapNode", `${config.cluster.bootstrapNode} is a ${bootstrap.role}, not a control-plane node`);
    }
  }),
  rule("the LoadBalancer pool", ["cilium", "nodes", "network", "clustermesh"], (config, { problem }) => {
    const gateway = config.network.gateway;
    const pool: Range = { first: ipToInt(config.cilium.lbPool.start), last: ipToInt(config.cilium.lbPool.end) };
    if (pool.first > pool.last) problem("cilium.lbPool", `start ${config.cilium.lbPool.start} is after end ${config.cilium.lbPool.end}`);
    else {
      config.nodes.forEach((node, i) => {
        if (contains(pool, node.address)) problem("cilium.lbPool", `contains nodes[${i}].address ${node.address}`);
      });
      if (gateway && contains(pool, gateway)) problem("cilium.lbPool", `contains network.gateway ${gateway}`);
      for (const [key, ip] of Object.entries(config.cilium.gateways)) {
        if (!contains(pool, ip)) problem(`cilium.gateways.${key}`, `${ip} is outside cilium.lbPool`);
      }
      const meshIp = config.clustermesh.apiserverIp;
      if (meshIp && !contains(pool, meshIp)) problem("clustermesh.apiserverIp", `${meshIp} is outside cilium.lbPool`);
    }
    const podNet = parseCidr(config.network.podCidr);
    const serviceNet = parseCidr(config.network.serviceCidr);
    if (podNet && overlaps(podNet, pool)) problem("cilium.lbPool", `overlaps network.podCidr ${podNet.text}`);
    if (serviceNet && overlaps(serviceNet, pool)) problem("cilium.lbPool", `overlaps network.serviceCidr ${serviceNet.text}`);
    if (serviceNet && !contains(serviceNet, config.cilium.coredns.clusterIp)) {
      problem("cilium.coredns.clusterIp", `${config.cilium.coredns.clusterIp} is outside network.serviceCidr ${serviceNet.text}`);
    }
  }),
  rule("where the Talos PKI lives", ["talos", "onepassword"], (config, { problem, warn }) => {
    if (config.talos.pki === "adopt" && !config.onepassword.enabled) {
      problem("talos.pki", "adopt reads the Talos PKI from 1Password, but onepassword.enabled is false");
    }
    if (config.talos.pki === "generate" && !config.onepassword.enabled) {
      warn("talos.pki", "generate without 1Password: the only copy of the cluster PKI is the stack state");
    }
  }),
  // Cluster-wide Talos patches and the Image Factory schematic: files, not config keys.
  rule("cluster-wide Talos patches and the schematic", [], (_config, { projectRoot, problem }) => {
    for (const reason of [...checkClusterPatches(projectRoot), ...checkSchematic(projectRoot)]) problem("talos", reason);
  }),
  rule("the mesh apiserver", ["clustermesh"], (config, { problem }) => {
    if (!config.clustermesh.enabled) return;
    if (!config.clustermesh.apiserverIp) problem("clustermesh.apiserverIp", "is required when clustermesh.enabled is true");
    // The Cilium chart's clustermesh-apiserver Service listens on 2379 only; peers dial this port.
    if (config.clustermesh.apiserverPort !== 2379) {
      problem("clustermesh.apiserverPort", `${config.clustermesh.apiserverPort}: the Cilium chart's clustermesh-apiserver Service listens on 2379 only`);
    }
  }),
  // LoadBalancer addresses in the node subnet must be announced on a node interface.
  rule("reachable LoadBalancer addresses", ["network", "nodes", "cilium", "clustermesh"], (config, { problem, warn }) => {
    for (const p of checkReachability(config)) problem(p.path, p.message);
    for (const w of deviceWarnings(config)) warn(w.path, w.message);
  }),
  // Every assigned address unique, in its range, and not one its range reserves.
  rule("assigned addresses", ["network", "nodes", "cilium", "clustermesh"], (config, { problem }) => {
    for (const p of checkAddresses(config)) problem(p.path, p.message);
  }),
];

/**
 * Every rule whose sections all parsed; `sections` may be a whole RawStackConfig. Problem
 * paths are inside the namespace (`nodes[1].address`).
 */
export function checkStackConfig(sections: ParsedSections, projectRoot: string): CheckResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const context: RuleContext = {
    projectRoot,
    problem: (path, message) => problems.push({ path, message }),
    warn: (path, message) => warnings.push({ path, message }),
  };
  const skipped = RULES.filter((r) => !r.run(sections, context)).map((r) => `${r.name} (reads ${r.reads.filter((s) => sections[s] === undefined).join(", ")})`);
  return { problems, warnings, skipped };
}

type Report = (path: string, message: string) => void;

/** How each node's links come from config: bond members, one interface, or the platform. */
function checkNodeNetworks(config: Pick<RawStackConfig, "network" | "nodes">, problem: Report): void {
  const { bond, vlans, ignoredInterfaces, gateway } = config.network;
  if (!bond && vlans.length > 0) problem("network.vlans", "VLANs sit on the bond, but network.bond is not set");
  config.nodes.forEach((node, i) => {
    const at = `nodes[${i}]`;
    if (node.bondMembers && node.interface) problem(at, "sets both bondMembers and interface; the address sits on one of them");
    if (bond && !node.bondMembers) problem(`${at}.bondMembers`, `is required: network.bond ${bond.name} carries every node's address`);
    if (!bond && node.bondMembers) problem(`${at}.bondMembers`, "needs network.bond (mode, MTU, ...)");
    if (node.bondMembers && node.bondMembers.includes(bond?.name ?? "")) problem(`${at}.bondMembers`, "names the bond itself");
    if (node.bondMembers && new Set(node.bondMembers).size !== node.bondMembers.length) problem(`${at}.bondMembers`, "names a link twice");
    const links = [...(node.bondMembers ?? []), ...(node.interface ? [node.interface] : [])];
    for (const link of links.filter((l) => ignoredInterfaces.includes(l))) {
      problem(at, `configures ${link}, which network.ignoredInterfaces leaves alone`);
    }
    if (links.length > 0 && !gateway) problem("network.gateway", `is required: nodes[${i}] configures its address on ${links.join(", ")} and needs a default route`);
  });
}

/** Every document every node is sent, against the Talos rules; cluster-wide files once. */
function checkTalosRules(config: Pick<RawStackConfig, "cluster" | "network" | "nodes">, projectRoot: string, problem: Report): void {
  const clusterFilesBroken = checkClusterPatches(projectRoot).length > 0; // reported below with the schematic
  const clusterFiles = new Set<string>();
  config.nodes.forEach((node, i) => {
    let plan: NodePatch[];
    try {
      plan = nodePatchPlan(projectRoot, config, node, PLACEHOLDER_INSTALLER_IMAGE);
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      if (!clusterFilesBroken || !clusterPatchFiles(projectRoot, node.role).includes(err.file)) problem(`nodes[${i}]`, `node ${node.hostname}: ${err.message}`);
      return;
    }
    const shared = new Set(clusterPatchFiles(projectRoot, node.role));
    shared.forEach((f) => clusterFiles.add(f));
    const own = plan.filter((p) => !shared.has(p.source));
    for (const reason of nodePatchesProblems(own, config.network.ignoredInterfaces)) problem(`nodes[${i}]`, `node ${node.hostname}: ${reason}`);
    if (!clusterFilesBroken) for (const reason of mergedPatchesProblems(plan)) problem(`nodes[${i}]`, `node ${node.hostname}: ${reason}`);
  });
  if (clusterFilesBroken) return;
  const patches = [...clusterFiles].sort().map((file) => ({ source: file, text: loadPatchFile(projectRoot, file).text }));
  for (const reason of nodePatchesProblems(patches, config.network.ignoredInterfaces)) problem("talos", reason);
}
