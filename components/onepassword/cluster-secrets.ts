/**
 * Writes what the program generates for a cluster into 1Password, one item per
 * `kubernetes/<cluster>/<app>/<purpose>`, so an operator gets it with `op` and
 * external-secrets can deliver it in the cluster. Nothing here is copied by hand.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { clusterItemTitle, secretItem } from "./items";

/** Field labels of the items, as ExternalSecrets and `op read` refer to them. */
export const FIELDS = {
  talosconfig: "talosconfig",
  kubeconfig: "kubeconfig",
  tunnelToken: "TUNNEL_TOKEN",
  tunnelId: "TUNNEL_ID",
  apiToken: "credential",
} as const;

export interface ClusterSecretsArgs {
  readonly provider: onepassword.Provider;
  /** UUID of the vault external-secrets reads (config onepassword.clusterVault). */
  readonly vault: pulumi.Input<string>;
  readonly cluster: string;
  readonly talosconfig?: pulumi.Input<string>;
  readonly kubeconfig?: pulumi.Input<string>;
  /** The cluster's Cloudflare tunnel: the token cloudflared runs with, and its id (for DNS targets). */
  readonly tunnel?: { readonly id: pulumi.Input<string>; readonly token: pulumi.Input<string> };
  /** Scoped Cloudflare API tokens by consuming app, written to `<app>/cloudflare`. */
  readonly cloudflareTokens?: Readonly<Record<string, pulumi.Input<string>>>;
}

interface ItemSpec {
  readonly app: string;
  readonly purpose: string;
  readonly fields: Record<string, pulumi.Input<string>>;
  readonly plainFields?: Record<string, pulumi.Input<string>>;
}

function itemSpecs(args: ClusterSecretsArgs): ItemSpec[] {
  const specs: ItemSpec[] = [];
  if (args.talosconfig !== undefined) {
    specs.push({ app: "talos", purpose: "talosconfig", fields: { [FIELDS.talosconfig]: args.talosconfig } });
  }
  if (args.kubeconfig !== undefined) {
    specs.push({ app: "kubernetes", purpose: "kubeconfig", fields: { [FIELDS.kubeconfig]: args.kubeconfig } });
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
    specs.push({ app, purpose: "cloudflare", fields: { [FIELDS.apiToken]: token } });
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
      items[title] = secretItem(
        `${spec.app}-${spec.purpose}`,
        { vault: args.vault, title, fields: spec.fields, plainFields: spec.plainFields },
        { provider: args.provider, parent: this },
      );
    }
    this.items = items;
    this.titles = Object.keys(items);
    this.registerOutputs({ titles: this.titles });
  }
}
