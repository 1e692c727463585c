/**
 * Writes what the program generates for a cluster into 1Password, one item per
 * `kubernetes/<cluster>/<app>/<purpose>`, so an operator gets it with `op` and
 * external-secrets can deliver it in the cluster. Nothing here is copied by hand.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { clusterItemTitle, secretItem } from "./items";
import { checkTitle, classifyLookupError, TitleLookupFn } from "./titles";

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

/**
 * The title, once a lookup in the vault shows it is not held by several items: a write
 * never adds to a duplicate that readers already fail on (see titles.ts). One existing
 * item is this stack's own on every run after the first, so it passes; an item made by
 * hand or kept by an earlier destroy is not recognised (README: adopt it with `pulumi import`).
 */
/** An invoke's failure text: the engine's gRPC error carries the provider's in `details`. */
function lookupMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as Error & { details?: unknown }).details;
  return [err.message, typeof details === "string" ? details : ""].filter((t) => t !== "").join(": ");
}

/** getItem by title, its failure classified. */
function providerLookup(provider: onepassword.Provider): TitleLookupFn {
  return async (vault, title) => {
    try {
      await onepassword.getItem({ vault, title }, { provider });
      return { kind: "one" };
    } catch (err) {
      return classifyLookupError(lookupMessage(err));
    }
  };
}

function checkedTitle(title: string, args: ClusterSecretsArgs): pulumi.Output<string> {
  const lookup = args.lookupTitle ?? providerLookup(args.provider);
  return pulumi.output(args.vault).apply((vault) => checkTitle(title, vault, args.vaultName ?? vault, lookup));
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
        { vault: args.vault, title: checkedTitle(title, args), fields: spec.fields, multilineFields: spec.multilineFields, plainFields: spec.plainFields },
        // Kept on `pulumi destroy`, like the nodes: the running cluster's cloudflared and
        // external-secrets keep reading them. A later `up` after a destroy must adopt them
        // (`pulumi import`, see README) or it writes a second item of the same title.
        { provider: args.provider, parent: this, retainOnDelete: true },
      );
    }
    this.items = items;
    this.titles = Object.keys(items);
    this.registerOutputs({ titles: this.titles });
  }
}
