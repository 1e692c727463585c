/**
 * Writes what the program generates for a cluster into 1Password, one item per
 * `kubernetes/<cluster>/<app>/<purpose>`, so an operator gets it with `op` and
 * external-secrets can deliver it in the cluster. Nothing here is copied by hand.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { clusterItemTitle, ITEM_TAGS, secretItem } from "./items";
import { verdictOf, type ItemOwnership } from "./ownership";

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
  /**
   * Decided before anything is registered (stacks/ownership.ts): each title's verdict
   * (create, or adopt by import) and the owner tag every item carries.
   */
  readonly ownership: ItemOwnership;
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

/** Which items a cluster's run writes, without their values: what the ownership check looks up. */
export interface ClusterSecretsPlan {
  readonly cluster: string;
  readonly tunnel: boolean;
  /** Apps given a scoped Cloudflare token. */
  readonly cloudflareApps: readonly string[];
}

/** The titles ClusterSecrets writes for a plan, in the order it writes them. */
export function clusterSecretTitles(plan: ClusterSecretsPlan): string[] {
  return [
    clusterItemTitle(plan.cluster, "talos", "talosconfig"),
    clusterItemTitle(plan.cluster, "kubernetes", "kubeconfig"),
    ...(plan.tunnel ? [clusterItemTitle(plan.cluster, "cloudflared", "tunnel")] : []),
    ...plan.cloudflareApps.map((app) => clusterItemTitle(plan.cluster, app, "cloudflare")),
  ];
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

export class ClusterSecrets extends pulumi.ComponentResource {
  /** Written items by title. */
  readonly items: Readonly<Record<string, onepassword.Item>>;
  readonly titles: string[];

  constructor(name: string, args: ClusterSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:onepassword:ClusterSecrets", name, {}, opts);
    const items: Record<string, onepassword.Item> = {};
    for (const spec of itemSpecs(args)) {
      const title = clusterItemTitle(args.cluster, spec.app, spec.purpose);
      const verdict = verdictOf(args.ownership, title);
      items[title] = secretItem(
        `${spec.app}-${spec.purpose}`,
        {
          vault: args.vault,
          title,
          fields: spec.fields,
          multilineFields: spec.multilineFields,
          plainFields: spec.plainFields,
          tags: [...ITEM_TAGS, args.ownership.tag],
        },
        // Kept on `pulumi destroy`, like the nodes: the running cluster's cloudflared and
        // external-secrets keep reading them; their owner tag lets a later run adopt them.
        { provider: args.provider, parent: this, retainOnDelete: true, import: verdict.kind === "adopt" ? verdict.importId : undefined },
      );
    }
    this.items = items;
    this.titles = Object.keys(items);
    this.registerOutputs({ titles: this.titles });
  }
}
