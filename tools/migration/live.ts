/**
 * The running Flux's state read live, read-only, through kubectl: the same objects the
 * offline file holds (tools/migration/inventory.ts), so one parser serves both and
 * `--save` writes exactly what `--inventory` reads.
 *
 *   kubectl get kustomizations.kustomize.toolkit.fluxcd.io -A -o json   status.inventory.entries[] {id, v}
 *   kubectl get helmreleases.helm.toolkit.fluxcd.io -A -o json          running chart versions; releases
 *                                                                       are not in any Kustomization's inventory
 *   kubectl get fluxinstances.fluxcd.controlplane.io -A -o json         the Flux distribution (optional:
 *                                                                       a Flux not run by flux-operator has none)
 *
 * The inventory shape is kustomize-controller's api/v1/inventory_types.go (ResourceInventory
 * `entries`, ResourceRef `id` = `<namespace>_<name>_<group>_<kind>` and `v`), the same at
 * fluxcd/kustomize-controller v1.7.0, the controller of Flux v2.7.0 (fluxcd/flux2
 * manifests/bases/kustomize-controller/kustomization.yaml), as at v1.8.x.
 *
 * Only `get` runs; each call carries kubectl's `--request-timeout` (kubernetes/cli-runtime
 * pkg/genericclioptions/config_flags.go) and is killed at a deadline besides, so an API
 * server that never answers ends the read instead of hanging it.
 */
import { stringify } from "yaml";
import { spawnKubectl, type Talosctl as Tool } from "../../components/talos/day2/runner";
import { ProjectError } from "../../lib/problems";
import { asRecord } from "../../lib/guards";

export class LiveReadError extends ProjectError {}

export interface LiveTarget {
  readonly context?: string;
  readonly kubeconfig?: string;
}

/** What is read, in order; a required resource whose CRD the cluster lacks ends the read. */
export const LIVE_RESOURCES: readonly { readonly resource: string; readonly required: boolean; readonly why: string }[] = [
  { resource: "kustomizations.kustomize.toolkit.fluxcd.io", required: true, why: "the inventories" },
  { resource: "helmreleases.helm.toolkit.fluxcd.io", required: true, why: "the running chart versions" },
  { resource: "fluxinstances.fluxcd.controlplane.io", required: false, why: "the Flux distribution version" },
];

/** Per request, as kubectl takes it; the process deadline below leaves room for discovery. */
export const REQUEST_TIMEOUT = "30s";
export const CALL_TIMEOUT_MS = 90_000;

export interface LiveRead {
  /** A v1 List of every object read, as YAML: what `--save` writes and parseInventory reads. */
  readonly text: string;
  /** Where it was read from, for messages (`kubectl --context infra`). */
  readonly source: string;
  /** Optional resources the cluster does not serve. */
  readonly notes: readonly string[];
}

// kubernetes/kubectl pkg/cmd/util/helpers.go (checkErr, *meta.NoResourceMatchError): the text
// kubectl prints for a resource type the API server does not serve, with or without group.
const NO_RESOURCE = /the server doesn't have a resource type/;

/** The global flags of every call: where to read, and how long one request may take. */
export function targetFlags(target: LiveTarget): string[] {
  return [
    ...(target.kubeconfig !== undefined ? ["--kubeconfig", target.kubeconfig] : []),
    ...(target.context !== undefined ? [`--context=${target.context}`] : []),
    `--request-timeout=${REQUEST_TIMEOUT}`,
  ];
}

function withoutManagedFields(item: Record<string, unknown>): Record<string, unknown> {
  const metadata = asRecord(item.metadata);
  if (!metadata || !("managedFields" in metadata)) return item;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...item, metadata: rest };
}

/** Reads the running Flux's objects; throws LiveReadError with one message on the first failure. */
export function readLive(target: LiveTarget, kubectl: Tool = spawnKubectl, env: NodeJS.ProcessEnv = process.env): LiveRead {
  const source = ["kubectl", ...(target.kubeconfig !== undefined ? [`--kubeconfig ${target.kubeconfig}`] : []), ...(target.context !== undefined ? [`--context ${target.context}`] : [])].join(" ");
  const items: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const { resource, required, why } of LIVE_RESOURCES) {
    const run = kubectl([...targetFlags(target), "get", resource, "--all-namespaces", "--output=json"], env, { timeoutMs: CALL_TIMEOUT_MS });
    const said = (run.stderr.trim() || run.stdout.trim()).split("\n")[0];
    if (run.error) throw new LiveReadError(`${source}: kubectl could not run (${run.error.message}); put kubectl on PATH`);
    if (run.status === null) throw new LiveReadError(`${source}: get ${resource}: ${said || "killed"} (deadline ${CALL_TIMEOUT_MS / 1000}s)`);
    if (run.status !== 0) {
      if (NO_RESOURCE.test(said)) {
        if (required) throw new LiveReadError(`${source}: the cluster serves no ${resource} (its CRD is not installed): no Flux here, or the wrong context; ${why} cannot be read`);
        notes.push(`the cluster serves no ${resource}: ${why} is not compared`);
        continue;
      }
      throw new LiveReadError(`${source}: get ${resource} failed (exit ${run.status}): ${said}`);
    }
    let list: unknown;
    try {
      list = JSON.parse(run.stdout);
    } catch {
      throw new LiveReadError(`${source}: get ${resource} printed no JSON list`);
    }
    const listed = asRecord(list)?.items;
    if (!Array.isArray(listed)) throw new LiveReadError(`${source}: get ${resource} printed no JSON list`);
    for (const item of listed) {
      const record = asRecord(item);
      if (record) items.push(withoutManagedFields(record));
    }
  }
  const header = [
    `# The running Flux's state, read with ${source} (get only): ${LIVE_RESOURCES.map((r) => r.resource).join(", ")}.`,
    "# Read by npm run migration -- compare <stack> --inventory FILE.",
  ].join("\n");
  return { text: `${header}\n${stringify({ apiVersion: "v1", kind: "List", items })}`, source, notes };
}
