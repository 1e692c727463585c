/**
 * A generated fleet for the benchmark: a temporary copy of the project with extra stacks
 * of any size, derived from a real stack's config, each with its Flux cluster directory
 * (and a per-node Talos override wherever the base stack's first node has one).
 *
 * The copy holds the source tree and a symlink to node_modules; the program loaded from
 * it resolves its PROJECT_ROOT (from __dirname) to the copy, and shares the one installed
 * @pulumi/pulumi (Node resolves the symlink to its real path).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { readProjectConfig } from "../../harness";

/** Not copied: installed packages (linked instead), VCS data and generated output. */
const SKIP = new Set(["node_modules", ".git", "render", "bin", "out", "coverage"]);

export interface Scenario {
  readonly root: string;
  remove(): void;
}

export function copyProject(projectRoot: string): Scenario {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-gitops-bench-"));
  for (const entry of fs.readdirSync(projectRoot)) {
    if (SKIP.has(entry)) continue;
    fs.cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  return { root, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export interface FleetStack {
  /** Stack (and cluster) name. */
  readonly stack: string;
  /** 1-based position in its fleet; picks its networks. */
  readonly index: number;
  readonly nodes: number;
  /** Fleet members, this one included; the first owns the mesh CA. */
  readonly fleet: readonly string[];
  /** Distinguishes fleets of different sizes (cluster ids stay unique). */
  readonly fleetNumber: number;
}

type Config = Record<string, unknown>;

function object(value: unknown, what: string): Config {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`bench: base stack has no ${what}`);
  return value as Config;
}

/** Replaces whole addresses and names in a patch, in one pass so replacements never chain. */
function substitute(text: string, replacements: ReadonlyMap<string, string>): string {
  const keys = [...replacements.keys()].sort((a, b) => b.length - a.length);
  const escaped = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\w.])(${escaped.join("|")})(?![\\w])`, "g");
  return text.replace(pattern, (match) => replacements.get(match) ?? match);
}

/**
 * Writes Pulumi.<stack>.yaml, kubernetes/clusters/<stack>/ and, when the base stack's
 * first node has an override file, talos/<stack>/<ip>.yaml per node into `root`,
 * derived from `baseStack`. Nodes' network documents come from their config entries.
 */
export function writeFleetStack(root: string, baseStack: string, spec: FleetStack): void {
  const namespace = readProjectConfig(root, baseStack).project;
  const key = (name: string) => `${namespace}:${name}`;
  const baseFile = parse(fs.readFileSync(path.join(root, `Pulumi.${baseStack}.yaml`), "utf8")) as { config: Config };
  const base = baseFile.config;
  const cluster = object(base[key("cluster")], "cluster");
  const network = object(base[key("network")], "network");
  const cilium = object(base[key("cilium")], "cilium");
  const baseNodes = base[key("nodes")];
  if (!Array.isArray(baseNodes) || baseNodes.length === 0) throw new Error("bench: base stack has no nodes");
  const template = object(baseNodes[0], "nodes[0]");

  // Nodes from .11 up, the load-balancer pool at .200-.219 of the node /24.
  if (spec.nodes < 1 || spec.nodes > 180) throw new Error(`bench: ${spec.nodes} nodes do not fit the generated /24`);
  const net = `10.${10 + spec.index}.${spec.fleetNumber}`;
  const gateway = `${net}.1`;
  const address = (i: number) => `${net}.${11 + i}`;
  const podCidr = `172.${16 + spec.index}.0.0/16`;
  const serviceNet = `172.${20 + spec.index}`;
  const nodes = Array.from({ length: spec.nodes }, (_, i) => ({
    ...template,
    address: address(i),
    hostname: `${spec.stack}-${String(i + 1).padStart(2, "0")}`,
    role: i < 3 ? "controlplane" : "worker",
  }));

  const config: Config = {
    ...base,
    [key("cluster")]: {
      ...cluster,
      name: spec.stack,
      id: 100 + spec.fleetNumber * 10 + spec.index,
      endpoint: `https://${spec.stack}.bench.invalid:6443`,
      bootstrapNode: address(0),
    },
    [key("network")]: { ...network, nodeSubnet: `${net}.0/24`, gateway, podCidr, serviceCidr: `${serviceNet}.0.0/16` },
    [key("nodes")]: nodes,
    [key("cilium")]: {
      ...cilium,
      coredns: { ...object(cilium.coredns, "cilium.coredns"), clusterIp: `${serviceNet}.0.10` },
      lbPool: { start: `${net}.200`, end: `${net}.219` },
      gateways: { external: `${net}.210`, internal: `${net}.211` },
      bgp: { ...object(cilium.bgp, "cilium.bgp"), peerAddress: gateway },
    },
  };
  if (base[key("onepassword")]) config[key("onepassword")] = { ...object(base[key("onepassword")], "onepassword"), talosItem: `${spec.stack}-talos` };
  if (base[key("flux")]) config[key("flux")] = { ...object(base[key("flux")], "flux"), path: `kubernetes/clusters/${spec.stack}` };
  if (base[key("clustermesh")]) {
    config[key("clustermesh")] = {
      ...object(base[key("clustermesh")], "clustermesh"),
      apiserverIp: `${net}.200`,
      peers: spec.fleet.filter((s) => s !== spec.stack),
    };
  }
  fs.writeFileSync(path.join(root, `Pulumi.${spec.stack}.yaml`), stringify({ config }, { lineWidth: 0 }));

  const baseName = String(cluster.name);
  const baseSubnetPrefix = String(network.nodeSubnet).split("/")[1];
  const templateFile = path.join(root, "talos", baseName, `${String(template.address)}.yaml`);
  if (fs.existsSync(templateFile)) {
    const templatePatch = fs.readFileSync(templateFile, "utf8");
    fs.mkdirSync(path.join(root, "talos", spec.stack), { recursive: true });
    for (const node of nodes) {
      const replacements = new Map([
        [`${String(template.address)}/${baseSubnetPrefix}`, `${node.address}/24`],
        [String(template.address), node.address],
        [String(network.gateway), gateway],
        [String(template.hostname), node.hostname],
      ]);
      fs.writeFileSync(path.join(root, "talos", spec.stack, `${node.address}.yaml`), substitute(templatePatch, replacements));
    }
  }
  const baseClusterDir = path.join(root, "kubernetes", "clusters", baseName);
  if (fs.existsSync(baseClusterDir)) fs.cpSync(baseClusterDir, path.join(root, "kubernetes", "clusters", spec.stack), { recursive: true });
}

/** Stack names of one fleet: `n<nodes>-c<k>`. */
export function fleetStacks(nodes: number, clusters: number): string[] {
  return Array.from({ length: clusters }, (_, k) => `n${nodes}-c${k + 1}`);
}
