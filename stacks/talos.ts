/** Maps the validated stack config to TalosCluster's args: the only place that knows both shapes. */
import type * as onepassword from "@1password/pulumi-onepassword";
import type * as pulumi from "@pulumi/pulumi";
import type { ItemOwnership } from "../components/onepassword/ownership";
import type { TalosClusterArgs } from "../components/talos";
import type { Day2Plan } from "../components/talos/day2/plan";
import type { PkiFields } from "../components/talos/rules/pki";
import type { StackConfig } from "./config";

/**
 * `pkiOwnership`: what the ownership check decided for the PKI's vault (generate mode backs up there);
 * `day2Plan`: a running cluster's preflight plan (stacks/preflight.ts);
 * `adoptedPki`: the adopted item's fields the preflight already read (secret).
 */
export function talosClusterArgs(
  config: StackConfig,
  provider?: onepassword.Provider,
  pkiOwnership?: ItemOwnership,
  day2Plan?: Day2Plan,
  adoptedPki?: pulumi.Input<PkiFields>,
): TalosClusterArgs {
  return {
    projectRoot: config.projectRoot,
    cluster: { name: config.cluster.name, endpoint: config.cluster.endpoint, bootstrapNode: config.cluster.bootstrapNode },
    network: config.network,
    nodes: config.nodes,
    versions: { talos: config.versions.talos, talosContract: config.versions.talosContract, kubernetes: config.versions.kubernetes },
    talos: {
      pki: config.talos.pki,
      bootstrapped: config.talos.bootstrapped,
      applyTimeout: config.talos.applyTimeout,
      healthTimeout: config.talos.healthTimeout,
      decommission: config.talos.decommission,
      udevRules: config.talos.udevRules,
    },
    pkiItem: {
      vault: config.onepassword.talosVault,
      title: config.onepassword.talosItem,
      ownership: pkiOwnership,
      ...(adoptedPki ? { fields: adoptedPki } : {}),
    },
    onepassword: provider,
    ...(day2Plan ? { day2Plan } : {}),
  };
}
