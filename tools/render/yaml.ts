/** Deterministic YAML: sorted keys, no anchors, no line folding, LF endings. */
import { stringify } from "yaml";
import { compare } from "./names";

/**
 * Recursively sorts object keys; `first` keys lead, in the given order, in the top-level
 * object or in each object of a top-level list.
 */
export function sortKeys(value: unknown, first: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, first));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort((a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? first.length : ia) - (ib < 0 ? first.length : ib);
    return compare(a, b);
  });
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, sortKeys(record[k])]));
}

export function toYaml(value: unknown, first: readonly string[] = []): string {
  return stringify(sortKeys(value, first), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** Text as YAML comment lines (`# ...`), for context that must not change what a file means. */
export function comment(text: string): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => (line === "" ? "#" : `# ${line}`))
    .join("\n")
    .concat("\n");
}
