// Hand-written binding of @pulumiverse/talos v0.8.1 with the same module shape:
// `import * as talos from "./sdks/talos"` reads like `from "@pulumiverse/talos"`.
import * as pulumi from "@pulumi/pulumi";
import * as client from "./client";
import * as cluster from "./cluster";
import * as imagefactory from "./imagefactory";
import * as machine from "./machine";
import { Provider } from "./provider";
import * as types from "./types";
import * as utilities from "./utilities";

export { Provider };
export type { ProviderArgs } from "./provider";
export { client, cluster, imagefactory, machine, types };
/** Not in upstream; see README before relying on it. */
export { TALOS_PROVIDER_VERSION } from "./utilities";

pulumi.runtime.registerResourcePackage(utilities.TALOS_PACKAGE, {
    version: utilities.getVersion(),
    constructProvider: (name: string, type: string, urn: string): pulumi.ProviderResource => {
        if (type !== "pulumi:providers:" + utilities.TALOS_PACKAGE) {
            throw new Error(`unknown provider type ${type}`);
        }
        return new Provider(name, undefined, { urn });
    },
});
