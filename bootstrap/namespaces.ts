/**
 * The namespaces the bootstrap creates before its releases (createNamespace is off): every
 * namespace a bootstrapped release installs into, except kube-system, with the labels
 * (Pod Security admission) of its Namespace manifest in the Flux tree. Flux applies the
 * same manifest after the hand-off, so the labels are written once, in kubernetes/.
 */
import * as path from "path";
import { kustomizationObjects, type ChartSpec } from "./loader";
import { ManifestError, relativeTo } from "./manifests";
import type { Settings } from "./substitute";

/** Exists in every cluster and Talos exempts it from Pod Security admission: never created. */
export const SYSTEM_NAMESPACE = "kube-system";

export interface NamespaceManifest {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Repo-relative path of the file that declares it. */
  readonly sourcePath: string;
}

/**
 * Reads the Namespace manifest of each release namespace from the kustomization folders of
 * the bootstrapped HelmReleases. Throws a ManifestError when one is missing or declared twice.
 */
export function loadReleaseNamespaces(repoRoot: string, charts: readonly ChartSpec[], settings: Settings): NamespaceManifest[] {
  const dirs = [...new Set(charts.map((c) => path.dirname(path.resolve(repoRoot, c.sourcePath))))];
  const declared = dirs
    .flatMap((dir) => kustomizationObjects(repoRoot, dir, settings))
    .filter((o) => o.object.apiVersion === "v1" && o.object.kind === "Namespace");

  const wanted = [...new Set(charts.map((c) => c.namespace))].filter((n) => n !== SYSTEM_NAMESPACE);
  return wanted.map((name) => {
    const files = [...new Set(declared.filter((o) => o.object.metadata.name === name).map((o) => o.file))];
    const user = charts.find((c) => c.namespace === name) as ChartSpec;
    if (files.length !== 1) {
      throw new ManifestError(
        user.sourcePath,
        files.length === 0
          ? `namespace ${name} has no Namespace manifest in the folder of any bootstrapped HelmRelease; add one (with its Pod Security labels) so Flux owns it`
          : `namespace ${name} is declared in more than one file: ${files.map((f) => relativeTo(repoRoot, f)).join(", ")}`,
      );
    }
    const object = declared.find((o) => o.file === files[0] && o.object.metadata.name === name);
    return { name, labels: { ...(object?.object.metadata.labels ?? {}) }, sourcePath: relativeTo(repoRoot, files[0]) };
  });
}
