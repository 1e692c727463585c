/**
 * A stack's pure plans from its config values as `pulumi config` holds them, for tools that
 * read the program without running it (render, reviews). The program computes the same
 * plans from the same functions (components/talos/plan.ts nodePatchPlan via TalosCluster).
 * Pure: no Pulumi import.
 */
import { NodePatch, nodePatchPlan } from "../components/talos/plan";
import { ConfigError, CONFIG_NAMESPACE, configPath } from "./errors";
import { RawStackConfig, stackConfigSchema } from "./schema";

/** The `k8s-gitops` namespace of `namespace:key` values (objects already parsed), schema-checked. */
export function stackConfigFromValues(values: Readonly<Record<string, unknown>>): RawStackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const namespace = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const parsed = stackConfigSchema.safeParse(namespace);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => ({ path: configPath(issue.path), message: issue.message })));
}

/** Every node's patches in merge order, by node address (config order). */
export function nodePatchPlans(config: RawStackConfig, projectRoot: string, installerImage: string): Map<string, NodePatch[]> {
  return new Map(config.nodes.map((node) => [node.address, nodePatchPlan(projectRoot, config, node, installerImage)]));
}
