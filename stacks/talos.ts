/** Maps the validated stack config to TalosCluster's args: the only place that knows both shapes. */
import type * as onepassword from "@1password/pulumi-onepassword";
import { ownedTitles, type RecordedLifecycle } from "../bootstrap/lifecycle";
import type { TalosClusterArgs } from "../components/talos";
import type { StackConfig } from "./config";

export function talosClusterArgs(config: StackConfig, recorded: RecordedLifecycle, provider?: onepassword.Provider): TalosClusterArgs {
  return {
    projectRoot: config.projectRoot,
    cluster: { name: config.cluster.name, endpoint: config.cluster.endpoint, bootstrapNode: config.cluster.bootstrapNode },
    network: config.network,
    nodes: config.nodes,
    versions: { talos: config.versions.talos, talosContract: config.versions.talosContract, kubernetes: config.versions.kubernetes },
    talos: {
      pki: config.talos.pki,
      bootstrapped: config.talos.bootstrapped,
      resetOnDestroy: config.talos.resetOnDestroy,
      applyTimeout: config.talos.applyTimeout,
      healthTimeout: config.talos.healthTimeout,
      decommission: config.talos.decommission,
    },
    pkiItem: {
      vault: config.onepassword.talosVault,
      title: config.onepassword.talosItem,
      ownedTitles: ownedTitles(recorded, config.onepassword.talosVault),
    },
    onepassword: provider,
  };
}
