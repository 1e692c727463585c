import * as pulumi from "@pulumi/pulumi";

/**
 * The pulumiverse Talos provider release this binding mirrors. The single place
 * the version is pinned: every resource and invoke carries it, so the engine
 * installs exactly this plugin (`pulumi-resource-talos-v0.8.1`).
 */
export const TALOS_PROVIDER_VERSION = "0.8.1";

/** Where the engine downloads the plugin from (schema.json `pluginDownloadURL`). */
export const TALOS_PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumiverse";

/** Pulumi package name; provider resources register as `pulumi:providers:talos`. */
export const TALOS_PACKAGE = "talos";

/** Same contract as upstream `utilities.getVersion()` (no leading `v`). */
export function getVersion(): string {
    return TALOS_PROVIDER_VERSION;
}

/** Options the generated SDK merges under every resource's and invoke's options. */
export function resourceOptsDefaults(): pulumi.CustomResourceOptions {
    return { version: getVersion(), pluginDownloadURL: TALOS_PLUGIN_DOWNLOAD_URL };
}

/**
 * Invoke flavour of the defaults merge. `pulumi.mergeOptions` is only typed for
 * resource options, but invoke option bags share every key it merges
 * (version, pluginDownloadURL, provider, parent, dependsOn), so the result is
 * still the caller's option type.
 */
export function invokeOptsDefaults<T extends pulumi.InvokeOptions>(opts: T | undefined): T {
    return pulumi.mergeOptions(resourceOptsDefaults(), opts ?? {}) as T;
}

/** A resource class as rehydration sees it: it only ever passes `{ urn }`. */
type UrnConstructible = new (name: string, args: never, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

/**
 * Registers resource classes by token so the runtime can rebuild resource
 * references (e.g. from component outputs) into instances of these classes,
 * as the generated index files do.
 */
export function registerResourceClasses(classes: Readonly<Record<string, UrnConstructible>>): void {
    const module: pulumi.runtime.ResourceModule = {
        version: getVersion(),
        construct: (name: string, type: string, urn: string): pulumi.Resource => {
            const ctor = classes[type];
            if (ctor === undefined) {
                throw new Error(`unknown resource type ${type}`);
            }
            // The engine already holds the state; args are ignored when a URN is given.
            return new ctor(name, undefined as never, { urn });
        },
    };
    for (const token of Object.keys(classes)) {
        // "talos:machine/secrets:Secrets" lives in module "machine/secrets".
        pulumi.runtime.registerResourceModule(TALOS_PACKAGE, token.split(":")[1], module);
    }
}

/** `isInstance` check by type token, so instances from another SDK copy count too. */
export function hasPulumiType(obj: unknown, type: string): boolean {
    return typeof obj === "object" && obj !== null && (obj as { __pulumiType?: unknown }).__pulumiType === type;
}
