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
 *   kubectl get customresourcedefinitions.apiextensions.k8s.io NAME... --ignore-not-found -o json
 *                                                                       the running CRD bundles: the CRDs of
 *                                                                       bootstrap/crds.yaml's sets by name, kept
 *                                                                       as name and annotations only
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
import * as path from "path";
import { stringify } from "yaml";
import { spawnKubectl, type Talosctl as Tool } from "../../components/talos/day2/runner";
import { ProjectError } from "../../lib/problems";
import { asRecord } from "../../lib/guards";
import { loadBootstrapPlan } from "../../bootstrap/plan";
import { crdAnnotations } from "./inventory";

export class LiveReadError extends ProjectError {}

export interface LiveTarget {
  readonly context?: string;
  readonly kubeconfig?: string;
}

/** What is read, in order; a required resource whose CRD the cluster lacks ends the read. */
export const CRD_RESOURCE = "customresourcedefinitions.apiextensions.k8s.io";

/** The CRDs whose running bundle is compared: every CRD the sets of bootstrap/crds.yaml provide. */
export function bundleCrdNames(repoRoot: string = path.resolve(__dirname, "..", "..")): string[] {
  return loadBootstrapPlan(repoRoot).crdSets.flatMap((s) => [...s.provides]);
}

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

/** Runs one `get`; a resource type the server does not serve is `missing`, any other failure throws. */
function getJson(kubectl: Tool, env: NodeJS.ProcessEnv, target: LiveTarget, source: string, args: readonly string[]): unknown {
  const resource = args[0];
  const run = kubectl([...targetFlags(target), "get", ...args, "--output=json"], env, { timeoutMs: CALL_TIMEOUT_MS });
  const said = (run.stderr.trim() || run.stdout.trim()).split("\n")[0];
  if (run.error) throw new LiveReadError(`${source}: kubectl could not run (${run.error.message}); put kubectl on PATH`);
  if (run.status === null) throw new LiveReadError(`${source}: get ${resource}: ${said || "killed"} (deadline ${CALL_TIMEOUT_MS / 1000}s)`);
  if (run.status !== 0) {
    if (NO_RESOURCE.test(said)) return MISSING;
    throw new LiveReadError(`${source}: get ${resource} failed (exit ${run.status}): ${said}`);
  }
  // --ignore-not-found with nothing found prints nothing (kubernetes/kubectl pkg/cmd/get/get.go printGeneric).
  if (run.stdout.trim() === "") return { apiVersion: "v1", kind: "List", items: [] };
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new LiveReadError(`${source}: get ${resource} printed no JSON`);
  }
}
const MISSING = Symbol("missing");

/**
 * Reads the running Flux's objects and the running CRDs of the bundle sets; throws
 * LiveReadError with one message on the first failure.
 */
export function readLive(target: LiveTarget, kubectl: Tool = spawnKubectl, env: NodeJS.ProcessEnv = process.env, crdNames: readonly string[] = bundleCrdNames()): LiveRead {
  const source = ["kubectl", ...(target.kubeconfig !== undefined ? [`--kubeconfig ${target.kubeconfig}`] : []), ...(target.context !== undefined ? [`--context ${target.context}`] : [])].join(" ");
  const items: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const { resource, required, why } of LIVE_RESOURCES) {
    const list = getJson(kubectl, env, target, source, [resource, "--all-namespaces"]);
    if (list === MISSING) {
      if (required) throw new LiveReadError(`${source}: the cluster serves no ${resource} (its CRD is not installed): no Flux here, or the wrong context; ${why} cannot be read`);
      notes.push(`the cluster serves no ${resource}: ${why} is not compared`);
      continue;
    }
    const listed = asRecord(list)?.items;
    if (!Array.isArray(listed)) throw new LiveReadError(`${source}: get ${resource} printed no JSON list`);
    for (const item of listed) {
      const record = asRecord(item);
      if (record) items.push(withoutManagedFields(record));
    }
  }
  if (crdNames.length > 0) {
    // By name, so only the bundle sets' CRDs travel (a cluster's CRDs together run to megabytes);
    // one name found prints the object itself, several a List (get.go printGeneric).
    const got = asRecord(getJson(kubectl, env, target, source, [CRD_RESOURCE, ...crdNames, "--ignore-not-found"]));
    const found = got?.kind === "List" ? got.items : [got];
    if (!Array.isArray(found)) throw new LiveReadError(`${source}: get ${CRD_RESOURCE} printed no JSON list`);
    for (const item of found) {
      const record = asRecord(item);
      const metadata = asRecord(record?.metadata);
      if (record && typeof metadata?.name === "string") {
        items.push({ apiVersion: record.apiVersion, kind: record.kind, metadata: { name: metadata.name, annotations: crdAnnotations(metadata) } });
      }
    }
  }
  const header = [
    `# The running Flux's state, read with ${source} (get only): ${LIVE_RESOURCES.map((r) => r.resource).join(", ")}, and the ${CRD_RESOURCE} of bootstrap/crds.yaml (name and annotations).`,
    "# Read by npm run migration -- compare <stack> --inventory FILE.",
  ].join("\n");
  return { text: `${header}\n${stringify({ apiVersion: "v1", kind: "List", items })}`, source, notes };
}
