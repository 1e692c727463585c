/**
 * ClusterBootstrap: what a healthy Talos cluster needs before GitOps runs, then the hand-off
 * to Flux. Phase 0 applies the CRD sets the charts need; phase 2 creates the namespaces,
 * the bootstrap Secret and cluster-settings; phase 1 installs the charts of kubernetes/ as
 * the Helm releases Flux adopts, each after exactly what it needs. Charts, versions and
 * values are read from the Flux tree and substituted from the settings map that becomes
 * cluster-settings, so bootstrap and Flux cannot drift.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadBootstrapCharts, loadBootstrapPlan } from "../../bootstrap/loader";
import { loadReleaseNamespaces } from "../../bootstrap/namespaces";
import type { Settings } from "../../bootstrap/substitute";
import type { Values } from "../../bootstrap/values";
import type { StackConfig } from "../../stacks/config";
import { VALUES_SECRET } from "../clustermesh";
import { installCrdSets } from "./crds";
import { createClusterSettings, createConnectToken, createNamespaces, fluxSyncOf, type FluxSync } from "./handoff";
import { installReleases } from "./releases";

export { CLUSTER_SETTINGS, CONNECT_TOKEN } from "./handoff";
export type { FluxSync } from "./handoff";
export { FLUX_OWNED_INPUTS } from "./releases";

export interface ClusterBootstrapArgs {
  /** The validated stack config (the repository root the tree is read from). */
  readonly config: StackConfig;
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
  /** Installed release → chart version. */
  readonly releases: Record<string, string>;
  readonly fluxSync: { url: string; ref: string; path: string };
}

export class ClusterBootstrap extends pulumi.ComponentResource {
  readonly crdSets: Map<string, k8s.yaml.v2.ConfigGroup>;
  readonly namespaces: Map<string, k8s.core.v1.Namespace>;
  readonly clusterSettings: k8s.core.v1.ConfigMap;
  readonly connectTokenSecret?: k8s.core.v1.Secret;
  readonly releases: Map<string, k8s.helm.v3.Release>;
  readonly fluxSync: FluxSync;
  readonly outputs: BootstrapOutputs;

  constructor(name: string, args: ClusterBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:bootstrap:ClusterBootstrap", name, {}, opts);
    const repoRoot = args.config.projectRoot;
    const k8sOpts = { provider: args.kubernetesProvider, parent: this, adoptExisting: args.config.talos.bootstrapped };

    // Read and check everything first: a broken tree fails before anything is registered.
    const plan = loadBootstrapPlan(repoRoot);
    const charts = loadBootstrapCharts(repoRoot, args.settings, args.nodeCount);
    const namespaceManifests = loadReleaseNamespaces(repoRoot, charts.map((c) => c.chart), args.settings);
    this.fluxSync = fluxSyncOf(charts.map((c) => c.chart));

    // Phase 0.
    this.crdSets = installCrdSets(plan.crdSets, k8sOpts);

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

    // Phase 1.
    this.releases = installReleases(
      charts,
      {
        crdSets: this.crdSets,
        prerequisites,
        namespaces: this.namespaces,
        // Only a Secret that is really written can stand in for Flux's valuesFrom.
        valuesSources: args.meshValuesSecret
          ? [{ kind: "Secret", ...VALUES_SECRET, values: args.meshValues, resource: args.meshValuesSecret }]
          : [],
      },
      k8sOpts,
    );

    const { url, ref, path } = this.fluxSync;
    this.outputs = {
      releases: Object.fromEntries(charts.map((c) => [c.release.name, c.chart.version])),
      fluxSync: { url, ref, path },
    };
    this.registerOutputs({ releases: this.outputs.releases, fluxSync: this.outputs.fluxSync });
  }
}
