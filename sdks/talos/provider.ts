import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/**
 * Explicit Talos provider instance (URN type `pulumi:providers:talos`). Without
 * one, the engine creates a default provider from the same version options.
 */
export class Provider extends pulumi.ProviderResource {
    public static readonly __pulumiType = utilities.TALOS_PACKAGE;

    /** True when `obj` is a Talos provider instance (works across SDK copies). */
    public static isInstance(obj: unknown): obj is Provider {
        return utilities.hasPulumiType(obj, "pulumi:providers:" + Provider.__pulumiType);
    }

    /** Image Factory base URL; provider default https://factory.talos.dev. */
    declare public readonly imageFactoryUrl: pulumi.Output<string | undefined>;

    constructor(name: string, args?: ProviderArgs, opts?: pulumi.ResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        resourceInputs["imageFactoryUrl"] = args?.imageFactoryUrl;
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(Provider.__pulumiType, name, resourceInputs, opts);
    }

    /** The provider configuration as the bridged Terraform provider sees it. */
    terraformConfig(): pulumi.Output<Provider.TerraformConfigResult> {
        return pulumi.runtime.call("pulumi:providers:talos/terraformConfig", { __self__: this }, this);
    }
}

export interface ProviderArgs {
    imageFactoryUrl?: pulumi.Input<string | undefined>;
}

export namespace Provider {
    export interface TerraformConfigResult {
        readonly result: { [key: string]: unknown };
    }
}
