/**
 * Reads a bootstrapped chart from the Flux tree: the HelmRelease and the
 * OCIRepository/HelmRepository it references, substituted from the same
 * settings map that becomes flux-system/cluster-settings. The result is what
 * a k8s.helm.v3.Release needs to install the release Flux later adopts.
 */
import * as path from "path";
import { z } from "zod";
import {
  ManifestError,
  parseSubstitutedManifests,
  readKustomization,
  readText,
  relativeTo,
  type KubeObject,
} from "./manifests";
import type { Settings } from "./substitute";
import type { Values } from "./values";

import { loadBootstrapPlan, releasesForNodeCount, type PlannedRelease } from "./plan";

export { loadBootstrapPlan, releasesForNodeCount } from "./plan";
export type { BootstrapPlan, CrdSet, PlannedRelease, Prerequisite } from "./plan";

const HELM_RELEASE_API = "helm.toolkit.fluxcd.io/v2";
const SOURCE_API = "source.toolkit.fluxcd.io/v1";
/** Helm refuses longer release names. */
const MAX_RELEASE_NAME = 53;

export interface ValuesReference {
  readonly kind: "Secret" | "ConfigMap";
  readonly name: string;
  readonly valuesKey?: string;
  readonly targetPath?: string;
  readonly optional?: boolean;
}

/** One chart as the bootstrap installs it and Flux later owns it. */
export interface ChartSpec {
  /** metadata.name of the HelmRelease. */
  readonly name: string;
  /** The Helm release name helm-controller uses (and will adopt). */
  readonly releaseName: string;
  /** Namespace of the release's objects and of its Helm storage. */
  readonly namespace: string;
  /** An `oci://` chart URL, or the chart's name in `repo`. */
  readonly chart: string;
  /** HTTP(S) Helm repository URL; absent for OCI charts. */
  readonly repo?: string;
  readonly version: string;
  /** spec.values after substitution. */
  readonly values: Values;
  /** spec.valuesFrom as declared; Flux merges these under `values`. */
  readonly valuesFrom: readonly ValuesReference[];
  /** spec.timeout (a Go duration such as `10m`), when the HelmRelease sets one. */
  readonly timeout?: string;
  /** Repo-relative path of the HelmRelease file. */
  readonly sourcePath: string;
  /** Repo-relative path of the file holding the chart source (and version pin). */
  readonly chartSourcePath: string;
}

const crossRef = z.strictObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  apiVersion: z.string().optional(),
});

const helmReleaseSpec = z.looseObject({
  timeout: z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, "must be a Go duration such as 10m").optional(),
  releaseName: z.string().min(1).optional(),
  targetNamespace: z.string().min(1).optional(),
  storageNamespace: z.string().min(1).optional(),
  chartRef: crossRef.optional(),
  chart: z
    .looseObject({
      spec: z.looseObject({ chart: z.string().min(1), version: z.string().min(1).optional(), sourceRef: crossRef }),
    })
    .optional(),
  values: z.record(z.string(), z.unknown()).optional(),
  valuesFrom: z
    .array(
      z.strictObject({
        kind: z.enum(["Secret", "ConfigMap"]),
        name: z.string().min(1),
        valuesKey: z.string().min(1).optional(),
        targetPath: z.string().min(1).optional(),
        optional: z.boolean().optional(),
      }),
    )
    .optional(),
});

const ociRepositorySpec = z.looseObject({
  url: z.string().startsWith("oci://"),
  ref: z.looseObject({ tag: z.string().min(1).optional(), semver: z.string().optional(), digest: z.string().optional() }).optional(),
});

const helmRepositorySpec = z.looseObject({
  url: z.string().min(1),
  type: z.enum(["default", "oci"]).optional(),
});

/** An exact chart version; ranges would let bootstrap and Flux diverge. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;

function parseField<T>(schema: z.ZodType<T>, value: unknown, file: string, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${[what, ...i.path.map(String)].join(".")}: ${i.message}`);
  throw new ManifestError(file, issues.join("; "));
}

/** Objects of every file (recursively through folders) a kustomization lists, substituted. */
export function kustomizationObjects(repoRoot: string, dir: string, settings: Settings): Array<{ file: string; object: KubeObject }> {
  const k = readKustomization(repoRoot, dir);
  return k.resources.flatMap((res) => {
    const rel = relativeTo(repoRoot, res);
    if (res.endsWith(".yaml") || res.endsWith(".yml")) {
      const objects = parseSubstitutedManifests(readText(repoRoot, res, "resource"), settings, rel);
      return objects.map((object) => ({ file: res, object: withNamespace(object, k.namespace) }));
    }
    return kustomizationObjects(repoRoot, res, settings).map((o) => ({ ...o, object: withNamespace(o.object, k.namespace) }));
  });
}

function withNamespace(object: KubeObject, namespace: string | undefined): KubeObject {
  // kustomize's namespace transformer; the Flux kinds used here are all namespaced.
  return namespace === undefined ? object : { ...object, metadata: { ...object.metadata, namespace } };
}

/**
 * Loads one HelmRelease (path relative to `repoRoot`) and its chart source.
 * Throws a ManifestError naming the file and the reason on any problem.
 */
export function loadChartSpec(repoRoot: string, helmReleasePath: string, settings: Settings): ChartSpec {
  const file = path.resolve(repoRoot, helmReleasePath);
  const rel = relativeTo(repoRoot, file);
  readText(repoRoot, file, "HelmRelease file");
  const dir = path.dirname(file);

  const inDir = kustomizationObjects(repoRoot, dir, settings);
  const releases = inDir.filter((o) => o.file === file && o.object.kind === "HelmRelease");
  if (!inDir.some((o) => o.file === file)) {
    throw new ManifestError(rel, `not listed in ${relativeTo(repoRoot, path.join(dir, "kustomization.yaml"))}, so Flux never applies it`);
  }
  if (releases.length !== 1) throw new ManifestError(rel, `expected exactly one HelmRelease, found ${releases.length}`);
  const hr = releases[0].object;
  if (hr.apiVersion !== HELM_RELEASE_API) throw new ManifestError(rel, `HelmRelease must be ${HELM_RELEASE_API}`);
  const spec = parseField(helmReleaseSpec, hr.spec, rel, "spec");
  const hrNamespace = hr.metadata.namespace;
  if (hrNamespace === undefined) throw new ManifestError(rel, "metadata.namespace is required");

  const namespace = spec.targetNamespace ?? hrNamespace;
  const storageNamespace = spec.storageNamespace ?? hrNamespace;
  if (storageNamespace !== namespace) {
    throw new ManifestError(rel, `Helm storage namespace ${storageNamespace} differs from target namespace ${namespace}; a bootstrap release could not be adopted`);
  }
  const releaseName = spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${hr.metadata.name}` : hr.metadata.name);
  if (releaseName.length > MAX_RELEASE_NAME) throw new ManifestError(rel, `release name ${releaseName} is longer than ${MAX_RELEASE_NAME}`);

  const source = resolveSource(repoRoot, rel, spec, hrNamespace, inDir);
  return {
    name: hr.metadata.name,
    releaseName,
    namespace,
    ...source,
    values: spec.values ?? {},
    valuesFrom: spec.valuesFrom ?? [],
    ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
    sourcePath: rel,
  };
}

type SourceFields = Pick<ChartSpec, "chart" | "repo" | "version" | "chartSourcePath">;

function resolveSource(
  repoRoot: string,
  rel: string,
  spec: z.infer<typeof helmReleaseSpec>,
  hrNamespace: string,
  candidates: ReadonlyArray<{ file: string; object: KubeObject }>,
): SourceFields {
  if ((spec.chartRef === undefined) === (spec.chart === undefined)) {
    throw new ManifestError(rel, "set exactly one of spec.chartRef and spec.chart");
  }
  const ref = spec.chartRef ?? spec.chart?.spec.sourceRef;
  if (ref === undefined) throw new ManifestError(rel, "no chart source reference");
  const wantKind = spec.chartRef ? "OCIRepository" : "HelmRepository";
  if (ref.kind !== wantKind) {
    throw new ManifestError(rel, `${spec.chartRef ? "spec.chartRef" : "spec.chart.spec.sourceRef"} kind ${ref.kind} is not supported (use ${wantKind})`);
  }
  const namespace = ref.namespace ?? hrNamespace;
  const found = candidates.filter(
    (c) => c.object.kind === ref.kind && c.object.metadata.name === ref.name && (c.object.metadata.namespace ?? hrNamespace) === namespace,
  );
  if (found.length !== 1) {
    throw new ManifestError(rel, `${ref.kind} ${namespace}/${ref.name} ${found.length === 0 ? "not found" : "defined more than once"} in the resources of ${relativeTo(repoRoot, path.join(path.dirname(path.resolve(repoRoot, rel)), "kustomization.yaml"))}`);
  }
  const src = found[0];
  const srcRel = relativeTo(repoRoot, src.file);
  if (src.object.apiVersion !== SOURCE_API) throw new ManifestError(srcRel, `${ref.kind} must be ${SOURCE_API}`);

  if (spec.chartRef) {
    const oci = parseField(ociRepositorySpec, src.object.spec, srcRel, "spec");
    const tag = oci.ref?.tag;
    if (tag === undefined || oci.ref?.semver !== undefined || oci.ref?.digest !== undefined) {
      throw new ManifestError(srcRel, "the chart version must be pinned with spec.ref.tag alone");
    }
    if (!EXACT_VERSION.test(tag)) throw new ManifestError(srcRel, `spec.ref.tag ${tag} is not an exact chart version`);
    return { chart: oci.url, version: tag, chartSourcePath: srcRel };
  }

  const chartSpec = spec.chart?.spec;
  const repo = parseField(helmRepositorySpec, src.object.spec, srcRel, "spec");
  if (chartSpec?.version === undefined || !EXACT_VERSION.test(chartSpec.version)) {
    throw new ManifestError(rel, "spec.chart.spec.version must be an exact chart version");
  }
  if (repo.type === "oci") {
    return { chart: `${repo.url.replace(/\/+$/, "")}/${chartSpec.chart}`, version: chartSpec.version, chartSourcePath: rel };
  }
  return { chart: chartSpec.chart, repo: repo.url, version: chartSpec.version, chartSourcePath: rel };
}

/** The chart fields of a k8s.helm.v3.Release for `spec`, as plain data. */
export function releaseChartArgs(spec: ChartSpec): { chart: string; version: string; repositoryOpts?: { repo: string } } {
  return spec.repo === undefined
    ? { chart: spec.chart, version: spec.version }
    : { chart: spec.chart, version: spec.version, repositoryOpts: { repo: spec.repo } };
}

/** The phase-1 releases of a cluster, in dependency order, each with its chart. */
export function loadBootstrapCharts(
  repoRoot: string,
  settings: Settings,
  nodeCount: number,
): Array<{ release: PlannedRelease; chart: ChartSpec }> {
  const plan = loadBootstrapPlan(repoRoot);
  return releasesForNodeCount(plan, nodeCount).map((release) => ({
    release,
    chart: loadChartSpec(repoRoot, release.helmRelease, settings),
  }));
}
