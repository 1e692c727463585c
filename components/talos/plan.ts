/**
 * The ordered machine-config patches of one node, as getConfiguration receives them:
 * cluster-wide files, role files, documents derived from config, the node's generated
 * network documents, then the node's optional override file. The config check runs the
 * Talos rules over exactly this plan. Pure: no Pulumi import.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { derivedPatch, DerivationConfig, DerivedNode } from "./derived";
import type { Mapping } from "./documents";
import { nodeNetworkDocuments, NodeNetworkSpec } from "./network";
import { clusterPatchFiles, loadPatchFile } from "./patches";

export interface NodePatch {
  /** Where the patch comes from: a file relative to the project root, or `generated: ...`. */
  readonly source: string;
  readonly text: string;
}

export type PlannedNode = DerivedNode & NodeNetworkSpec;

/** The optional per-node override for what config cannot say. */
export function nodeOverridePath(clusterName: string, address: string): string {
  return path.join("talos", clusterName, `${address}.yaml`);
}

export function documentsText(docs: readonly Mapping[]): string {
  return docs.map((doc) => stringify(doc)).join("---\n");
}

/** The node's patches in merge order; throws PatchError for an unusable file. */
export function nodePatchPlan(projectRoot: string, config: DerivationConfig, node: PlannedNode, installerImage: string): NodePatch[] {
  const file = (name: string): NodePatch => ({ source: name, text: loadPatchFile(projectRoot, name).text });
  const override = nodeOverridePath(config.cluster.name, node.address);
  return [
    ...clusterPatchFiles(projectRoot, node.role).map(file),
    {
      source: "generated: derived from config",
      text: `# Generated from stack config (cluster, network, node ${node.address}): install, labels, subnets, resolvers, time.\n${derivedPatch(config, node, installerImage)}`,
    },
    {
      source: "generated: network",
      text: `# Generated from stack config (network, node ${node.address}): hostname, links, address, default route, VLANs.\n${documentsText(nodeNetworkDocuments(config.network, node))}`,
    },
    ...(fs.existsSync(path.join(projectRoot, override)) ? [file(override)] : []),
  ];
}
