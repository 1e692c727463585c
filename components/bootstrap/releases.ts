/**
 * Phase 1: each bootstrapped chart as a real Helm release with the HelmRelease's release
 * name, namespace, chart, version and values, so Flux's helm-controller adopts it. Each
 * release waits for exactly what it needs: its CRD sets, the releases it lists, its
 * prerequisites, its namespace and its valuesFrom objects. Once installed, the release is
 * Flux's: later runs never upgrade, roll back or uninstall it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseChartArgs, type ChartSpec, type PlannedRelease } from "../../bootstrap/loader";
import type { Values } from "../../bootstrap/values";
import type { KubernetesOptions } from "./crds";
import { durationSeconds, FLUX_DEFAULT_TIMEOUT, helmWaitBlocker } from "./helm-wait";
import { resolveValues, type ValuesSource } from "./values-from";

/**
 * Every input of a release: Flux owns chart, version and values after adoption, and the
 * install-time knobs must not turn into a Helm upgrade by Pulumi either. Only name and
 * namespace (a different release altogether) are compared.
 */
export const FLUX_OWNED_INPUTS = [
  "chart",
  "version",
  "repositoryOpts",
  "values",
  "valueYamlFiles",
  "allowNullValues",
  "atomic",
  "cleanupOnFail",
  "createNamespace",
  "dependencyUpdate",
  "description",
  "devel",
  "disableCRDHooks",
  "disableOpenapiValidation",
  "disableWebhooks",
  "forceUpdate",
  "keyring",
  "lint",
  "maxHistory",
  "postrender",
  "recreatePods",
  "renderSubchartNotes",
  "replace",
  "resetValues",
  "reuseValues",
  "skipAwait",
  "skipCrds",
  "takeOwnership",
  "timeout",
  "verify",
  "waitForJobs",
];

/** helm-controller's default `spec.maxHistory`. */
const FLUX_MAX_HISTORY = 5;

export interface ReleaseNeeds {
  /** Phase-0 groups by CRD set name. */
  readonly crdSets: ReadonlyMap<string, pulumi.Resource>;
  /** Objects satisfying each prerequisite of bootstrap/releases.yaml, by name. */
  readonly prerequisites: ReadonlyMap<string, readonly pulumi.Resource[]>;
  /** Namespaces the program creates, by name (kube-system is not one). */
  readonly namespaces: ReadonlyMap<string, pulumi.Resource>;
  /** Objects a HelmRelease may read through valuesFrom. */
  readonly valuesSources: readonly ValuesSource[];
}

function lookup<T>(map: ReadonlyMap<string, T>, name: string, what: string, release: string): T {
  const found = map.get(name);
  if (found === undefined) throw new Error(`bootstrap release ${release}: no ${what} ${name}`);
  return found;
}

function skipAwaitFor(spec: ChartSpec, values: Values | pulumi.Output<Values>): boolean | pulumi.Output<boolean> {
  const blocked = (v: Values) => helmWaitBlocker(spec.chart, v) !== undefined;
  // Whether to wait is no secret, even when the values it is read from are.
  return pulumi.Output.isInstance(values) ? pulumi.unsecret(values.apply(blocked)) : blocked(values);
}

/** Installs `charts` in order (each after its dependencies); returns the releases by name. */
export function installReleases(
  charts: ReadonlyArray<{ release: PlannedRelease; chart: ChartSpec }>,
  needs: ReleaseNeeds,
  opts: KubernetesOptions,
): Map<string, k8s.helm.v3.Release> {
  const releases = new Map<string, k8s.helm.v3.Release>();
  for (const { release, chart } of charts) {
    const { values, sources } = resolveValues(chart, needs.valuesSources);
    const namespace = needs.namespaces.get(chart.namespace);
    const dependsOn: pulumi.Resource[] = [
      ...release.crds.map((c) => lookup(needs.crdSets, c, "CRD set", release.name)),
      ...release.dependsOn.map((d) => lookup(releases, d, "release", release.name)),
      ...release.prerequisites.flatMap((p) => lookup(needs.prerequisites, p, "prerequisite", release.name)),
      ...(namespace ? [namespace] : []),
      ...sources,
    ];
    releases.set(
      release.name,
      new k8s.helm.v3.Release(
        release.name,
        {
          // Flux adopts only a release of this exact name in this namespace.
          name: chart.releaseName,
          namespace: chart.namespace,
          ...releaseChartArgs(chart),
          values,
          // Flux hands nulls to Helm (they remove a chart default); so does the bootstrap.
          allowNullValues: true,
          // Phase 2 creates the namespaces, with their Pod Security labels.
          createNamespace: false,
          skipAwait: skipAwaitFor(chart, values),
          timeout: durationSeconds(chart.timeout ?? FLUX_DEFAULT_TIMEOUT),
          maxHistory: FLUX_MAX_HISTORY,
        },
        {
          provider: opts.provider,
          parent: opts.parent,
          dependsOn,
          ignoreChanges: FLUX_OWNED_INPUTS,
          retainOnDelete: true,
          // On a running cluster the release exists: record it (import id
          // <namespace>/<name>) instead of installing over it. Every input but name and
          // namespace is ignored, so the import never upgrades it.
          ...(opts.adoptExisting ? { import: `${chart.namespace}/${chart.releaseName}` } : {}),
          // Values composed from valuesFrom may carry secret keys (the mesh CA).
          ...(pulumi.Output.isInstance(values) ? { additionalSecretOutputs: ["values"] } : {}),
        },
      ),
    );
  }
  return releases;
}
