/**
 * Phase 1, fresh clusters only: each bootstrapped chart as a real Helm release with the
 * HelmRelease's release name, namespace, chart, version and values, so Flux's
 * helm-controller adopts it. Each release waits for exactly what it needs: its CRD sets,
 * the releases it lists, its prerequisites, its namespace and its valuesFrom objects; the
 * release that starts Flux (the one carrying the Flux sync) waits for every other one, so
 * helm-controller never meets a release Pulumi is still installing.
 *
 * These resources live for one successful `pulumi up`. Once it has installed the Flux
 * release, the hand-off is recorded and later runs leave the releases out of the program
 * (`lifecycle.fluxOwnsReleases`: bootstrap/lifecycle.ts, read back by stacks/lifecycle.ts);
 * with retainOnDelete the engine then drops them from state
 * without calling the provider, so no Helm operation reaches a release Flux owns. Until
 * then every input but name and namespace is ignored, so a retried first `up` does not
 * upgrade what it installed.
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
  /** The release that starts Flux: it is installed after every other release. */
  readonly fluxRelease: string;
  /** Phase-0 groups by CRD set name. */
  readonly crdSets: ReadonlyMap<string, readonly pulumi.Resource[]>;
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
  const dependents = charts.filter((c) => c.release.dependsOn.includes(needs.fluxRelease)).map((c) => c.release.name);
  if (dependents.length > 0) {
    throw new Error(`bootstrap/releases.yaml: ${dependents.join(", ")} depend on ${needs.fluxRelease}, which starts Flux and must be installed last`);
  }
  // The plan's order, with the Flux release moved last so every other release precedes it.
  const ordered = [...charts.filter((c) => c.release.name !== needs.fluxRelease), ...charts.filter((c) => c.release.name === needs.fluxRelease)];
  const releases = new Map<string, k8s.helm.v3.Release>();
  for (const { release, chart } of ordered) {
    const { values, sources } = resolveValues(chart, needs.valuesSources);
    const namespace = needs.namespaces.get(chart.namespace);
    const dependsOn: pulumi.Resource[] = [
      ...release.crds.flatMap((c) => lookup(needs.crdSets, c, "CRD set", release.name)),
      ...release.dependsOn.map((d) => lookup(releases, d, "release", release.name)),
      // Flux reconciles every HelmRelease as soon as it runs: installed last, it finds each
      // release deployed, never pending-install (which its unlock step marks failed) or
      // missing (it would install it, and Pulumi's install then fails on the taken name).
      ...(release.name === needs.fluxRelease ? [...releases.values()] : []),
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
          // Nulls reach Helm as they do from Flux (they remove a chart default): the
          // provider's allowNullValues is a deprecated no-op since pulumi-kubernetes v4
          // (provider/pkg/provider/helm_release.go keeps nulls unconditionally).
          values,
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
          // Leaving the program (after the hand-off) or `pulumi destroy` drops the release
          // from state; it is never uninstalled.
          retainOnDelete: true,
          // Values composed from valuesFrom may carry secret keys (the mesh CA).
          ...(pulumi.Output.isInstance(values) ? { additionalSecretOutputs: ["values"] } : {}),
        },
      ),
    );
  }
  return releases;
}
