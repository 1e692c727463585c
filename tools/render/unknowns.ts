/**
 * What a first `pulumi preview` cannot show: the resource inputs and stack outputs still
 * unknown when every resource is new (harness `firstPreview`). Grouped by resource type and
 * input path, list indices folded, so the section stays short. Pure.
 */
import { RunResult } from "../../harness";

/** `[type, names, inputs]`, sorted; empty when everything is known. */
export type UnknownRow = readonly [type: string, names: string, inputs: string];

function unknownPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => unknownPaths(v, `${at}[*]`));
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  if (record.__pulumiUnknown === true) return [at || "(value)"];
  // A MockSecret holds its value; other objects are mappings.
  if ("value" in record && Object.keys(record).length === 1) return unknownPaths(record.value, at);
  return Object.entries(record).flatMap(([k, v]) => unknownPaths(v, at ? `${at}.${k}` : k));
}

export function firstPreviewUnknowns(result: RunResult): UnknownRow[] {
  const groups = new Map<string, { type: string; inputs: string; names: Set<string> }>();
  const add = (type: string, name: string, paths: string[]) => {
    if (paths.length === 0) return;
    const inputs = [...new Set(paths)].sort().join(", ");
    const key = `${type}\u0000${inputs}`;
    const group = groups.get(key) ?? { type, inputs, names: new Set<string>() };
    group.names.add(name);
    groups.set(key, group);
  };
  for (const r of result.resources) add(r.type, r.name, unknownPaths(r.inputs, ""));
  for (const [name, output] of Object.entries(result.outputs)) add("stack output", name, unknownPaths(output.value, ""));
  return [...groups.values()]
    .map((g): UnknownRow => [g.type, [...g.names].sort().join(", "), g.inputs])
    .sort((a, b) => (a.join("|") < b.join("|") ? -1 : 1));
}
