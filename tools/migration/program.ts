/**
 * What the program writes on a running cluster, read from an offline run (the same mock
 * run as `npm run render`): the cluster-settings map the tree is substituted with, and the
 * Kubernetes objects it applies itself. Those it writes with Flux's prune-protection
 * annotation survive the old sync's prune; the comparison counts them as kept.
 */
import { reveal, type RunResult } from "../../harness";
import { CLUSTER_SETTINGS } from "../../bootstrap/handoff-objects";
import { PRUNE_ANNOTATION, PRUNE_DISABLED } from "../../bootstrap/flux-tree";
import { typeToGvk } from "../render/kubernetes";
import { asRecord } from "../../lib/guards";
import { objectId } from "./inventory";

export interface ProgramWrites {
  readonly settings: Readonly<Record<string, string>>;
  /** Inventory ids of every Kubernetes object the program registers (Helm releases aside). */
  readonly objects: ReadonlyMap<string, { readonly pruneDisabled: boolean; readonly annotations: Readonly<Record<string, string>> }>;
}

export function programWrites(result: RunResult): ProgramWrites {
  const objects = new Map<string, { pruneDisabled: boolean; annotations: Record<string, string> }>();
  let settings: Record<string, string> | undefined;
  for (const r of result.resources) {
    if (!r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:helm.sh/") || r.type === "pulumi:providers:kubernetes") continue;
    const inputs = asRecord(reveal(r.inputs)) ?? {};
    const metadata = asRecord(inputs.metadata);
    const name = metadata?.name;
    if (typeof name !== "string") continue;
    const gvk = typeToGvk(r.type);
    const namespace = typeof metadata?.namespace === "string" ? metadata.namespace : undefined;
    const annotations = Object.fromEntries(Object.entries(asRecord(metadata?.annotations) ?? {}).map(([k, v]) => [k, String(v)]));
    objects.set(objectId({ apiVersion: gvk.apiVersion, kind: gvk.kind, metadata: { name, namespace } }), {
      pruneDisabled: annotations[PRUNE_ANNOTATION] === PRUNE_DISABLED,
      annotations,
    });
    if (gvk.kind === "ConfigMap" && name === CLUSTER_SETTINGS.name && namespace === CLUSTER_SETTINGS.namespace) {
      settings = Object.fromEntries(Object.entries(asRecord(inputs.data) ?? {}).map(([k, v]) => [k, String(v)]));
    }
  }
  if (!settings) throw new Error(`the program registered no ConfigMap ${CLUSTER_SETTINGS.namespace}/${CLUSTER_SETTINGS.name}`);
  return { settings, objects };
}
