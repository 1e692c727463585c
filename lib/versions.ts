/**
 * The one version parser (Talos, Kubernetes, chart tags: `v1.12.3`, `1.34`), on `semver`.
 * Pure: no Pulumi import. A pre-release is kept and ordered as SemVer 2.0.0 orders it
 * (`v1.14.0-rc.1` < `v1.14.0`); build metadata is ignored in comparisons, as SemVer says.
 * Config validation reads versions leniently (a missing patch is fine, see readVersion);
 * day-2 plans need an exact `vX.Y.Z[-pre]` and refuse anything else (parseVersion).
 */
import * as semver from "semver";

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** SemVer pre-release identifiers (`rc.1` → ["rc", 1]); absent on a release. */
  readonly prerelease?: readonly (string | number)[];
}

function fromSemver(v: semver.SemVer): Version {
  const base = { major: v.major, minor: v.minor, patch: v.patch };
  return v.prerelease.length > 0 ? { ...base, prerelease: [...v.prerelease] } : base;
}

/** `vX.Y.Z` (optionally `-pre` and `+build`, SemVer 2.0.0), or an error naming the text. */
export function parseVersion(text: string): Version {
  // loose: false refuses `v1.2.3.4`, `1.2`, leading zeros; semver accepts one leading `v`.
  const parsed = semver.parse(text.trim(), { loose: false });
  if (!parsed) throw new Error(`"${text}" is not a version such as v1.12.3`);
  return fromSemver(parsed);
}

const LEADING = /^v?(\d+)\.(\d+)(?:\.(\d+)(-[0-9A-Za-z.-]+)?)?/;

/**
 * The leading `X.Y[.Z[-pre]]` of `text` (patch 0 when absent), or undefined when it does
 * not start with one. For support tables (`1.34`) and tags with a suffix.
 */
export function readVersion(text: string): Version | undefined {
  const match = LEADING.exec(text);
  if (!match) return undefined;
  const parsed = semver.parse(`${match[1]}.${match[2]}.${match[3] ?? 0}${match[4] ?? ""}`);
  return parsed ? fromSemver(parsed) : undefined;
}

function toSemverText(v: Version): string {
  const pre = v.prerelease && v.prerelease.length > 0 ? `-${v.prerelease.join(".")}` : "";
  return `${v.major}.${v.minor}.${v.patch}${pre}`;
}

/** `v1.12.3`, or `v1.14.0-rc.1` with its pre-release. */
export function formatVersion(v: Version): string {
  return `v${toSemverText(v)}`;
}

/** `v1.12`. */
export const minorOf = (v: Version) => `v${v.major}.${v.minor}`;

export function isPrerelease(v: Version): boolean {
  return (v.prerelease?.length ?? 0) > 0;
}

/** SemVer precedence: negative, zero or positive. */
export function compareVersions(a: Version, b: Version): number {
  return semver.compare(toSemverText(a), toSemverText(b));
}

export const sameVersion = (a: Version, b: Version) => compareVersions(a, b) === 0;

/**
 * Why `text` is not an exact release tag of a project whose tags carry a leading `v`
 * (Talos `v1.13.9`, Kubernetes `v1.36.2`), or undefined. A pre-release (`-rc.1`) is
 * exact; build metadata (`+x`) is not a tag either project publishes.
 */
export function exactTagProblem(text: string): string | undefined {
  const bare = text.startsWith("v") ? text.slice(1) : text;
  const parsed = semver.parse(bare, { loose: false });
  if (!parsed || bare !== parsed.version) {
    return "is not a pinned version: use an exact release tag such as v1.13.9 or v1.14.0-rc.1, not latest, a range, a bare minor or build metadata";
  }
  if (bare === text) return `has no leading v: the release tags are v-prefixed (use v${text})`;
  return undefined;
}

/**
 * The one rule for a Talos pin, applied by the stack schema (versions.talos),
 * tools/ci/tool-versions.ts (TALOS_VERSION for install-tools.sh) and tools/e2e/plan.ts
 * (`talosctl cluster create qemu`): the exact tag of a Talos release, `vX.Y.Z`, or of a
 * pre-release, `vX.Y.Z-alpha.N`, `-beta.N` or `-rc.N`, as Talos tags them (siderolabs/talos
 * "release(v1.12.0-alpha.2)" #12084, "Talos v1.10.0-beta.1 release" #10723). Those are the
 * only pre-releases Image Factory serves installers for (siderolabs/image-factory
 * internal/artifacts/versions.go fetchTalosVersions: two identifiers, alpha/beta/rc and a
 * number; and only of the newest minor, which no offline check can know), and each release,
 * pre-releases too, carries talosctl-linux-<arch> and sha256sum.txt under
 * releases/download/<tag> (tools/ci/artifacts.sh). Anchored: the pin becomes part of image
 * tags and URLs, so nothing may follow it.
 */
const TALOS_TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(alpha|beta|rc)\.(0|[1-9]\d*))?$/;

/** Why `text` is not a Talos release tag (see TALOS_TAG), or undefined. */
export function talosTagProblem(text: string): string | undefined {
  const exact = exactTagProblem(text);
  if (exact) return exact;
  if (!TALOS_TAG.test(text)) return "is not a Talos release tag: vX.Y.Z, or a pre-release vX.Y.Z-alpha.N, -beta.N or -rc.N (the tags Talos publishes and Image Factory serves)";
  return undefined;
}

/**
 * The one rule for a Kubernetes pin, applied by the stack schema (versions.kubernetes),
 * tools/ci/tool-versions.ts (KUBERNETES_VERSION, the kubectl install-tools.sh downloads) and
 * tools/e2e/plan.ts: a Kubernetes release tag `vX.Y.Z`, anchored. The project pins releases
 * of Kubernetes only (Talos's support matrix lists releases); a pre-release tag would pass
 * one reader and fail another, so none takes it.
 */
const KUBERNETES_TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Why `text` is not a Kubernetes release tag (see KUBERNETES_TAG), or undefined. */
export function kubernetesTagProblem(text: string): string | undefined {
  if (KUBERNETES_TAG.test(text)) return undefined;
  if (KUBERNETES_TAG.test(`v${text}`)) return `has no leading v: the release tags are v-prefixed (use v${text})`;
  return "is not a Kubernetes release tag: use an exact release vX.Y.Z (no pre-release, range, bare minor, build metadata or latest)";
}
