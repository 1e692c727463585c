/**
 * TalosCluster: from a validated stack config to a bootstrapped, healthy Talos cluster
 * and a Kubernetes provider for what follows. Order: PKI and installer image → one
 * machine config and apply per node (fresh nodes: all in parallel; a running cluster:
 * preflight, Talos then Kubernetes upgrades, then applies rolled one node at a time, see
 * day2/) → etcd bootstrap after every control-plane apply → kubeconfig → Talos health
 * gate (no Kubernetes checks: no CNI yet) → Kubernetes provider.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "../../sdks/talos";
import { vaultUuid } from "../onepassword/items";
import type { ItemOwnership } from "../onepassword/ownership";
import { TalosDay2 } from "./day2/component";
import { rollOrder, type Day2Plan } from "./day2/plan";
import { installerImage } from "./image";
import { renameKubeconfigContext } from "./kubeconfig";
import { derivedKubeconfigOutput } from "./derived-credentials";
import type { DerivationConfig } from "./derived";
import { nodePatchPlan, PlannedNode } from "./plan";
import { adoptPki, ClientConfiguration, generatePki, machineSecretsArgs, Pki, PkiFields } from "./pki";

/**
 * The Kubernetes provider's clusterIdentifier. Changing it replaces the provider and every
 * resource created through it: never edit it on a stack that has been deployed.
 */
export const KUBERNETES_PROVIDER_IDENTITY = "k8s-gitops-talos-cluster";

/** Import id of talos_machine_bootstrap (its ImportState ignores the value). */
export const BOOTSTRAP_IMPORT_ID = "machine_bootstrap";

/**
 * The apply's delete: "if reset is not set this is a no-op" (siderolabs/terraform-provider-talos
 * talos_machine_configuration_apply_resource.go, on_destroy). The provider deletes with the
 * state's on_destroy, so a stack that once recorded a reset keeps it until an `up` records this.
 */
export const NO_MACHINE_CHANGE_ON_DELETE = { reset: false, graceful: true, reboot: false } as const;

/** What a node's patch plan needs: where talos/ lives, and the cluster and network it derives from. */
export interface NodePatchSettings extends DerivationConfig {
  readonly projectRoot: string;
}

/** What TalosCluster needs, mapped from the validated stack config by stacks/. */
export interface TalosClusterArgs extends NodePatchSettings {
  readonly cluster: DerivationConfig["cluster"] & {
    /** The control plane that runs etcd bootstrap and serves the kubeconfig. */
    readonly bootstrapNode: string;
  };
  /** In config order; applies roll control planes first. */
  readonly nodes: readonly PlannedNode[];
  readonly versions: {
    /** The installed Talos (installer image, PKI generation). */
    readonly talos: string;
    /** The machine-config contract, pinned apart from the installed Talos. */
    readonly talosContract: string;
    readonly kubernetes: string;
  };
  readonly talos: {
    readonly pki: "adopt" | "generate";
    /** The cluster runs already: day-2 steps, staged applies, an imported bootstrap. */
    readonly bootstrapped: boolean;
    /** Durations such as `10m`. */
    readonly applyTimeout: string;
    readonly healthTimeout: string;
    /** Nodes to remove from the running cluster this run (day2/, talos.decommission). */
    readonly decommission?: readonly string[];
    /** udev rules of every node (a change needs a reboot: staged, then rolled). */
    readonly udevRules?: readonly string[];
  };
  /**
   * A running cluster's preflight plan, decided from the observation before anything was
   * registered (stacks/preflight.ts); required when `talos.bootstrapped`.
   */
  readonly day2Plan?: Day2Plan;
  /**
   * The 1Password item holding the Talos PKI (adopt reads it, generate backs up to it), and
   * in generate mode the backup's verdict and owner tag (stacks/ownership.ts).
   */
  readonly pkiItem: {
    readonly vault: string;
    readonly title: string;
    readonly ownership?: ItemOwnership;
    /** Adopt: the item's checked fields, when the preflight already read them (secret); the item is then not read again. */
    readonly fields?: pulumi.Input<PkiFields>;
  };
  /** Needed to adopt the PKI, and to back up a generated one. */
  readonly onepassword?: onepassword.Provider;
}

export interface TalosNode {
  readonly address: string;
  readonly hostname: string;
  readonly role: PlannedNode["role"];
}

/**
 * Patches of one node in the order they apply: the pure plan (components/talos/plan.ts
 * nodePatchPlan) once the installer image is known.
 */
export function nodePatches(settings: NodePatchSettings, node: PlannedNode, image: pulumi.Output<string>): pulumi.Output<string[]> {
  return image.apply((img) => nodePatchPlan(settings.projectRoot, settings, node, img).map((patch) => patch.text));
}

export class TalosCluster extends pulumi.ComponentResource {
  readonly nodes: TalosNode[];
  readonly schematicId: pulumi.Output<string>;
  readonly installerImage: pulumi.Output<string>;
  /** The 14 PKI fields as the 1Password item holds them (secret). */
  readonly pkiFields: pulumi.Output<PkiFields>;
  /** Talos API admin credentials (secret). */
  readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  /** The 1Password item a generated PKI is backed up to (generate mode with 1Password). */
  readonly pkiBackup?: onepassword.Item;
  /** One apply per node, in config order. */
  readonly applies: talos.machine.ConfigurationApply[];
  /** Day-2 steps of a running cluster (undefined while it is provisioned fresh). */
  readonly day2?: TalosDay2;
  /** The last roll step: the health gate and everything after wait for it. */
  private readonly rolled: pulumi.Resource[];
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
    const cluster = args.cluster.name;
    const timeout = args.talos.applyTimeout;
    const addresses = (nodes: readonly PlannedNode[]) => nodes.map((n) => n.address);
    const controlPlanes = args.nodes.filter((n) => n.role === "controlplane");
    const workers = args.nodes.filter((n) => n.role === "worker");

    const pki = this.createPki(args);
    this.pkiFields = pki.fields;
    this.clientConfiguration = pki.clientConfiguration;
    this.pkiBackup = pki.backup;
    const machineSecrets = machineSecretsArgs(pki.fields);

    const image = installerImage(args.projectRoot, args.versions.talos, this);
    this.schematicId = image.schematicId;
    this.installerImage = image.installerImage;

    this.nodes = args.nodes.map((n) => ({ address: n.address, hostname: n.hostname, role: n.role }));
    const alreadyBootstrapped = args.talos.bootstrapped;
    // talosconfig first: the day-2 steps of a running cluster reach the nodes with it.
    this.talosconfig = pulumi.secret(
      talos.client.getConfigurationOutput(
        {
          clusterName: cluster,
          clientConfiguration: this.clientConfiguration,
          endpoints: addresses(controlPlanes),
          nodes: addresses(args.nodes),
        },
        { parent: this },
      ).talosConfig,
    );

    // A running cluster: observe and refuse bad pins first, upgrade Talos node by node and
    // then Kubernetes, and only then apply configs one node at a time.
    // Fresh nodes in maintenance mode: every apply at once, nothing runs before them.
    if (alreadyBootstrapped && !args.day2Plan) throw new Error("TalosCluster: a bootstrapped cluster needs the preflight plan (day2Plan)");
    this.day2 = alreadyBootstrapped && args.day2Plan
      ? new TalosDay2(
          "day2",
          {
            projectRoot: args.projectRoot,
            nodes: this.nodes,
            talosconfig: this.talosconfig,
            installerImage: image.installerImage,
            targets: {
              talos: args.versions.talos,
              kubernetes: args.versions.kubernetes,
              contract: args.versions.talosContract,
              decommission: args.talos.decommission ?? [],
            },
            preflight: args.day2Plan,
            timeout: args.talos.healthTimeout,
          },
          { parent: this },
        )
      : undefined;

    const appliesByAddress = new Map<string, talos.machine.ConfigurationApply>();
    let rolledBefore: pulumi.Resource[] = this.day2 ? [this.day2.kubernetesUpgrade] : [];
    for (const node of rollOrder(args.nodes)) {
      const machine = talos.machine.getConfigurationOutput(
        {
          clusterName: cluster,
          clusterEndpoint: args.cluster.endpoint,
          machineType: node.role,
          machineSecrets,
          // The config contract, pinned apart from the installed Talos (versions.talosContract).
          talosVersion: args.versions.talosContract,
          // On a running cluster every apply waits for the Kubernetes upgrade, which moved
          // the images node by node: the apply then changes no Kubernetes image.
          kubernetesVersion: args.versions.kubernetes,
          configPatches: nodePatches(args, node, image.installerImage),
          docs: false,
          examples: false,
        },
        { parent: this },
      );
      const apply = new talos.machine.ConfigurationApply(
        // Named by address: a hostname rename is an update of the same apply. The alias
        // carries state recorded under the hostname-based name.
        node.address,
        {
          node: node.address,
          endpoint: node.address,
          clientConfiguration: this.clientConfiguration,
          machineConfigurationInput: machine.machineConfiguration,
          // Running nodes never reboot from an apply: a change that needs one is staged and
          // the node's roll step reboots it once the previous node is back and healthy.
          applyMode: this.day2 ? "staged_if_needing_reboot" : "auto",
          // Destroy, a replacement or a node dropped from config never touch the machine: a
          // reset here would run unordered. Removal is the explicit decommission step.
          onDestroy: NO_MACHINE_CHANGE_ON_DELETE,
          timeouts: { create: timeout, update: timeout, delete: timeout },
        },
        { parent: this, aliases: [{ name: node.hostname }], dependsOn: rolledBefore },
      );
      appliesByAddress.set(node.address, apply);
      if (this.day2) rolledBefore = [this.day2.roll(node, apply)];
    }
    this.applies = args.nodes.map((n) => appliesByAddress.get(n.address) as talos.machine.ConfigurationApply);
    this.rolled = rolledBefore;
    const controlPlaneApplies = this.applies.filter((_, i) => args.nodes[i].role === "controlplane");

    // On its own address: a DNS endpoint may only answer once the cluster runs. A running
    // cluster answers bootstrap with AlreadyExists, which the provider retries until it times
    // out, so there the resource is imported (recorded, never executed).
    this.bootstrap = new talos.machine.Bootstrap(
      "bootstrap",
      {
        node: args.cluster.bootstrapNode,
        endpoint: args.cluster.bootstrapNode,
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
        node: args.cluster.bootstrapNode,
        endpoint: args.cluster.bootstrapNode,
        timeouts: { create: timeout, update: timeout },
      },
      { parent: this, dependsOn: [this.bootstrap] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw.apply((raw) => renameKubeconfigContext(raw, cluster)));

    // A gate, not an observation: it runs at up only. At a preview it would gate nothing, and
    // with no route to the nodes it would wait the whole healthTimeout before failing; what a
    // preview shows of the running nodes is the preflight's observation (stacks/preflight.ts).
    const preview = pulumi.runtime.isDryRun();
    const health = preview ? undefined : talos.cluster.getHealthOutput(
      {
        clientConfiguration: this.clientConfiguration,
        controlPlaneNodes: addresses(controlPlanes),
        endpoints: addresses(controlPlanes),
        workerNodes: addresses(workers),
        skipKubernetesChecks: true,
        timeouts: { read: args.talos.healthTimeout },
      },
      { parent: this, dependsOn: [...this.applies, ...this.rolled, this.bootstrap, kubeconfig] },
    );
    this.healthy = health ? health.id : pulumi.all([kubeconfig.id, ...this.applies.map((a) => a.id)]).apply(() => "not gated at preview");

    // The provider's identity is a constant, never derived from config. pulumi-kubernetes'
    // DiffConfig (provider/pkg/provider/provider.go) replaces the provider, and with it every
    // Kubernetes resource of the stack, when clusterIdentifier changes; while it stays the
    // same it cancels every other replacement (a renewed kubeconfig, or one unknown in
    // preview). So a renamed cluster or a new certificate stays an update. One stack drives one cluster; pointing a stack at a
    // different cluster is not a config edit. A cluster that already runs has the
    // bootstrap's namespaces, CRDs and ConfigMap: those are adopted (server-side apply over
    // the existing object) instead of failing as "already exists".
    //
    // Adopted PKI: the provider's kubeconfig is derived from the Kubernetes CA
    // (derived-credentials.ts), known at preview since the PKI item is read by invokes, so
    // a first preview diffs the real objects. It is the same string within its UTC window,
    // so it changes nothing between runs. At `up` it still waits for the health gate; a
    // preview runs no gate, and the value is the same either way.
    // Generated PKI: Talos's kubeconfig, once the cluster it creates is healthy.
    const adopted = args.talos.pki === "adopt";
    const derived = adopted ? derivedKubeconfigOutput(pki.fields, { cluster, endpoint: args.cluster.endpoint }) : undefined;
    const providerKubeconfig =
      derived && preview ? derived : pulumi.all([this.healthy, derived ?? this.kubeconfig]).apply(([, kc]) => kc);
    this.kubernetesProvider = new k8s.Provider(
      "kubernetes",
      {
        kubeconfig: pulumi.secret(providerKubeconfig),
        clusterIdentifier: KUBERNETES_PROVIDER_IDENTITY,
        upsertExistingObjects: alreadyBootstrapped,
      },
      { parent: this },
    );

    this.registerOutputs({
      nodes: this.nodes,
      schematicId: this.schematicId,
      // Consumed here so the factory's answer is checked wherever it is known, previews included.
      factorySchematicId: image.checkedSchematicId,
      installerImage: this.installerImage,
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      healthy: this.healthy,
    });
  }

  private createPki(args: TalosClusterArgs): Pki {
    const { onepassword: provider, pkiItem } = args;
    if (args.talos.pki === "adopt" && pkiItem.fields) {
      if (!provider) throw new Error("talos.pki adopt reads the Talos PKI from 1Password, but 1Password is not configured");
      return adoptPki({ vaultName: pkiItem.vault, title: pkiItem.title, provider, fields: pkiItem.fields }, this);
    }
    const vault = provider ? vaultUuid(pkiItem.vault, provider) : undefined;
    if (args.talos.pki === "generate") {
      const backup = provider && vault && pkiItem.ownership ? { vault, vaultName: pkiItem.vault, title: pkiItem.title, ownership: pkiItem.ownership, provider } : undefined;
      if (provider && !backup) throw new Error("talos.pki generate with 1Password: the backup item's ownership was not decided");
      return generatePki({ talosVersion: args.versions.talos, backup }, this);
    }
    if (!provider || !vault) throw new Error("talos.pki adopt reads the Talos PKI from 1Password, but 1Password is not configured");
    return adoptPki({ vault, vaultName: pkiItem.vault, title: pkiItem.title, provider }, this);
  }
}
