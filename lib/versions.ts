/**
 * The one version parser (Talos, Kubernetes, chart tags: `v1.12.3`, `1.34`). Pure: no Pulumi import.
 * Config validation reads versions leniently (a `-alpha.1` suffix or a missing patch is fine);
 * day-2 plans need an exact `vX.Y.Z` and refuse anything else.
 */

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const EXACT = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;
const LEADING = /^v?(\d+)\.(\d+)(?:\.(\d+))?/;

/** `vX.Y.Z` (with an optional pre-release/build suffix), or an error naming the text. */
export function parseVersion(text: string): Version {
  const match = EXACT.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a version such as v1.12.3`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** The leading `X.Y[.Z]` of `text` (patch 0 when absent), or undefined when it does not start with one. */
export function readVersion(text: string): Version | undefined {
  const match = LEADING.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) } : undefined;
}

export function formatVersion(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

/** `v1.12`. */
export const minorOf = (v: Version) => `v${v.major}.${v.minor}`;

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const sameVersion = (a: Version, b: Version) => compareVersions(a, b) === 0;
