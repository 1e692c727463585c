import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Retrieves an admin kubeconfig from a control-plane node (`talos_cluster_kubeconfig`)
 * and renews its client certificate within `certificateRenewalDuration`.
 */
export class Kubeconfig extends pulumi.CustomResource {
    public static readonly __pulumiType = "talos:cluster/kubeconfig:Kubeconfig";

    /** Looks up an existing Kubeconfig resource by provider id. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: KubeconfigState, opts?: pulumi.CustomResourceOptions): Kubeconfig {
        return new Kubeconfig(name, state as KubeconfigArgs, { ...opts, id });
    }

    /** True when `obj` was created by this class (works across SDK copies). */
    public static isInstance(obj: unknown): obj is Kubeconfig {
        return utilities.hasPulumiType(obj, Kubeconfig.__pulumiType);
    }

    /** Provider default 720h. */
    declare public readonly certificateRenewalDuration: pulumi.Output<string>;
    declare public readonly clientConfiguration: pulumi.Output<outputs.cluster.KubeconfigClientConfiguration>;
    /** Defaults to `node`. */
    declare public readonly endpoint: pulumi.Output<string>;
    /** The kubeconfig YAML (secret). */
    declare public /*out*/ readonly kubeconfigRaw: pulumi.Output<string>;
    declare public /*out*/ readonly kubernetesClientConfiguration: pulumi.Output<outputs.cluster.KubeconfigKubernetesClientConfiguration>;
    declare public readonly node: pulumi.Output<string>;
    declare public readonly timeouts: pulumi.Output<outputs.cluster.KubeconfigTimeouts | undefined>;

    constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: KubeconfigArgs | KubeconfigState, opts?: pulumi.CustomResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as KubeconfigState | undefined;
            resourceInputs["certificateRenewalDuration"] = state?.certificateRenewalDuration;
            resourceInputs["clientConfiguration"] = state?.clientConfiguration;
            resourceInputs["endpoint"] = state?.endpoint;
            resourceInputs["kubeconfigRaw"] = state?.kubeconfigRaw;
            resourceInputs["kubernetesClientConfiguration"] = state?.kubernetesClientConfiguration;
            resourceInputs["node"] = state?.node;
            resourceInputs["timeouts"] = state?.timeouts;
        } else {
            const args = argsOrState as KubeconfigArgs | undefined;
            if (args?.clientConfiguration === undefined && !opts.urn) {
                throw new Error("Missing required property 'clientConfiguration'");
            }
            if (args?.node === undefined && !opts.urn) {
                throw new Error("Missing required property 'node'");
            }
            resourceInputs["certificateRenewalDuration"] = args?.certificateRenewalDuration;
            resourceInputs["clientConfiguration"] = args?.clientConfiguration;
            resourceInputs["endpoint"] = args?.endpoint;
            resourceInputs["node"] = args?.node;
            resourceInputs["timeouts"] = args?.timeouts;
            resourceInputs["kubeconfigRaw"] = undefined /*out*/;
            resourceInputs["kubernetesClientConfiguration"] = undefined /*out*/;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        opts = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfigRaw"] });
        super(Kubeconfig.__pulumiType, name, resourceInputs, opts);
    }
}

/** Lookup state for `Kubeconfig.get`. */
export interface KubeconfigState {
    certificateRenewalDuration?: pulumi.Input<string | undefined>;
    clientConfiguration?: pulumi.Input<inputs.cluster.KubeconfigClientConfiguration | undefined>;
    endpoint?: pulumi.Input<string | undefined>;
    kubeconfigRaw?: pulumi.Input<string | undefined>;
    kubernetesClientConfiguration?: pulumi.Input<inputs.cluster.KubeconfigKubernetesClientConfiguration | undefined>;
    node?: pulumi.Input<string | undefined>;
    timeouts?: pulumi.Input<inputs.cluster.KubeconfigTimeouts | undefined>;
}

export interface KubeconfigArgs {
    certificateRenewalDuration?: pulumi.Input<string | undefined>;
    /** Same shape as `machine.Secrets.clientConfiguration`, which can be passed directly. */
    clientConfiguration: pulumi.Input<inputs.cluster.KubeconfigClientConfiguration>;
    endpoint?: pulumi.Input<string | undefined>;
    /** A control-plane node. */
    node: pulumi.Input<string>;
    timeouts?: pulumi.Input<inputs.cluster.KubeconfigTimeouts | undefined>;
}
