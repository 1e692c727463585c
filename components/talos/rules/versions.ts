/**
 * Version rules: the Talos version the emitted documents need, and the Kubernetes
 * versions the pinned Talos supports. Pure: no Pulumi import.
 */
import type { Problem } from "../../../lib/problems";
import { compareVersions, readVersion, Version } from "../../../lib/versions";
import { KUBERNETES_SUPPORT, KubernetesSupport } from "./kubernetes-support";

/**
 * The oldest Talos that understands every document the program emits. HostnameConfig,
 * LinkConfig, BondConfig, VLANConfig, LinkAliasConfig, ResolverConfig and TimeSyncConfig
 * first exist in v1.12.0 (pkg/machinery/config/types/network/ at tag v1.12.0; v1.11 has
 * none of them). Bond members are named by kernel link name, which 1.12 and 1.13 both
 * resolve (pkg/machinery/resources/network/link_name_resolver.go NewLinkResolver), not by
 * a `%d` pattern alias, which is 1.13-only. An upgrade preflight compares a
 * node's running version against this before applying the documents.
 */
export const MINIMUM_TALOS_VERSION = "v1.12.0";

const minor = (v: Version) => `${v.major}.${v.minor}`;

/** A version finding is a config problem: a path under `versions` and a message. */
export type VersionFinding = Problem;

/**
 * Problems of the pinned Talos/Kubernetes pair: Talos older than the documents need, a
 * Kubernetes outside the pinned Talos's range (mirrors pkg/machinery/compatibility/
 * kubernetes_version.go KubernetesVersion.SupportedWith). A Talos minor the table does not
 * know yet is a warning: a version bump stays deployable until its row is added.
 */
export function versionProblems(
  talosVersion: string,
  kubernetesVersion: string,
  support: readonly KubernetesSupport[] = KUBERNETES_SUPPORT,
  minimumTalos: string = MINIMUM_TALOS_VERSION,
): { problems: VersionFinding[]; warnings: VersionFinding[] } {
  const problems: VersionFinding[] = [];
  const warnings: VersionFinding[] = [];
  const talos = readVersion(talosVersion);
  const kubernetes = readVersion(kubernetesVersion);
  const minimum = readVersion(minimumTalos)!;
  if (!talos || !kubernetes) return { problems, warnings }; // the schema reports unpinned versions
  if (compareVersions(talos, minimum) < 0) {
    problems.push({ path: "versions.talos", message: `${talosVersion} is older than ${minimumTalos}, the oldest Talos that accepts the machine-config documents this program emits` });
  }
  const row = support.find((r) => r.talos === minor(talos));
  if (!row) {
    const known = support.map((r) => r.talos).join(", ");
    warnings.push({ path: "versions.talos", message: `no known Kubernetes support range for Talos ${minor(talos)} (known: ${known}); Kubernetes ${kubernetesVersion} is unchecked until it is added to components/talos/rules/kubernetes-support.ts` });
    return { problems, warnings };
  }
  const k = minor(kubernetes);
  const [lo, hi] = [readVersion(row.kubernetes.min)!, readVersion(row.kubernetes.max)!];
  const kMinor: Version = { major: kubernetes.major, minor: kubernetes.minor, patch: 0 };
  if (compareVersions(kMinor, lo) < 0 || compareVersions(kMinor, hi) > 0) {
    problems.push({
      path: "versions.kubernetes",
      message: `Kubernetes ${kubernetesVersion} (${k}) is not supported by Talos ${talosVersion}: it supports Kubernetes ${row.kubernetes.min}-${row.kubernetes.max}`,
    });
  }
  return { problems, warnings };
}
