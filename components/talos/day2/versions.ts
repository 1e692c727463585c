/**
 * Version steps for day-2 plans (parsing is lib/versions.ts). Pure: no Pulumi, no I/O.
 *
 * Talos is upgraded one minor at a time (Talos' upgrade guide: go through the latest
 * patch of every minor in between), and Kubernetes control planes move one minor at a
 * time (the Kubernetes version skew policy, which `talosctl upgrade-k8s` follows). The
 * same rule drives both.
 */

export { compareVersions, formatVersion, minorOf, parseVersion, sameVersion } from "../../../lib/versions";
export type { Version } from "../../../lib/versions";
import type { Version } from "../../../lib/versions";
import { compareVersions } from "../../../lib/versions";

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
