import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Generates the cluster PKI and secrets bundle (`talos_machine_secrets`).
 * Lowering `talosVersion` below the stored value forces replacement, i.e. a
 * new PKI. No `additionalSecretOutputs` upstream: the outputs turn secret
 * through their secret-marked leaves.
 */
export class Secrets extends pulumi.CustomResource {
    public static readonly __pulumiType = "talos:machine/secrets:Secrets";

    /** Looks up an existing Secrets resource by provider id. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: SecretsState, opts?: pulumi.CustomResourceOptions): Secrets {
        return new Secrets(name, state as SecretsArgs | undefined, { ...opts, id });
    }

    /** True when `obj` was created by this class (works across SDK copies). */
    public static isInstance(obj: unknown): obj is Secrets {
        return utilities.hasPulumiType(obj, Secrets.__pulumiType);
    }

    declare public /*out*/ readonly clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration>;
    declare public /*out*/ readonly machineSecrets: pulumi.Output<outputs.machine.MachineSecrets>;
    /** Talos version contract, e.g. "v1.13"; defaults to the provider's machinery minor. */
    declare public readonly talosVersion: pulumi.Output<string>;

    constructor(name: string, args?: SecretsArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: SecretsArgs | SecretsState, opts?: pulumi.CustomResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as SecretsState | undefined;
            resourceInputs["clientConfiguration"] = state?.clientConfiguration;
            resourceInputs["machineSecrets"] = state?.machineSecrets;
            resourceInputs["talosVersion"] = state?.talosVersion;
        } else {
            const args = argsOrState as SecretsArgs | undefined;
            resourceInputs["talosVersion"] = args?.talosVersion;
            resourceInputs["clientConfiguration"] = undefined /*out*/;
            resourceInputs["machineSecrets"] = undefined /*out*/;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(Secrets.__pulumiType, name, resourceInputs, opts);
    }
}

/** Lookup state for `Secrets.get`. */
export interface SecretsState {
    clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
    machineSecrets?: pulumi.Input<inputs.machine.MachineSecretsArgs | undefined>;
    talosVersion?: pulumi.Input<string | undefined>;
}

export interface SecretsArgs {
    talosVersion?: pulumi.Input<string | undefined>;
}
