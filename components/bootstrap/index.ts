/**
 * ClusterBootstrap: what a healthy Talos cluster needs before GitOps runs, then the hand-off
 * to Flux. Phase 0 registers the vendored CRDs the charts need (and the admission policy
 * their bundle ships); phase 2 creates the
 * namespaces, the bootstrap Secret and cluster-settings; phase 1, on a fresh cluster only,
 * installs the charts of kubernetes/ as the Helm releases Flux adopts, each after exactly
 * what it needs and the Flux release after all of them. Charts, versions and values are
 * read from the Flux tree and substituted from the settings map that becomes
 * cluster-settings, so bootstrap and Flux cannot drift.
 *
 * Once Flux owns the releases (`fluxOwnsReleases`: an adopted cluster, or a previous run
 * installed Flux) phase 1 registers nothing: no install, no import. Importing a release
 * cannot work (the provider's importRelease recovers only the bare chart name, so Check
 * fails to load the chart: pulumi-kubernetes#3502), and a release in the program would be
 * upgraded by Pulumi after any refresh. Nothing else in the program needs the releases'
 * state, so nothing reads them either.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadBootstrapCharts, loadBootstrapPlan, type ChartSpec, type PlannedRelease } from "../../bootstrap/loader";
import { loadReleaseNamespaces } from "../../bootstrap/namespaces";
import type { Settings } from "../../bootstrap/substitute";
import type { Values } from "../../bootstrap/values";
import { loadVendoredSets } from "../../bootstrap/crd-files";
import { VALUES_SECRET } from "../clustermesh";
import { installAdmissionPolicies, type AdmissionPolicy } from "./admission-policies";
import { installCrds } from "./crds";
import { createClusterSettings, createConnectToken, createNamespaces, fluxSyncOf, type FluxSync } from "./handoff";
import { installReleases } from "./releases";
import type { ValuesSource } from "./values-from";

export { CLUSTER_SETTINGS, CONNECT_TOKEN } from "./handoff";
export type { FluxSync } from "./handoff";
export { FLUX_OWNED_INPUTS } from "./releases";

export interface ClusterBootstrapArgs {
  /** The repository root the Flux tree and bootstrap data are read from. */
  readonly projectRoot: string;
  /** Flux owns the phase-1 releases: register none (see stacks/lifecycle.ts). */
  readonly fluxOwnsReleases: boolean;
  /** clusterSettings(config): substituted into the charts and written as cluster-settings. */
  readonly settings: Settings;
  /** Gated on Talos health; every object here goes through it. */
  readonly kubernetesProvider: k8s.Provider;
  /** The Cilium values ClusterMesh writes into `valuesSecret` (secret). */
  readonly meshValues: pulumi.Output<Values>;
  /** kube-system/cilium-clustermesh-values, which the Cilium HelmRelease reads through valuesFrom. */
  readonly meshValuesSecret?: k8s.core.v1.Secret;
  /** The 1Password Connect token for external-secrets (secret); undefined without 1Password. */
  readonly connectToken?: pulumi.Output<string>;
  /** Releases with `minNodes` above this are not installed (Spegel on a single node). */
  readonly nodeCount: number;
}

export interface BootstrapOutputs {
  /** Bootstrapped release → chart version pinned in kubernetes/ (what Flux reconciles). */
  readonly releases: Record<string, string>;
  /** Who reconciles those releases from now on; `pulumi` only during a fresh cluster's first run. */
  readonly releaseOwner: "flux" | "pulumi";
  readonly fluxSync: { url: string; ref: string; path: string };
}

export class ClusterBootstrap extends pulumi.ComponentResource {
  readonly crds: Map<string, k8s.apiextensions.v1.CustomResourceDefinition[]>;
  /** The CRD sets' admission policies with their bindings (Gateway API safe-upgrades), by name. */
  readonly admissionPolicies: Map<string, AdmissionPolicy>;
  readonly namespaces: Map<string, k8s.core.v1.Namespace>;
  readonly clusterSettings: k8s.core.v1.ConfigMap;
  readonly connectTokenSecret?: k8s.core.v1.Secret;
  readonly releases: Map<string, k8s.helm.v3.Release>;
  readonly fluxSync: FluxSync;
  readonly outputs: BootstrapOutputs;
  /**
   * True once Flux owns the releases: at once when it already did, else when this run's
   * Flux release exists (unknown in preview, never true after a failed install).
   */
  readonly handedOff: pulumi.Output<boolean>;

  constructor(name: string, args: ClusterBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:bootstrap:ClusterBootstrap", name, {}, opts);
    const repoRoot = args.projectRoot;
    const k8sOpts = { provider: args.kubernetesProvider, parent: this };

    // Read and check everything first: a broken tree fails before anything is registered.
    const plan = loadBootstrapPlan(repoRoot);
    const charts = loadBootstrapCharts(repoRoot, args.settings, args.nodeCount);
    const namespaceManifests = loadReleaseNamespaces(repoRoot, charts.map((c) => c.chart), args.settings);
    this.fluxSync = fluxSyncOf(charts.map((c) => c.chart));
    const vendored = loadVendoredSets(repoRoot, plan.crdSets);

    // Phase 0: the CRDs, then the policies their bundles ship.
    this.crds = installCrds(vendored.crds, k8sOpts);
    this.admissionPolicies = installAdmissionPolicies(vendored.policies, this.crds, k8sOpts);

    // Phase 2 objects the releases need.
    this.namespaces = createNamespaces(namespaceManifests, k8sOpts);
    this.clusterSettings = createClusterSettings(args.settings, this.namespaces, k8sOpts);
    this.connectTokenSecret = createConnectToken(args.connectToken, this.namespaces, k8sOpts);
    const prerequisites = new Map<string, pulumi.Resource[]>([
      ["cluster-settings", [this.clusterSettings]],
      ["bootstrap-secrets", this.connectTokenSecret ? [this.connectTokenSecret] : []],
    ]);
    for (const p of plan.prerequisites) {
      if (!prerequisites.has(p.name)) throw new Error(`bootstrap/releases.yaml: prerequisite ${p.name} is not created by the bootstrap component`);
    }

    // Phase 1, until Flux owns the releases.
    const fluxRelease = fluxReleaseOf(charts);
    const valuesSources: ValuesSource[] = args.meshValuesSecret
      ? // Only a Secret that is really written can stand in for Flux's valuesFrom.
        [{ kind: "Secret", ...VALUES_SECRET, values: args.meshValues, resource: args.meshValuesSecret }]
      : [];
    this.releases = args.fluxOwnsReleases
      ? new Map()
      : installReleases(charts, { fluxRelease, crdSets: this.crds, prerequisites, namespaces: this.namespaces, valuesSources }, k8sOpts);

    const installedFlux = this.releases.get(fluxRelease);
    this.handedOff = installedFlux ? installedFlux.status.apply(() => true) : pulumi.output(true);

    const { url, ref, path } = this.fluxSync;
    this.outputs = {
      releases: Object.fromEntries(charts.map((c) => [c.release.name, c.chart.version])),
      releaseOwner: args.fluxOwnsReleases ? "flux" : "pulumi",
      fluxSync: { url, ref, path },
    };
    this.registerOutputs({ ...this.outputs, handedOff: this.handedOff });
  }
}

/** The release whose chart carries the Flux sync (fluxSyncOf checked there is one): it starts Flux, so it goes last. */
function fluxReleaseOf(charts: ReadonlyArray<{ release: PlannedRelease; chart: ChartSpec }>): string {
  const found = charts.find((c) => {
    const instance = c.chart.values.instance;
    return typeof instance === "object" && instance !== null && "sync" in instance;
  });
  if (found === undefined) throw new Error("no bootstrapped release defines the Flux sync (values instance.sync)");
  return found.release.name;
}
