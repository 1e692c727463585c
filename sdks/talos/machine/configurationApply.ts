import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/**
 * Applies a machine configuration to a node (`talos_machine_configuration_apply`).
 * Config and credential inputs are wrapped as secrets before registration, and
 * the rendered config comes back as a secret output.
 */
export class ConfigurationApply extends pulumi.CustomResource {
    public static readonly __pulumiType = "talos:machine/configurationApply:ConfigurationApply";

    /** Looks up an existing ConfigurationApply resource by provider id. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: ConfigurationApplyState, opts?: pulumi.CustomResourceOptions): ConfigurationApply {
        return new ConfigurationApply(name, state as ConfigurationApplyArgs, { ...opts, id });
    }

    /** True when `obj` was created by this class (works across SDK copies). */
    public static isInstance(obj: unknown): obj is ConfigurationApply {
        return utilities.hasPulumiType(obj, ConfigurationApply.__pulumiType);
    }

    /** auto | reboot | no_reboot | staged | staged_if_needing_reboot (default auto). */
    declare public readonly applyMode: pulumi.Output<string>;
    declare public readonly clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration | undefined>;
    declare public readonly clientConfigurationWo: pulumi.Output<outputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
    declare public readonly configPatches: pulumi.Output<string[] | undefined>;
    /** Defaults to `node`. */
    declare public readonly endpoint: pulumi.Output<string>;
    /** Rendered configuration with patches applied (secret). */
    declare public /*out*/ readonly machineConfiguration: pulumi.Output<string>;
    /** SHA-256 hex of the rendered configuration. */
    declare public /*out*/ readonly machineConfigurationHash: pulumi.Output<string>;
    declare public readonly machineConfigurationInput: pulumi.Output<string | undefined>;
    declare public readonly machineConfigurationInputWo: pulumi.Output<string | undefined>;
    declare public readonly node: pulumi.Output<string>;
    declare public readonly onDestroy: pulumi.Output<outputs.machine.ConfigurationApplyOnDestroy | undefined>;
    /** The mode actually used (`staged_if_needing_reboot` resolves to auto or staged). */
    declare public /*out*/ readonly resolvedApplyMode: pulumi.Output<string>;
    declare public readonly timeouts: pulumi.Output<outputs.machine.Timeout | undefined>;

    constructor(name: string, args: ConfigurationApplyArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: ConfigurationApplyArgs | ConfigurationApplyState, opts?: pulumi.CustomResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as ConfigurationApplyState | undefined;
            resourceInputs["applyMode"] = state?.applyMode;
            resourceInputs["clientConfiguration"] = state?.clientConfiguration;
            resourceInputs["clientConfigurationWo"] = state?.clientConfigurationWo;
            resourceInputs["configPatches"] = state?.configPatches;
            resourceInputs["endpoint"] = state?.endpoint;
            resourceInputs["machineConfiguration"] = state?.machineConfiguration;
            resourceInputs["machineConfigurationHash"] = state?.machineConfigurationHash;
            resourceInputs["machineConfigurationInput"] = state?.machineConfigurationInput;
            resourceInputs["machineConfigurationInputWo"] = state?.machineConfigurationInputWo;
            resourceInputs["node"] = state?.node;
            resourceInputs["onDestroy"] = state?.onDestroy;
            resourceInputs["resolvedApplyMode"] = state?.resolvedApplyMode;
            resourceInputs["timeouts"] = state?.timeouts;
        } else {
            const args = argsOrState as ConfigurationApplyArgs | undefined;
            if (args?.node === undefined && !opts.urn) {
                throw new Error("Missing required property 'node'");
            }
            resourceInputs["applyMode"] = args?.applyMode;
            resourceInputs["clientConfiguration"] = args?.clientConfiguration;
            resourceInputs["clientConfigurationWo"] = args?.clientConfigurationWo ? pulumi.secret(args.clientConfigurationWo) : undefined;
            resourceInputs["configPatches"] = args?.configPatches;
            resourceInputs["endpoint"] = args?.endpoint;
            resourceInputs["machineConfigurationInput"] = args?.machineConfigurationInput ? pulumi.secret(args.machineConfigurationInput) : undefined;
            resourceInputs["machineConfigurationInputWo"] = args?.machineConfigurationInputWo ? pulumi.secret(args.machineConfigurationInputWo) : undefined;
            resourceInputs["node"] = args?.node;
            resourceInputs["onDestroy"] = args?.onDestroy;
            resourceInputs["timeouts"] = args?.timeouts;
            resourceInputs["machineConfiguration"] = undefined /*out*/;
            resourceInputs["machineConfigurationHash"] = undefined /*out*/;
            resourceInputs["resolvedApplyMode"] = undefined /*out*/;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        opts = pulumi.mergeOptions(opts, {
            additionalSecretOutputs: ["clientConfigurationWo", "machineConfiguration", "machineConfigurationInput", "machineConfigurationInputWo"],
        });
        super(ConfigurationApply.__pulumiType, name, resourceInputs, opts);
    }
}

/** Lookup state for `ConfigurationApply.get`. */
export interface ConfigurationApplyState {
    applyMode?: pulumi.Input<string | undefined>;
    clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
    clientConfigurationWo?: pulumi.Input<inputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
    configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
    endpoint?: pulumi.Input<string | undefined>;
    machineConfiguration?: pulumi.Input<string | undefined>;
    machineConfigurationHash?: pulumi.Input<string | undefined>;
    machineConfigurationInput?: pulumi.Input<string | undefined>;
    machineConfigurationInputWo?: pulumi.Input<string | undefined>;
    node?: pulumi.Input<string | undefined>;
    onDestroy?: pulumi.Input<inputs.machine.ConfigurationApplyOnDestroy | undefined>;
    resolvedApplyMode?: pulumi.Input<string | undefined>;
    timeouts?: pulumi.Input<inputs.machine.Timeout | undefined>;
}

/** Only `node` is required in v0.8.x (v0.7.x also required the config and credentials). */
export interface ConfigurationApplyArgs {
    applyMode?: pulumi.Input<string | undefined>;
    clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
    /** Terraform write-only twin of `clientConfiguration`; with Pulumi prefer the plain one. */
    clientConfigurationWo?: pulumi.Input<inputs.machine.ConfigurationApplyClientConfigurationWo | undefined>;
    configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
    endpoint?: pulumi.Input<string | undefined>;
    machineConfigurationInput?: pulumi.Input<string | undefined>;
    /** Terraform write-only twin of `machineConfigurationInput`; with Pulumi prefer the plain one. */
    machineConfigurationInputWo?: pulumi.Input<string | undefined>;
    node: pulumi.Input<string>;
    onDestroy?: pulumi.Input<inputs.machine.ConfigurationApplyOnDestroy | undefined>;
    timeouts?: pulumi.Input<inputs.machine.Timeout | undefined>;
}
