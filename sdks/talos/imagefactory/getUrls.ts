import * as pulumi from "@pulumi/pulumi";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

const TOKEN = "talos:imageFactory/getUrls:getUrls";

/** Image Factory URLs (installer, ISO, PXE, ...) for a schematic and Talos version. */
export function getUrls(args: GetUrlsArgs, opts?: pulumi.InvokeOptions): Promise<GetUrlsResult> {
    return pulumi.runtime.invoke(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

/** Output form: honours `dependsOn`, stays unknown while the schematic ID is. */
export function getUrlsOutput(args: GetUrlsOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetUrlsResult> {
    return pulumi.runtime.invokeOutput(TOKEN, invokeArgs(args), utilities.invokeOptsDefaults(opts));
}

function invokeArgs(args: GetUrlsArgs | GetUrlsOutputArgs): pulumi.Inputs {
    return {
        architecture: args.architecture,
        platform: args.platform,
        sbc: args.sbc,
        schematicId: args.schematicId,
        talosVersion: args.talosVersion,
    };
}

/** Set exactly one of `platform` (metal, aws, ...) or `sbc` (rpi_generic, ...). */
export interface GetUrlsArgs {
    /** amd64 (default) | arm64 */
    architecture?: string;
    platform?: string;
    sbc?: string;
    schematicId: string;
    talosVersion: string;
}

export interface GetUrlsResult {
    readonly architecture: string;
    readonly id: string;
    readonly platform?: string;
    readonly sbc?: string;
    readonly schematicId: string;
    readonly talosVersion: string;
    readonly urls: outputs.imageFactory.GetUrlsUrls;
}

export interface GetUrlsOutputArgs {
    architecture?: pulumi.Input<string | undefined>;
    platform?: pulumi.Input<string | undefined>;
    sbc?: pulumi.Input<string | undefined>;
    schematicId: pulumi.Input<string>;
    talosVersion: pulumi.Input<string>;
}
