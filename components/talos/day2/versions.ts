/**
 * Version arithmetic for day-2 plans. Pure: no Pulumi, no I/O.
 *
 * Talos is upgraded one minor at a time (Talos' upgrade guide: go through the latest
 * patch of every minor in between), and Kubernetes control planes move one minor at a
 * time (the Kubernetes version skew policy, which `talosctl upgrade-k8s` follows). The
 * same rule drives both.
 */

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

export function parseVersion(text: string): Version {
  const match = VERSION.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a version such as v1.12.3`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function formatVersion(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

export const minorOf = (v: Version) => `v${v.major}.${v.minor}`;

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const sameVersion = (a: Version, b: Version) => compareVersions(a, b) === 0;

/** Minors between `from` and `to`, both excluded (v1.11 → v1.13 gives ["v1.12"]). */
export function skippedMinors(from: Version, to: Version): string[] {
  if (from.major !== to.major) return [];
  const skipped: string[] = [];
  for (let m = from.minor + 1; m < to.minor; m++) skipped.push(`v${from.major}.${m}`);
  return skipped;
}

export type StepKind = "current" | "patch" | "minor" | "skip" | "downgrade" | "major";

/** What moving a component from `from` to `to` takes. */
export function stepKind(from: Version, to: Version): StepKind {
  if (from.major !== to.major) return "major";
  const order = compareVersions(from, to);
  if (order === 0) return "current";
  if (order > 0) return "downgrade";
  if (from.minor === to.minor) return "patch";
  return to.minor === from.minor + 1 ? "minor" : "skip";
}
