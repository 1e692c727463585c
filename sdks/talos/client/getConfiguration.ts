import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

const TOKEN = "talos:client/getConfiguration:getConfiguration";

/**
 * Renders a talosconfig (`talos_client_configuration` data source). Promise
 * form drops secretness; prefer `getConfigurationOutput` for `talosConfig`.
 */
export function getConfiguration(args: GetConfigurationArgs, opts?: pulumi.InvokeOptions): Promise<GetConfigurationResult> {
    return pulumi.runtime.invoke(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

/** Output form: keeps secrets, honours `dependsOn`. */
export function getConfigurationOutput(args: GetConfigurationOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetConfigurationResult> {
    return pulumi.runtime.invokeOutput(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

function invokeArgs(args: GetConfigurationArgs | GetConfigurationOutputArgs): pulumi.Inputs {
    return {
        clientConfiguration: args.clientConfiguration,
        clusterName: args.clusterName,
        endpoints: args.endpoints,
        nodes: args.nodes,
    };
}

export interface GetConfigurationArgs {
    clientConfiguration: inputs.client.GetConfigurationClientConfiguration;
    clusterName: string;
    endpoints?: string[];
    nodes?: string[];
}

export interface GetConfigurationResult {
    readonly clientConfiguration: outputs.client.GetConfigurationClientConfiguration;
    readonly clusterName: string;
    readonly endpoints?: string[];
    readonly id: string;
    readonly nodes?: string[];
    /** The talosconfig YAML (secret). */
    readonly talosConfig: string;
}

export interface GetConfigurationOutputArgs {
    clientConfiguration: pulumi.Input<inputs.client.GetConfigurationClientConfigurationArgs>;
    clusterName: pulumi.Input<string>;
    endpoints?: pulumi.Input<pulumi.Input<string>[] | undefined>;
    nodes?: pulumi.Input<pulumi.Input<string>[] | undefined>;
}
