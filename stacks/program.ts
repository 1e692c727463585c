/** The program: validate the whole config first, then compose the cluster. */
import * as pulumi from "@pulumi/pulumi";
import { resolveMeshPeers } from "../components/clustermesh/peers";
import { buildCluster, ClusterOutputs } from "./cluster";
import { loadStackConfig } from "./config";
import { resolveLifecycle } from "./lifecycle";
import { resolvePreflight } from "./preflight";

export async function program(): Promise<ClusterOutputs> {
  // Throws one ConfigError naming every problem before any resource is registered.
  const config = loadStackConfig();
  for (const warning of config.warnings) void pulumi.log.warn(`${warning.path}: ${warning.message}`);
  // Reads the mesh peers' outputs (StackReferences only) and throws one MeshError on a
  // failed cross-stack check, before any other resource is registered.
  const mesh = await resolveMeshPeers(config);
  // This stack's previous run: whether Flux owns the releases; refuses an unconfirmed PKI switch;
  // decides which 1Password items this run may write (registers only the 1Password provider).
  const lifecycle = await resolveLifecycle(config);
  // On a running cluster, the day-2 preflight (through the 1Password provider the ownership
  // check registered; a provider writes nothing): observed and decided now, so a refusal
  // (preview or up) and `up`'s "cannot observe" are thrown before any other resource is registered.
  // On an adopted PKI it reads the 1Password item, and hands its fields on: one read per run.
  const preflight = await resolvePreflight(config, lifecycle, lifecycle.ownership?.provider);
  return buildCluster(config, mesh, lifecycle, preflight);
}
