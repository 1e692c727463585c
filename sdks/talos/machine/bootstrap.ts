import * as pulumi from "@pulumi/pulumi";
import * as inputs from "../types/input";
import * as outputs from "../types/output";
import * as utilities from "../utilities";

/** Bootstraps etcd on one control-plane node (`talos_machine_bootstrap`). */
export class Bootstrap extends pulumi.CustomResource {
    public static readonly __pulumiType = "talos:machine/bootstrap:Bootstrap";

    /** Looks up an existing Bootstrap resource by provider id. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: BootstrapState, opts?: pulumi.CustomResourceOptions): Bootstrap {
        return new Bootstrap(name, state as BootstrapArgs, { ...opts, id });
    }

    /** True when `obj` was created by this class (works across SDK copies). */
    public static isInstance(obj: unknown): obj is Bootstrap {
        return utilities.hasPulumiType(obj, Bootstrap.__pulumiType);
    }

    declare public readonly clientConfiguration: pulumi.Output<outputs.machine.ClientConfiguration | undefined>;
    declare public readonly clientConfigurationWo: pulumi.Output<outputs.machine.BootstrapClientConfigurationWo | undefined>;
    /** Defaults to `node`. */
    declare public readonly endpoint: pulumi.Output<string>;
    declare public readonly node: pulumi.Output<string>;
    declare public readonly timeouts: pulumi.Output<outputs.machine.BootstrapTimeouts | undefined>;

    constructor(name: string, args: BootstrapArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: BootstrapArgs | BootstrapState, opts?: pulumi.CustomResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as BootstrapState | undefined;
            resourceInputs["clientConfiguration"] = state?.clientConfiguration;
            resourceInputs["clientConfigurationWo"] = state?.clientConfigurationWo;
            resourceInputs["endpoint"] = state?.endpoint;
            resourceInputs["node"] = state?.node;
            resourceInputs["timeouts"] = state?.timeouts;
        } else {
            const args = argsOrState as BootstrapArgs | undefined;
            if (args?.node === undefined && !opts.urn) {
                throw new Error("Missing required property 'node'");
            }
            resourceInputs["clientConfiguration"] = args?.clientConfiguration;
            resourceInputs["clientConfigurationWo"] = args?.clientConfigurationWo ? pulumi.secret(args.clientConfigurationWo) : undefined;
            resourceInputs["endpoint"] = args?.endpoint;
            resourceInputs["node"] = args?.node;
            resourceInputs["timeouts"] = args?.timeouts;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        opts = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["clientConfigurationWo"] });
        super(Bootstrap.__pulumiType, name, resourceInputs, opts);
    }
}

/** Lookup state for `Bootstrap.get`. */
export interface BootstrapState {
    clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
    clientConfigurationWo?: pulumi.Input<inputs.machine.BootstrapClientConfigurationWo | undefined>;
    endpoint?: pulumi.Input<string | undefined>;
    node?: pulumi.Input<string | undefined>;
    timeouts?: pulumi.Input<inputs.machine.BootstrapTimeouts | undefined>;
}

/** Only `node` is required in v0.8.x (v0.7.x also required `clientConfiguration`). */
export interface BootstrapArgs {
    clientConfiguration?: pulumi.Input<inputs.machine.ClientConfiguration | undefined>;
    /** Terraform write-only twin of `clientConfiguration`; with Pulumi prefer the plain one. */
    clientConfigurationWo?: pulumi.Input<inputs.machine.BootstrapClientConfigurationWo | undefined>;
    endpoint?: pulumi.Input<string | undefined>;
    node: pulumi.Input<string>;
    timeouts?: pulumi.Input<inputs.machine.BootstrapTimeouts | undefined>;
}
