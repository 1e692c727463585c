/**
 * Writes what the program generates for a cluster into 1Password, one item per
 * `kubernetes/<cluster>/<app>/<purpose>`, so an operator gets it with `op` and
 * external-secrets can deliver it in the cluster. Nothing here is copied by hand.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { clusterItemTitle, secretItem } from "./items";
import { importTarget, providerLookup } from "./lookup";
import { checkTitle, TitleLookupFn } from "./titles";

/**
 * Field labels of the items, as ExternalSecrets and `op read` refer to them. talosconfig
 * and kubeconfig are multi-line: stored base64 in section `base64` (BASE64_SECTION).
 */
export const FIELDS = {
  talosconfig: "talosconfig",
  kubeconfig: "kubeconfig",
  tunnelToken: "TUNNEL_TOKEN",
  tunnelId: "TUNNEL_ID",
  apiToken: "credential",
  /** Beside a one-zone token: external-dns cannot list zones with it (its --zone-id-filter). */
  zoneId: "ZONE_ID",
} as const;

export interface ClusterSecretsArgs {
  readonly provider: onepassword.Provider;
  /** UUID of the vault external-secrets reads (config onepassword.clusterVault). */
  readonly vault: pulumi.Input<string>;
  /** The vault's name, for messages. */
  readonly vaultName?: string;
  /** How a title is looked up before it is written; defaults to the provider's getItem. */
  readonly lookupTitle?: TitleLookupFn;
  /**
   * Titles this stack recorded as written in this vault by its previous runs: an existing
   * item of such a title is its own; an existing item of any other title is refused.
   */
  readonly ownedTitles?: readonly string[];
  readonly cluster: string;
  readonly talosconfig?: pulumi.Input<string>;
  readonly kubeconfig?: pulumi.Input<string>;
  /** The cluster's Cloudflare tunnel: the token cloudflared runs with, and its id (for DNS targets). */
  readonly tunnel?: { readonly id: pulumi.Input<string>; readonly token: pulumi.Input<string> };
  /** Scoped Cloudflare API tokens by consuming app, written to `<app>/cloudflare`. */
  readonly cloudflareTokens?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The zone the tokens are scoped to: written beside each token (external-dns needs it with a one-zone token). */
  readonly cloudflareZoneId?: pulumi.Input<string>;
}

interface ItemSpec {
  readonly app: string;
  readonly purpose: string;
  readonly fields: Record<string, pulumi.Input<string>>;
  readonly multilineFields?: Record<string, pulumi.Input<string>>;
  readonly plainFields?: Record<string, pulumi.Input<string>>;
}

function itemSpecs(args: ClusterSecretsArgs): ItemSpec[] {
  const specs: ItemSpec[] = [];
  if (args.talosconfig !== undefined) {
    specs.push({ app: "talos", purpose: "talosconfig", fields: {}, multilineFields: { [FIELDS.talosconfig]: args.talosconfig } });
  }
  if (args.kubeconfig !== undefined) {
    specs.push({ app: "kubernetes", purpose: "kubeconfig", fields: {}, multilineFields: { [FIELDS.kubeconfig]: args.kubeconfig } });
  }
  if (args.tunnel) {
    specs.push({
      app: "cloudflared",
      purpose: "tunnel",
      fields: { [FIELDS.tunnelToken]: args.tunnel.token },
      plainFields: { [FIELDS.tunnelId]: args.tunnel.id },
    });
  }
  for (const [app, token] of Object.entries(args.cloudflareTokens ?? {})) {
    specs.push({
      app,
      purpose: "cloudflare",
      fields: { [FIELDS.apiToken]: token },
      plainFields: args.cloudflareZoneId !== undefined ? { [FIELDS.zoneId]: args.cloudflareZoneId } : undefined,
    });
  }
  return specs;
}

interface PlannedItem {
  readonly title: string;
  /** The Item resource's name. */
  readonly name: string;
}

/**
 * Every title, once lookups in the vault show no write adds a second item of it (see
 * titles.ts checkTitle): absent, or this stack's own by its record. All or nothing: one
 * refused title stops every write, with one error naming each refusal and the
 * `pulumi import` that adopts the item as its resource.
 */
function checkedTitles(planned: readonly PlannedItem[], args: ClusterSecretsArgs, parent: pulumi.ComponentResource, parentName: string): pulumi.Output<string[]> {
  const lookup = args.lookupTitle ?? providerLookup(args.provider);
  const owned = new Set(args.ownedTitles ?? []);
  return pulumi.output(args.vault).apply(async (vault) => {
    const verdicts = await Promise.allSettled(
      planned.map((p) =>
        checkTitle(p.title, vault, args.vaultName ?? vault, lookup, { owned, importTarget: importTarget(p.name, parent, parentName, args.provider) }),
      ),
    );
    const refusals = verdicts.flatMap((v) => (v.status === "rejected" ? [v.reason instanceof Error ? v.reason.message : String(v.reason)] : []));
    if (refusals.length > 0) throw new Error(refusals.join("\n"));
    return planned.map((p) => p.title);
  });
}

export class ClusterSecrets extends pulumi.ComponentResource {
  /** Written items by title. */
  readonly items: Readonly<Record<string, onepassword.Item>>;
  readonly titles: string[];

  constructor(name: string, args: ClusterSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:onepassword:ClusterSecrets", name, {}, opts);
    const items: Record<string, onepassword.Item> = {};
    const specs = itemSpecs(args).map((spec) => ({ spec, title: clusterItemTitle(args.cluster, spec.app, spec.purpose), name: `${spec.app}-${spec.purpose}` }));
    const checked = checkedTitles(specs, args, this, name);
    specs.forEach(({ spec, title, name: resourceName }, i) => {
      items[title] = secretItem(
        resourceName,
        { vault: args.vault, title: checked.apply((titles) => titles[i]), fields: spec.fields, multilineFields: spec.multilineFields, plainFields: spec.plainFields },
        // Kept on `pulumi destroy`, like the nodes: the running cluster's cloudflared and
        // external-secrets keep reading them. A later `up` after a destroy finds them
        // unrecorded and refuses, naming the `pulumi import` that adopts them.
        { provider: args.provider, parent: this, retainOnDelete: true },
      );
    });
    this.items = items;
    this.titles = Object.keys(items);
    this.registerOutputs({ titles: this.titles });
  }
}
