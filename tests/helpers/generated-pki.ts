/**
 * Run options for a cluster that generates its Talos PKI and has not backed it up yet (a
 * fresh cluster): config `talos.pki: generate` plus `extra`, and no item of the backup's
 * title in 1Password. The mocks otherwise answer a `<cluster>-talos` title with an item, as
 * on the clusters that adopt their PKI, and the backup would then be refused (an item this
 * stack did not write).
 */
import { PROJECT_ROOT, readProjectConfig, type RunOptions } from "../../harness";

export function generatingPki(stack: string, extra: Record<string, unknown> = {}): Required<Pick<RunOptions, "config" | "onepasswordItems">> {
  const configured = (readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:onepassword"] as { talosItem: string }).talosItem;
  const title = (extra["k8s-gitops:onepassword.talosItem"] as string | undefined) ?? configured;
  return { config: { "k8s-gitops:talos.pki": "generate", ...extra }, onepasswordItems: { [title]: null } };
}
