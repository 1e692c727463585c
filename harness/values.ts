/**
 * Values as the mock monitor hands them over, normalised for assertions: secrets become
 * MockSecret instances so secrecy is visible, resource references become their URN.
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** A value that reached the engine as a Pulumi secret. */
export class MockSecret {
  constructor(readonly value: unknown) {}
}

/** A mock output that the real provider would mark secret (schema `secret: true`). */
export function secretEnvelope(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG_KEY] === SECRET_SIG) return new MockSecret(normalise(record.value));
  if (record[SECRET_SIG_KEY] === RESOURCE_SIG) return record.urn;
  if (value instanceof MockSecret) return value;
  if (typeof (record as { urn?: unknown }).urn === "string" && Object.keys(record).length <= 3 && "__pulumiResource" in record) {
    return record.urn;
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, normalise(v)]));
}

/** Removes the secret wrappers: the plain value, for assertions on content. */
export function reveal(value: unknown): unknown {
  if (value instanceof MockSecret) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, reveal(v)]));
}

/** Every place under `value` where `needle` occurs in a string outside a secret. */
export function plainOccurrences(value: unknown, needle: RegExp, at = "$"): string[] {
  if (value instanceof MockSecret) return [];
  if (typeof value === "string") return needle.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => plainOccurrences(v, needle, `${at}.${k}`));
}
