/**
 * Patch files under talos/: cluster-wide patches (talos/patches/*.yaml for every node,
 * talos/patches/<role>/*.yaml for one role) and one hand-written patch per node
 * (talos/<cluster>/<ip>.yaml). Loading, and the checks the config check runs before any
 * resource is registered: every problem names its file and the reason.
 */
import * as fs from "fs";
import * as path from "path";
import type { NodeConfig, RawStackConfig } from "../../stacks/schema";
import { describe, isMapping, Mapping, parsePatch, PatchDocument } from "./documents";

export const CLUSTER_PATCHES_DIR = path.join("talos", "patches");

export interface PatchFile {
  /** Relative to the project root, as errors and reviewers name it. */
  readonly file: string;
  readonly text: string;
  readonly documents: PatchDocument[];
}

/** A patch file that cannot be used; the message names the file and every reason. */
export class PatchError extends Error {
  constructor(
    readonly file: string,
    readonly reasons: readonly string[],
  ) {
    super(`${file}: ${reasons.join("; ")}`);
    this.name = "PatchError";
  }
}

type Network = RawStackConfig["network"];

function yamlFiles(projectRoot: string, dir: string): string[] {
  const full = path.join(projectRoot, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** Cluster-wide patch files for a node of `role`, in the order they apply. */
export function clusterPatchFiles(projectRoot: string, role: NodeConfig["role"]): string[] {
  return [...yamlFiles(projectRoot, CLUSTER_PATCHES_DIR), ...yamlFiles(projectRoot, path.join(CLUSTER_PATCHES_DIR, role))];
}

function read(projectRoot: string, file: string): { text?: string; problems: string[] } {
  try {
    return { text: fs.readFileSync(path.join(projectRoot, file), "utf8"), problems: [] };
  } catch (err) {
    return { problems: [`cannot be read: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/** Reads and parses a patch file; problems are reasons (without the file name). */
export function readPatchFile(projectRoot: string, file: string): { patch?: PatchFile; problems: string[] } {
  const { text, problems } = read(projectRoot, file);
  if (text === undefined) return { problems };
  const parsed = parsePatch(text);
  return { patch: { file, text, documents: parsed.documents }, problems: parsed.problems };
}

/** Loads a patch file for use, failing with the file and every reason. */
export function loadPatchFile(projectRoot: string, file: string): PatchFile {
  const { patch, problems } = readPatchFile(projectRoot, file);
  if (!patch || problems.length > 0) throw new PatchError(file, problems);
  return patch;
}

/** `file: reason` for every problem of every cluster-wide patch file. */
export function checkClusterPatches(projectRoot: string): string[] {
  const dirs = [CLUSTER_PATCHES_DIR, ...["controlplane", "worker"].map((role) => path.join(CLUSTER_PATCHES_DIR, role))];
  return dirs
    .flatMap((dir) => yamlFiles(projectRoot, dir))
    .flatMap((file) => readPatchFile(projectRoot, file).problems.map((reason) => `${file}: ${reason}`));
}

// ---- per-node patch: must agree with the node's config entry -------------------------------

function ofKind(docs: readonly PatchDocument[], kind: string): PatchDocument[] {
  return docs.filter((d) => d.kind === kind);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function mappings(value: unknown): Mapping[] {
  return Array.isArray(value) ? value.filter(isMapping) : [];
}

const SELECTOR_MAC = /glob\(\s*"([^"]+)"\s*,\s*mac\(\s*link\.permanent_addr\s*\)\s*\)/;
const SELECTOR_DRIVER = /link\.driver\s*==\s*"([^"]+)"/;

function bondProblems(bond: PatchDocument, aliases: readonly string[], node: NodeConfig, network: Network): string[] {
  const problems: string[] = [];
  const where = describe(bond);
  const expected: Record<string, unknown> = {
    bondMode: network.bond.mode,
    xmitHashPolicy: network.bond.xmitHashPolicy,
    lacpRate: network.bond.lacpRate,
    miimon: network.bond.miimon,
    mtu: network.bond.mtu,
  };
  for (const [key, value] of Object.entries(expected)) {
    if (bond.body[key] !== value) problems.push(`${where}: ${key} is ${String(bond.body[key])}, network.bond says ${String(value)}`);
  }
  const prefix = network.nodeSubnet.split("/")[1];
  const address = `${node.address}/${prefix}`;
  const addresses = mappings(bond.body.addresses).map((a) => a.address);
  if (!addresses.includes(address)) problems.push(`${where}: addresses do not include ${address}`);
  const gateways = mappings(bond.body.routes)
    .filter((r) => r.destination === undefined || r.destination === "0.0.0.0/0")
    .map((r) => r.gateway);
  if (!gateways.includes(network.gateway)) problems.push(`${where}: no default route via network.gateway ${network.gateway}`);
  const links = strings(bond.body.links);
  if (links.length !== node.bondMembers.links.length || links.some((l) => !aliases.includes(l))) {
    problems.push(
      `${where}: links must be the ${node.bondMembers.links.length} aliases of the member selector (${aliases.join(", ")}), not ${links.join(", ") || "none"}`,
    );
  }
  return problems;
}

/** Alias names a `name%d` LinkAliasConfig gives `count` links, or the fixed name. */
function aliasNames(name: string, count: number): string[] {
  return name.includes("%d") ? Array.from({ length: count }, (_, i) => name.replace("%d", String(i))) : [name];
}

/** Reasons a node's patch disagrees with its config entry (hostname, address, members, VLANs). */
export function nodePatchProblems(documents: readonly PatchDocument[], node: NodeConfig, network: Network): string[] {
  const problems: string[] = [];
  const hostnames = ofKind(documents, "HostnameConfig");
  if (hostnames.length !== 1 || hostnames[0].body.hostname !== node.hostname) {
    problems.push(`HostnameConfig must set hostname ${node.hostname} (config), found ${hostnames.map((h) => String(h.body.hostname)).join(", ") || "none"}`);
  }

  const members = node.bondMembers;
  const alias = ofKind(documents, "LinkAliasConfig").find((d) => {
    const selector = d.body.selector;
    const match = isMapping(selector) && typeof selector.match === "string" ? selector.match : "";
    return SELECTOR_MAC.exec(match)?.[1] === members.hardwareAddr && SELECTOR_DRIVER.exec(match)?.[1] === members.driver;
  });
  if (!alias) {
    problems.push(
      `no LinkAliasConfig selects the bond members by glob("${members.hardwareAddr}", mac(link.permanent_addr)) && link.driver == "${members.driver}" (config bondMembers)`,
    );
  }
  const aliases = alias?.name ? aliasNames(alias.name, members.links.length) : [];

  const bonds = ofKind(documents, "BondConfig");
  if (bonds.length !== 1) problems.push(`expected one BondConfig, found ${bonds.length}`);
  else problems.push(...bondProblems(bonds[0], aliases, node, network));
  const bondName = bonds[0]?.name;

  const vlans = ofKind(documents, "VLANConfig");
  for (const vlan of network.vlans) {
    const doc = vlans.find((v) => v.body.vlanID === vlan.id);
    if (!doc) problems.push(`no VLANConfig for VLAN ${vlan.id} (network.vlans)`);
    else {
      if (doc.body.parent !== bondName) problems.push(`${describe(doc)}: parent must be the bond ${bondName ?? "(none)"}`);
      if (doc.body.mtu !== vlan.mtu) problems.push(`${describe(doc)}: mtu is ${String(doc.body.mtu)}, network.vlans says ${vlan.mtu}`);
      if (mappings(doc.body.addresses).length > 0) problems.push(`${describe(doc)}: the VLAN carries no address`);
    }
  }
  for (const doc of vlans) {
    if (!network.vlans.some((v) => v.id === doc.body.vlanID)) problems.push(`${describe(doc)}: VLAN ${String(doc.body.vlanID)} is not in network.vlans`);
  }

  // Ring sizes are set per member link by kernel name (EthernetConfig does not resolve aliases).
  const ethernet = ofKind(documents, "EthernetConfig").map((d) => d.name ?? "");
  const missing = members.links.filter((l) => !ethernet.includes(l));
  const extra = ethernet.filter((l) => !members.links.includes(l));
  if (missing.length > 0 || extra.length > 0) {
    problems.push(`EthernetConfig documents must name exactly the member links ${members.links.join(", ")} (config bondMembers.links), found ${ethernet.join(", ") || "none"}`);
  }

  for (const ignored of network.ignoredInterfaces) {
    for (const doc of documents) {
      if (doc.name === ignored || strings(doc.body.links).includes(ignored) || doc.body.parent === ignored) {
        problems.push(`${describe(doc)}: configures ${ignored}, which network.ignoredInterfaces leaves alone`);
      }
    }
  }
  return problems;
}

/** `file: reason` for every problem of a node's patch file (parse and agreement with config). */
export function checkNodePatch(projectRoot: string, file: string, node: NodeConfig, network: Network): string[] {
  const { patch, problems } = readPatchFile(projectRoot, file);
  const reasons = patch && problems.length === 0 ? nodePatchProblems(patch.documents, node, network) : problems;
  return reasons.map((reason) => `${file}: ${reason}`);
}
