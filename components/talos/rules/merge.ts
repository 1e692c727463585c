/**
 * Talos's config-patch merge, on parsed YAML: what a node holds after getConfiguration
 * lays its patches over the generated config. Pure: no Pulumi import.
 *
 * Mirrors siderolabs/talos v1.13.9:
 * - pkg/machinery/config/configpatcher/strategic.go StrategicMerge: documents are matched
 *   by (apiVersion, kind, name); a match is merged, anything else is appended in order.
 *   The v1alpha1 machine/cluster document has no kind and matches the other v1alpha1 one.
 * - pkg/machinery/config/merge/merge.go merge: a map merges key by key; a list is
 *   appended to (right after left), except the fields tagged `merge:"replace"`
 *   (cluster.network.podSubnets, cluster.network.serviceSubnets, cluster.apiServer.auditPolicy
 *   in types/v1alpha1/v1alpha1_types.go), which the right replaces; a scalar replaces
 *   unless it is a zero value ("" or 0), and a boolean always replaces.
 * - types/v1alpha1 Args.Merge: every `extraArgs` map is merged key by key with replace
 *   (maps.Copy), so a list value there replaces rather than appends.
 *
 * Not mirrored: `$patch: delete` (configloader delete selectors) is reported, not applied;
 * a zero scalar on a pointer field, which Go would still write (the YAML does not say which
 * fields are pointers), is left as the base had it.
 */
import { isRecord } from "../../../lib/guards";
import type { Mapping } from "../documents";

/** Dotted paths (inside the v1alpha1 document) whose lists and maps the right replaces. */
export const REPLACED_FIELDS: readonly string[] = ["cluster.network.podSubnets", "cluster.network.serviceSubnets", "cluster.apiServer.auditPolicy"];

/** Map keys whose values are Args: merged with maps.Copy (each key replaced whole). */
const ARGS_KEYS = new Set(["extraArgs"]);

function isZero(value: unknown): boolean {
  return value === "" || value === 0 || value === null || value === undefined;
}

/** `right` merged over `left` (both left untouched), at dotted `path`. */
export function mergeValues(left: unknown, right: unknown, path = ""): unknown {
  if (right === undefined || right === null) return left;
  if (REPLACED_FIELDS.includes(path)) {
    const empty = Array.isArray(right) ? right.length === 0 : isRecord(right) && Object.keys(right).length === 0;
    return empty ? left : right;
  }
  if (Array.isArray(right)) {
    if (right.length === 0) return left;
    return Array.isArray(left) ? [...left, ...right] : right;
  }
  if (isRecord(right)) {
    if (!isRecord(left)) return Object.keys(right).length === 0 ? left : right;
    const args = ARGS_KEYS.has(path.split(".").pop() ?? "");
    const out: Mapping = { ...left };
    for (const [key, value] of Object.entries(right)) {
      out[key] = args ? (value ?? left[key]) : mergeValues(left[key], value, path === "" ? key : `${path}.${key}`);
    }
    return out;
  }
  if (typeof right === "boolean") return right;
  return isZero(right) ? left : right;
}

export interface ConfigDocument {
  /** `v1alpha1` for the machine/cluster document, otherwise `apiVersion/kind[/name]`. */
  readonly id: string;
  readonly body: Mapping;
}

const isV1alpha1 = (body: Mapping) => body.kind === undefined;

export function documentId(body: Mapping): string {
  if (isV1alpha1(body)) return "v1alpha1";
  const name = typeof body.name === "string" ? `/${body.name}` : "";
  return `${String(body.apiVersion)}/${String(body.kind)}${name}`;
}

/** Paths of every `$patch: delete` in `value` (applied by Talos, not by this merge). */
export function deleteDirectives(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => deleteDirectives(v, `${path}[${i}]`));
  if (!isRecord(value)) return [];
  if (value.$patch === "delete") return [path === "" ? "(document)" : path];
  return Object.entries(value).flatMap(([k, v]) => deleteDirectives(v, path === "" ? k : `${path}.${k}`));
}

/** `patch`'s documents laid over `base`'s, as StrategicMerge does. */
export function mergeDocuments(base: readonly ConfigDocument[], patch: readonly Mapping[]): ConfigDocument[] {
  const out = [...base];
  for (const body of patch) {
    const id = documentId(body);
    const at = out.findIndex((d) => d.id === id);
    if (at < 0) out.push({ id, body });
    else out[at] = { id, body: mergeValues(out[at].body, body) as Mapping };
  }
  return out;
}

/** Every patch (each a list of document bodies) merged over `base`, in order. */
export function mergeAll(base: readonly Mapping[], patches: readonly (readonly Mapping[])[]): ConfigDocument[] {
  const start = mergeDocuments([], base);
  return patches.reduce<ConfigDocument[]>((docs, patch) => mergeDocuments(docs, patch), start);
}
