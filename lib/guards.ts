/** The one object guard: a parsed YAML/JSON mapping (not null, not a list). Pure: no Pulumi import. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` as a mapping, or undefined when it is anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
