/**
 * TalosCluster: from a validated stack config to a bootstrapped, healthy Talos cluster
 * and a Kubernetes provider for what follows. Order: PKI and installer image → one
 * machine config and apply per node (all in parallel) → etcd bootstrap after every
 * control-plane apply → kubeconfig → Talos health gate (no Kubernetes checks: no CNI
 * yet) → Kubernetes provider.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "../../sdks/talos";
import type { NodeConfig, StackConfig } from "../../stacks/config";
import { nodePatchPath } from "../../stacks/validate";
import { vaultUuid } from "../onepassword/items";
import { derivedPatch } from "./derived";
import { installerImage } from "./image";
import { renameKubeconfigContext } from "./kubeconfig";
import { clusterPatchFiles, loadPatchFile } from "./patches";
import { adoptPki, ClientConfiguration, generatePki, machineSecretsArgs, Pki, PkiFields } from "./pki";

/**
 * The Kubernetes provider's clusterIdentifier. Changing it replaces the provider and every
 * resource created through it: never edit it on a stack that has been deployed.
 */
export const KUBERNETES_PROVIDER_IDENTITY = "k8s-gitops-talos-cluster";

/** Import id of talos_machine_bootstrap (its ImportState ignores the value). */
export const BOOTSTRAP_IMPORT_ID = "machine_bootstrap";

export interface TalosClusterArgs {
  /** The validated stack config: cluster, network, nodes, talos, onepassword, versions. */
  readonly config: StackConfig;
  /** Needed to adopt the PKI, and to back up a generated one. */
  readonly onepassword?: onepassword.Provider;
}

export interface TalosNode {
  readonly address: string;
  readonly hostname: string;
  readonly role: NodeConfig["role"];
}

/** Patches of one node in the order they apply: cluster-wide, role, derived, the node's own. */
export function nodePatches(config: StackConfig, node: NodeConfig, image: pulumi.Output<string>): pulumi.Input<string>[] {
  const load = (file: string) => loadPatchFile(config.projectRoot, file).text;
  return [
    ...clusterPatchFiles(config.projectRoot, node.role).map(load),
    image.apply((img) => derivedPatch(config, node, img)),
    load(nodePatchPath(config.cluster.name, node.address)),
  ];
}

export class TalosCluster extends pulumi.ComponentResource {
  readonly nodes: TalosNode[];
  readonly schematicId: pulumi.Output<string>;
  readonly installerImage: pulumi.Output<string>;
  /** The 14 PKI fields as the 1Password item holds them (secret). */
  readonly pkiFields: pulumi.Output<PkiFields>;
  /** Talos API admin credentials (secret). */
  readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  readonly applies: talos.machine.ConfigurationApply[];
  readonly bootstrap: talos.machine.Bootstrap;
  /** Admin kubeconfig, context and user named after the cluster (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** talosconfig with every control-plane endpoint and every node (secret). */
  readonly talosconfig: pulumi.Output<string>;
  /** Resolves once Talos reports every node healthy; depend on it before the Kubernetes API. */
  readonly healthy: pulumi.Output<string>;
  readonly kubernetesProvider: k8s.Provider;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:talos:Cluster", name, {}, opts);
    const { config } = args;
    const cluster = config.cluster.name;
    const timeout = config.talos.applyTimeout;
    const addresses = (nodes: readonly NodeConfig[]) => nodes.map((n) => n.address);
    const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
    const workers = config.nodes.filter((n) => n.role === "worker");

    const pki = this.createPki(args);
    this.pkiFields = pki.fields;
    this.clientConfiguration = pki.clientConfiguration;
    const machineSecrets = machineSecretsArgs(pki.fields);

    const image = installerImage(config.projectRoot, config.versions.talos, this);
    this.schematicId = image.schematicId;
    this.installerImage = image.installerImage;

    // One config and one apply per node; no apply waits for another.
    this.nodes = config.nodes.map((n) => ({ address: n.address, hostname: n.hostname, role: n.role }));
    this.applies = config.nodes.map((node) => {
      const machine = talos.machine.getConfigurationOutput(
        {
          clusterName: cluster,
          clusterEndpoint: config.cluster.endpoint,
          machineType: node.role,
          machineSecrets,
          talosVersion: config.versions.talos,
          kubernetesVersion: config.versions.kubernetes,
          configPatches: nodePatches(config, node, image.installerImage),
          docs: false,
          examples: false,
        },
        { parent: this },
      );
      return new talos.machine.ConfigurationApply(
        node.hostname,
        {
          node: node.address,
          endpoint: node.address,
          clientConfiguration: this.clientConfiguration,
          machineConfigurationInput: machine.machineConfiguration,
          applyMode: "auto",
          // Destroy leaves machines running unless config asks for a wipe.
          onDestroy: { graceful: true, reboot: false, reset: config.talos.resetOnDestroy },
          timeouts: { create: timeout, update: timeout, delete: timeout },
        },
        { parent: this },
      );
    });
    const controlPlaneApplies = this.applies.filter((_, i) => config.nodes[i].role === "controlplane");

    // On its own address: a DNS endpoint may only answer once the cluster runs. A running
    // cluster answers bootstrap with AlreadyExists, which the provider retries until it times
    // out, so there the resource is imported (recorded, never executed).
    const alreadyBootstrapped = config.talos.bootstrapped;
    this.bootstrap = new talos.machine.Bootstrap(
      "bootstrap",
      {
        node: config.cluster.bootstrapNode,
        endpoint: config.cluster.bootstrapNode,
        clientConfiguration: this.clientConfiguration,
        timeouts: { create: timeout },
      },
      {
        parent: this,
        dependsOn: controlPlaneApplies,
        ...(alreadyBootstrapped
          ? { import: BOOTSTRAP_IMPORT_ID, ignoreChanges: ["node", "endpoint", "clientConfiguration", "timeouts"] }
          : {}),
      },
    );

    const kubeconfig = new talos.cluster.Kubeconfig(
      `${cluster}-kubeconfig`,
      {
        clientConfiguration: this.clientConfiguration,
        node: config.cluster.bootstrapNode,
        endpoint: config.cluster.bootstrapNode,
        timeouts: { create: timeout, update: timeout },
      },
      { parent: this, dependsOn: [this.bootstrap] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw.apply((raw) => renameKubeconfigContext(raw, cluster)));

    this.talosconfig = pulumi.secret(
      talos.client.getConfigurationOutput(
        {
          clusterName: cluster,
          clientConfiguration: this.clientConfiguration,
          endpoints: addresses(controlPlanes),
          nodes: addresses(config.nodes),
        },
        { parent: this },
      ).talosConfig,
    );

    const health = talos.cluster.getHealthOutput(
      {
        clientConfiguration: this.clientConfiguration,
        controlPlaneNodes: addresses(controlPlanes),
        endpoints: addresses(controlPlanes),
        workerNodes: addresses(workers),
        skipKubernetesChecks: true,
        timeouts: { read: config.talos.healthTimeout },
      },
      { parent: this, dependsOn: [...this.applies, this.bootstrap, kubeconfig] },
    );
    this.healthy = health.id;

    // The provider's identity is a constant, never derived from config. pulumi-kubernetes'
    // DiffConfig (provider/pkg/provider/provider.go) replaces the provider, and with it every
    // Kubernetes resource of the stack, when clusterIdentifier changes; while it stays the
    // same it cancels every other replacement (a renewed kubeconfig, or one unknown in
    // preview). So a renamed cluster or a new certificate stays an update. One stack drives one cluster; pointing a stack at a
    // different cluster is not a config edit. A cluster that already runs has the
    // bootstrap's namespaces, CRDs and ConfigMap: those are adopted (server-side apply over
    // the existing object) instead of failing as "already exists".
    this.kubernetesProvider = new k8s.Provider(
      "kubernetes",
      {
        kubeconfig: pulumi.all([health.id, this.kubeconfig]).apply(([, kc]) => kc),
        clusterIdentifier: KUBERNETES_PROVIDER_IDENTITY,
        upsertExistingObjects: alreadyBootstrapped,
      },
      { parent: this },
    );

    this.registerOutputs({
      nodes: this.nodes,
      schematicId: this.schematicId,
      installerImage: this.installerImage,
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      healthy: this.healthy,
    });
  }

  private createPki(args: TalosClusterArgs): Pki {
    const { config, onepassword: provider } = args;
    const vault = provider ? vaultUuid(config.onepassword.talosVault, provider) : undefined;
    if (config.talos.pki === "generate") {
      return generatePki(
        {
          talosVersion: config.versions.talos,
          backup: provider && vault ? { vault, title: config.onepassword.talosItem, provider } : undefined,
        },
        this,
      );
    }
    if (!provider || !vault) throw new Error("talos.pki adopt reads the Talos PKI from 1Password, but 1Password is not configured");
    return adoptPki({ vault, title: config.onepassword.talosItem, provider }, this);
  }
}
