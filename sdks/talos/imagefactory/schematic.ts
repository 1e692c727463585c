import * as pulumi from "@pulumi/pulumi";
import * as utilities from "../utilities";

/**
 * Registers a schematic with Image Factory (`talos_image_factory_schematic`).
 * The resource `id` is the schematic ID to pass to `getUrls`.
 */
export class Schematic extends pulumi.CustomResource {
    public static readonly __pulumiType = "talos:imageFactory/schematic:Schematic";

    /** Looks up an existing Schematic resource by schematic ID. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: SchematicState, opts?: pulumi.CustomResourceOptions): Schematic {
        return new Schematic(name, state as SchematicArgs | undefined, { ...opts, id });
    }

    /** True when `obj` was created by this class (works across SDK copies). */
    public static isInstance(obj: unknown): obj is Schematic {
        return utilities.hasPulumiType(obj, Schematic.__pulumiType);
    }

    /** Schematic YAML (customization: systemExtensions, extraKernelArgs, ...). */
    declare public readonly schematic: pulumi.Output<string | undefined>;

    constructor(name: string, args?: SchematicArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: SchematicArgs | SchematicState, opts?: pulumi.CustomResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as SchematicState | undefined;
            resourceInputs["schematic"] = state?.schematic;
        } else {
            const args = argsOrState as SchematicArgs | undefined;
            resourceInputs["schematic"] = args?.schematic;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(Schematic.__pulumiType, name, resourceInputs, opts);
    }
}

/** Lookup state for `Schematic.get`. */
export interface SchematicState {
    schematic?: pulumi.Input<string | undefined>;
}

export interface SchematicArgs {
    /** Unset means the vanilla schematic. */
    schematic?: pulumi.Input<string | undefined>;
}
