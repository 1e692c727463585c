import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

const TOKEN = "talos:cluster/getHealth:getHealth";

/**
 * Waits until the cluster passes the Talos health checks
 * (`talos_cluster_health` data source); the invoke fails when it does not.
 */
export function getHealth(args: GetHealthArgs, opts?: pulumi.InvokeOptions): Promise<GetHealthResult> {
    return pulumi.runtime.invoke(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

/** Output form; gate on bootstrap with `{ dependsOn: [bootstrap] }`. */
export function getHealthOutput(args: GetHealthOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetHealthResult> {
    return pulumi.runtime.invokeOutput(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

function invokeArgs(args: GetHealthArgs | GetHealthOutputArgs): pulumi.Inputs {
    return {
        clientConfiguration: args.clientConfiguration,
        controlPlaneNodes: args.controlPlaneNodes,
        endpoints: args.endpoints,
        skipKubernetesChecks: args.skipKubernetesChecks,
        timeouts: args.timeouts,
        workerNodes: args.workerNodes,
    };
}

export interface GetHealthArgs {
    clientConfiguration: inputs.cluster.GetHealthClientConfiguration;
    controlPlaneNodes: string[];
    /** At least one control-plane endpoint. */
    endpoints: string[];
    skipKubernetesChecks?: boolean;
    timeouts?: inputs.cluster.GetHealthTimeouts;
    workerNodes?: string[];
}

export interface GetHealthResult {
    readonly clientConfiguration: outputs.cluster.GetHealthClientConfiguration;
    readonly controlPlaneNodes: string[];
    readonly endpoints: string[];
    readonly id: string;
    readonly skipKubernetesChecks?: boolean;
    readonly timeouts?: outputs.cluster.GetHealthTimeouts;
    readonly workerNodes?: string[];
}

export interface GetHealthOutputArgs {
    clientConfiguration: pulumi.Input<inputs.cluster.GetHealthClientConfigurationArgs>;
    controlPlaneNodes: pulumi.Input<pulumi.Input<string>[]>;
    endpoints: pulumi.Input<pulumi.Input<string>[]>;
    skipKubernetesChecks?: pulumi.Input<boolean | undefined>;
    timeouts?: pulumi.Input<inputs.cluster.GetHealthTimeoutsArgs | undefined>;
    workerNodes?: pulumi.Input<pulumi.Input<string>[] | undefined>;
}
