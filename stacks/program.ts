/** The program: validate the whole config first, then compose the cluster. */
import * as pulumi from "@pulumi/pulumi";
import { buildCluster, ClusterOutputs } from "./cluster";
import { loadStackConfig } from "./config";

export async function program(): Promise<ClusterOutputs> {
  // Throws one ConfigError naming every problem before any resource is registered.
  const config = loadStackConfig();
  for (const warning of config.warnings) void pulumi.log.warn(`${warning.path}: ${warning.message}`);
  return buildCluster(config);
}
