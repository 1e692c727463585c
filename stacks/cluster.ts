/**
 * One cluster from components, in the order it comes up. No branch on the
 * stack name: everything that differs between clusters comes from config.
 *
 * Order: secrets (1Password and Cloudflare providers, bootstrap reads; absent when an
 * integration is off) → Talos (PKI, machine configs, apply, bootstrap, health gate,
 * kubeconfig, Kubernetes provider) → ClusterMesh (CA, peers, Cilium values Secret) →
 * bootstrap (phase 0 CRDs, phase 1 charts, phase 2 hand-off to Flux) → edge (tunnel,
 * scoped tokens) and the writes of generated material to 1Password.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Day2Plan } from "../components/talos/day2/plan";
import { DAY2_RECORD_OUTPUT } from "../components/talos/day2/record";
import type { PkiFields } from "../components/talos/rules/pki";
import { CloudflareEdge } from "../components/cloudflare/edge";
import { cloudflareProvider } from "../components/cloudflare/provider";
import { DNS_TOKEN_CONSUMERS } from "../components/cloudflare/tokens";
import { ClusterSecrets } from "../components/onepassword/cluster-secrets";
import { readItemField, vaultUuid } from "../components/onepassword/items";
import { ClusterBootstrap } from "../components/bootstrap";
import { ClusterMesh, MeshPeers } from "../components/clustermesh";
import { TalosCluster } from "../components/talos";
import { talosClusterArgs } from "./talos";
import { StackConfig } from "./config";
import { lifecycleOutput, type Lifecycle, type WrittenItems } from "./lifecycle";
import { edgeEnabled, vaultOwnership } from "./ownership";
import { ciliumDevices } from "./reachability";
import { clusterSettings } from "./settings";

export interface ClusterOutputs {
  readonly nodes: { address: string; hostname: string; role: string }[];
  readonly [name: string]: unknown;
}

/** What the program decided before composing the cluster (stacks/program.ts). */
export interface Preflighted {
  /** A running cluster's preflight plan (stacks/preflight.ts). */
  readonly day2Plan?: Day2Plan;
  /** The adopted PKI item's fields, when the preflight read them (secret): not read again. */
  readonly adoptedPki?: pulumi.Output<PkiFields>;
}

export function buildCluster(config: StackConfig, mesh: MeshPeers, lifecycle: Lifecycle, early?: Preflighted): ClusterOutputs {
  const settings = clusterSettings(config);

  // Secrets: 1Password provider (registered by the ownership check) and the reads the bootstrap needs.
  const ownership = lifecycle.ownership;
  const onepassword = ownership?.provider;
  // The vault external-secrets reads, where generated kubernetes/<cluster>/... items go.
  const clusterVault = onepassword ? vaultUuid(config.onepassword.clusterVault, onepassword) : undefined;
  // Secret: the token external-secrets reaches 1Password Connect with.
  const { item: connectItem, field: connectField } = config.onepassword.connectToken;
  const connectToken = onepassword && clusterVault ? readItemField(clusterVault, connectItem, connectField, onepassword) : undefined;

  // Talos cluster: PKI, configs, apply, bootstrap, health, kubeconfig, provider.
  const pkiOwnership = ownership && vaultOwnership(ownership, config.onepassword.talosVault);
  const talos = new TalosCluster("talos", talosClusterArgs(config, onepassword, pkiOwnership, early?.day2Plan, early?.adoptedPki));
  // Every Kubernetes resource goes through this provider; it waits for Talos health.
  const kubernetes = talos.kubernetesProvider;

  // ClusterMesh: this cluster's own CA, the peers, the Cilium values Secret.
  const clustermesh = new ClusterMesh("clustermesh", {
    cluster: { name: config.cluster.name, id: config.cluster.id },
    mesh,
    devices: ciliumDevices(config.network, config.nodes),
    kubernetesProvider: kubernetes,
  });
  // CRDs, charts, hand-off to Flux. The Cilium release merges the mesh values as Flux's
  // valuesFrom does and depends on the Secret that carries them.
  // Once Flux owns the releases (adopted cluster, or recorded by an earlier run) none is registered.
  const bootstrap = new ClusterBootstrap("bootstrap", {
    projectRoot: config.projectRoot,
    fluxOwnsReleases: lifecycle.fluxOwnsReleases,
    settings,
    kubernetesProvider: kubernetes,
    meshValues: clustermesh.values,
    meshValuesSecret: clustermesh.valuesSecret,
    connectToken,
    nodeCount: config.nodes.length,
  });

  // Edge: Cloudflare tunnel and scoped tokens; writes of generated material to 1Password.
  const cloudflare = config.credentials.cloudflare ? cloudflareProvider("cloudflare", config.credentials.cloudflare) : undefined;
  const { accountId, zone, zoneId, tunnel } = config.cloudflare;
  const edge =
    cloudflare && accountId && edgeEnabled(config)
      ? new CloudflareEdge("edge", { provider: cloudflare, cluster: config.cluster.name, accountId, zone, zoneId, tunnel, dnsTokenConsumers: DNS_TOKEN_CONSUMERS })
      : undefined;
  const written =
    onepassword && clusterVault && ownership
      ? new ClusterSecrets("cluster-secrets", {
          provider: onepassword,
          vault: clusterVault,
          ownership: vaultOwnership(ownership, config.onepassword.clusterVault),
          cluster: config.cluster.name,
          talosconfig: talos.talosconfig,
          kubeconfig: talos.kubeconfig,
          tunnel: edge && { id: edge.tunnelId, token: edge.tunnelToken },
          cloudflareTokens: edge?.apiTokens,
          cloudflareZoneId: edge?.zoneId,
        })
      : undefined;
  // Every item this run writes, recorded once it exists: the next run's ownership check reads them.
  const recordOnceWritten = (title: string, item: pulumi.CustomResource) => item.id.apply(() => title);
  const writtenItems: WrittenItems[] = [
    ...(written ? [{ vault: config.onepassword.clusterVault, titles: Object.entries(written.items).map(([title, item]) => recordOnceWritten(title, item)) }] : []),
    ...(talos.pkiBackup ? [{ vault: config.onepassword.talosVault, titles: [recordOnceWritten(config.onepassword.talosItem, talos.pkiBackup)] }] : []),
  ];
  const edgeOutputs = {
    ...(edge && { cloudflareTunnel: { name: edge.tunnelName, id: edge.tunnelId, zoneId: edge.zoneId } }),
    ...(written && { onepasswordItems: { vault: config.onepassword.clusterVault, titles: written.titles } }),
    // Without 1Password the tokens would otherwise be lost: keep them as secret outputs.
    ...(edge && !written && { cloudflareSecrets: pulumi.secret({ tunnelToken: edge.tunnelToken, apiTokens: edge.apiTokens }) }),
  };

  return {
    nodes: talos.nodes,
    talosconfig: talos.talosconfig,
    kubeconfig: talos.kubeconfig,
    installerImage: talos.installerImage,
    schematicId: talos.schematicId,
    ...edgeOutputs,
    ...clustermesh.stackOutputs,
    bootstrap: bootstrap.outputs,
    // Read back by the next run (stacks/lifecycle.ts): where the day-2 steps left each node,
    // which tells the next run's upgrade from drift (components/talos/day2/record.ts).
    ...(talos.day2 ? { [DAY2_RECORD_OUTPUT]: talos.day2.record } : {}),
    // Read back by the next run (stacks/lifecycle.ts): the hand-off to Flux, the PKI mode
    // and the 1Password items this stack wrote.
    lifecycle: lifecycleOutput(config, bootstrap.handedOff, writtenItems.length > 0 ? writtenItems : undefined),
  };
}
