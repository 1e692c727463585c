/**
 * The bootstrap plan as typed data: phase-0 CRD sets (bootstrap/crds.yaml) and
 * phase-1 releases with their dependencies (bootstrap/releases.yaml).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { ManifestError, readText, relativeTo } from "./manifests";

export const CRDS_FILE = "bootstrap/crds.yaml";
export const RELEASES_FILE = "bootstrap/releases.yaml";
/** Vendored CRD files, one folder per set. */
export const CRD_FILES_DIR = "bootstrap/crds";

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a lower-case DNS label");

const crdsSchema = z.strictObject({
  crdSets: z
    .array(
      z.strictObject({
        name,
        description: z.string().min(1),
        version: z.string().min(1),
        source: z.string().startsWith("https://").includes("{version}").endsWith("/"),
        versionAnnotation: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/, "must be an annotation key"),
        files: z
          .array(
            z.strictObject({
              file: z.string().regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "must be a plain YAML file name"),
              sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lower-case hex sha256"),
            }),
          )
          .min(1),
        provides: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9.-]+$/, "must be a CRD name (<plural>.<group>)")).min(1),
        admissionPolicies: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be an object name (DNS subdomain)")).default([]),
        neededBy: z.array(name),
      }),
    )
    .min(1),
});

const releasesSchema = z.strictObject({
  prerequisites: z.array(z.strictObject({ name, description: z.string().min(1) })),
  releases: z
    .array(
      z.strictObject({
        name,
        helmRelease: z.string().regex(/^kubernetes\/.+\.ya?ml$/, "must be a path under kubernetes/"),
        dependsOn: z.array(name),
        crds: z.array(name),
        prerequisites: z.array(name).default([]),
        minNodes: z.number().int().min(1).default(1),
      }),
    )
    .min(1),
});

export interface CrdSet {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** Upstream folder URL with `{version}` expanded; the vendored files were copied from it. */
  readonly source: string;
  /**
   * The annotation upstream stamps each CRD with its release (Gateway API
   * `gateway.networking.k8s.io/bundle-version`, prometheus-operator
   * `operator.prometheus.io/version`): a file vendored from another release than
   * `version` is refused, so a version bump without `npm run vendor-crds` cannot apply
   * the old bytes under the new pin.
   */
  readonly versionAnnotation: string;
  /** Vendored CRD files (repo-relative paths under bootstrap/crds/<set>/) with their pinned sha256. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly sha256: string }>;
  /** CRD names (`<plural>.<group>`) the set installs; gate on them being Established. */
  readonly provides: readonly string[];
  /**
   * admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies the set's files ship, each
   * with a ValidatingAdmissionPolicyBinding of the same name (Gateway API's safe-upgrades
   * since v1.5); registered after the set's CRDs.
   */
  readonly admissionPolicies: readonly string[];
  readonly neededBy: readonly string[];
}

export interface Prerequisite {
  readonly name: string;
  readonly description: string;
}

export interface PlannedRelease {
  readonly name: string;
  /** Repo-relative path of the HelmRelease to load with loadChartSpec. */
  readonly helmRelease: string;
  readonly dependsOn: readonly string[];
  readonly crds: readonly string[];
  readonly prerequisites: readonly string[];
  readonly minNodes: number;
}

export interface BootstrapPlan {
  readonly crdSets: readonly CrdSet[];
  readonly prerequisites: readonly Prerequisite[];
  /** In an order where every release follows its dependencies. */
  readonly releases: readonly PlannedRelease[];
}

function readYaml<T>(repoRoot: string, rel: string, schema: z.ZodType<T>): T {
  const text = readText(repoRoot, path.join(repoRoot, rel), "bootstrap data file");
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new ManifestError(rel, `invalid YAML: ${(e as Error).message}`);
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new ManifestError(rel, r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  }
  return r.data;
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

/** Orders releases so each follows its dependencies; reports cycles. */
function topologicalOrder(releases: readonly PlannedRelease[], file: string): PlannedRelease[] {
  const byName = new Map(releases.map((r) => [r.name, r]));
  const done = new Set<string>();
  const ordered: PlannedRelease[] = [];
  const visit = (r: PlannedRelease, stack: readonly string[]): void => {
    if (done.has(r.name)) return;
    if (stack.includes(r.name)) throw new ManifestError(file, `dependency cycle: ${[...stack, r.name].join(" -> ")}`);
    for (const d of r.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...stack, r.name]);
    }
    done.add(r.name);
    ordered.push(r);
  };
  releases.forEach((r) => visit(r, []));
  return ordered;
}

/** Loads and cross-checks bootstrap/crds.yaml and bootstrap/releases.yaml. */
export function loadBootstrapPlan(repoRoot: string): BootstrapPlan {
  const crds = readYaml(repoRoot, CRDS_FILE, crdsSchema);
  const rel = readYaml(repoRoot, RELEASES_FILE, releasesSchema);
  const problems: string[] = [];
  const releaseNames = rel.releases.map((r) => r.name);
  const setNames = crds.crdSets.map((s) => s.name);
  const prereqNames = rel.prerequisites.map((p) => p.name);

  for (const d of duplicates(releaseNames)) problems.push(`${RELEASES_FILE}: release ${d} is listed twice`);
  for (const d of duplicates(setNames)) problems.push(`${CRDS_FILE}: CRD set ${d} is listed twice`);
  for (const r of rel.releases) {
    for (const d of r.dependsOn) if (!releaseNames.includes(d)) problems.push(`${RELEASES_FILE}: ${r.name} depends on unknown release ${d}`);
    if (r.dependsOn.includes(r.name)) problems.push(`${RELEASES_FILE}: ${r.name} depends on itself`);
    for (const c of r.crds) if (!setNames.includes(c)) problems.push(`${RELEASES_FILE}: ${r.name} needs unknown CRD set ${c}`);
    for (const p of r.prerequisites) if (!prereqNames.includes(p)) problems.push(`${RELEASES_FILE}: ${r.name} needs unknown prerequisite ${p}`);
    if (!fs.existsSync(path.join(repoRoot, r.helmRelease))) problems.push(`${RELEASES_FILE}: ${r.name}: ${r.helmRelease} does not exist`);
  }
  // Both files state who needs which CRD set; they must agree.
  for (const s of crds.crdSets) {
    const fromReleases = rel.releases.filter((r) => r.crds.includes(s.name)).map((r) => r.name).sort();
    const declared = [...s.neededBy].sort();
    if (fromReleases.join() !== declared.join()) {
      problems.push(`${CRDS_FILE}: ${s.name}.neededBy [${declared.join(", ")}] disagrees with ${RELEASES_FILE} [${fromReleases.join(", ")}]`);
    }
  }
  if (problems.length > 0) throw new ManifestError(relativeTo(repoRoot, path.join(repoRoot, "bootstrap")), problems.join("; "));

  return {
    crdSets: crds.crdSets.map((s) => ({
      name: s.name,
      description: s.description,
      version: s.version,
      source: s.source.split("{version}").join(s.version),
      versionAnnotation: s.versionAnnotation,
      files: s.files.map((f) => ({ path: `${CRD_FILES_DIR}/${s.name}/${f.file}`, sha256: f.sha256 })),
      provides: s.provides,
      admissionPolicies: s.admissionPolicies,
      neededBy: s.neededBy,
    })),
    prerequisites: rel.prerequisites,
    releases: topologicalOrder(rel.releases, RELEASES_FILE),
  };
}

/**
 * The releases to install on a cluster of `nodeCount` nodes, in order. A kept
 * release may not depend on a skipped one.
 */
export function releasesForNodeCount(plan: BootstrapPlan, nodeCount: number): PlannedRelease[] {
  const kept = plan.releases.filter((r) => nodeCount >= r.minNodes);
  const keptNames = new Set(kept.map((r) => r.name));
  for (const r of kept) {
    const missing = r.dependsOn.filter((d) => !keptNames.has(d));
    if (missing.length > 0) {
      throw new Error(`${RELEASES_FILE}: ${r.name} depends on ${missing.join(", ")}, which a ${nodeCount}-node cluster skips`);
    }
  }
  return kept;
}

/** The cluster-settings key that suspends a node-count-gated release's Flux Kustomization. */
export function suspendSettingKey(release: string): string {
  return `${release.toUpperCase().replace(/-/g, "_")}_SUSPEND`;
}

/**
 * The same `minNodes` gate on the Flux side: for every gated release, a cluster-settings
 * value its Kustomization substitutes into `spec.suspend`, `"true"` on a cluster too small
 * for it. Flux then never applies it there, as the bootstrap never installs it.
 */
export function suspendSettings(plan: BootstrapPlan, nodeCount: number): Record<string, string> {
  return Object.fromEntries(plan.releases.filter((r) => r.minNodes > 1).map((r) => [suspendSettingKey(r.name), String(nodeCount < r.minNodes)]));
}
