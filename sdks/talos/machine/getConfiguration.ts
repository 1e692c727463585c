import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

const TOKEN = "talos:machine/getConfiguration:getConfiguration";

/**
 * Renders a machine configuration (`talos_machine_configuration` data source).
 * Promise form: per @pulumi/pulumi, a plain invoke drops secretness of the
 * result, so prefer `getConfigurationOutput` for the (secret) config.
 */
export function getConfiguration(args: GetConfigurationArgs, opts?: pulumi.InvokeOptions): Promise<GetConfigurationResult> {
    return pulumi.runtime.invoke(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

/** Output form: keeps secrets, honours `dependsOn`, stays unknown while inputs are. */
export function getConfigurationOutput(args: GetConfigurationOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetConfigurationResult> {
    return pulumi.runtime.invokeOutput(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

function invokeArgs(args: GetConfigurationArgs | GetConfigurationOutputArgs): pulumi.Inputs {
    return {
        clusterEndpoint: args.clusterEndpoint,
        clusterName: args.clusterName,
        configPatches: args.configPatches,
        docs: args.docs,
        examples: args.examples,
        kubernetesVersion: args.kubernetesVersion,
        machineSecrets: args.machineSecrets,
        machineType: args.machineType,
        talosVersion: args.talosVersion,
    };
}

export interface GetConfigurationArgs {
    /** Kubernetes API URL, e.g. https://10.25.11.10:6443. */
    clusterEndpoint: string;
    clusterName: string;
    /** YAML or JSON patches, applied in order. */
    configPatches?: string[];
    docs?: boolean;
    examples?: boolean;
    kubernetesVersion?: string;
    machineSecrets: inputs.machine.MachineSecrets;
    /** controlplane | worker */
    machineType: string;
    /** Version contract only; the installed image is chosen by `machine.install.image`. */
    talosVersion?: string;
}

export interface GetConfigurationResult {
    readonly clusterEndpoint: string;
    readonly clusterName: string;
    readonly configPatches?: string[];
    readonly docs?: boolean;
    readonly examples?: boolean;
    readonly id: string;
    readonly kubernetesVersion?: string;
    /** secret */
    readonly machineConfiguration: string;
    readonly machineSecrets: outputs.machine.MachineSecrets;
    readonly machineType: string;
    readonly talosVersion?: string;
}

export interface GetConfigurationOutputArgs {
    clusterEndpoint: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    configPatches?: pulumi.Input<pulumi.Input<string>[] | undefined>;
    docs?: pulumi.Input<boolean | undefined>;
    examples?: pulumi.Input<boolean | undefined>;
    kubernetesVersion?: pulumi.Input<string | undefined>;
    machineSecrets: pulumi.Input<inputs.machine.MachineSecretsArgs>;
    machineType: pulumi.Input<string>;
    talosVersion?: pulumi.Input<string | undefined>;
}
