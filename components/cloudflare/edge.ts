/**
 * A cluster's Cloudflare edge: one remotely managed tunnel whose ingress goes to the
 * cluster's external gateway, its connector token, and account-owned API tokens limited
 * to DNS edit and zone read on the cluster's zone, one per consuming app. Everything here
 * is kept on `pulumi destroy` (retainOnDelete), as the nodes are: see README "Edge". DNS records are not made
 * here: external-dns owns them, so they follow the routes the cluster declares.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { tunnelIngress } from "./ingress";
import { DNS_EDIT_PERMISSION_GROUPS, oneZone, permissionGroupId } from "./tokens";

/**
 * The tunnel's config source. The provider replaces a tunnel when its account or config
 * source changes (terraform-provider-cloudflare v5 zero_trust_tunnel_cloudflared
 * schema.go: RequiresReplace on account_id and config_src; the name updates in place), so
 * the source is this constant.
 */
export const TUNNEL_CONFIG_SRC = "cloudflare";

/** The tunnel's name, unique per account: one per cluster name, never derived from anything else. */
export function tunnelName(cluster: string): string {
  return `kubernetes-${cluster}`;
}

export interface CloudflareEdgeArgs {
  readonly provider: cloudflare.Provider;
  readonly cluster: string;
  readonly accountId: string;
  /** Zone name. */
  readonly zone: string;
  /** Zone id when known; otherwise looked up by name in the account. */
  readonly zoneId?: string;
  readonly tunnel: {
    /** The cluster's external gateway service URL. */
    readonly service: string;
    /** Defaults to external.<zone>. */
    readonly originServerName?: string;
  };
  /** Apps that each get their own zone-scoped DNS token (cert-manager, external-dns). */
  readonly dnsTokenConsumers: readonly string[];
}

export class CloudflareEdge extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  readonly tunnelId: pulumi.Output<string>;
  readonly tunnelName: string;
  /** What cloudflared runs with (`TUNNEL_TOKEN`); secret. */
  readonly tunnelToken: pulumi.Output<string>;
  /** Scoped API token per consuming app; each secret. */
  readonly apiTokens: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:cloudflare:CloudflareEdge", name, {}, opts);
    const { provider, accountId } = args;
    const invokeOpts: pulumi.InvokeOutputOptions = { provider, parent: this };

    this.zoneId =
      args.zoneId !== undefined
        ? pulumi.output(args.zoneId)
        : cloudflare.getZoneOutput({ filter: { name: args.zone, account: { id: accountId } } }, invokeOpts).id;

    this.tunnelName = tunnelName(args.cluster);
    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      "tunnel",
      { accountId, name: this.tunnelName, configSrc: TUNNEL_CONFIG_SRC },
      // Kept on destroy: the running cluster's cloudflared still connects with its token.
      // No deleteBeforeReplace: a retained tunnel's delete-first replacement skips the
      // delete and then fails to create a second tunnel of the name. The only replacement
      // left is an account change, which creates the tunnel in the new account and keeps
      // the old one in the old account (README "Edge").
      { provider, parent: this, retainOnDelete: true },
    );
    this.tunnelId = tunnel.id;

    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      "tunnel-config",
      {
        accountId,
        tunnelId: tunnel.id,
        source: "cloudflare",
        config: {
          ingresses: tunnelIngress({
            zone: args.zone,
            service: args.tunnel.service,
            originServerName: args.tunnel.originServerName ?? `external.${args.zone}`,
          }),
        },
      },
      { provider, parent: this, retainOnDelete: true },
    );

    // Upstream does not mark the token sensitive: it is a secret from here on.
    this.tunnelToken = pulumi.secret(
      cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId, tunnelId: tunnel.id }, invokeOpts).token,
    );

    const permissionGroups = DNS_EDIT_PERMISSION_GROUPS.map((group) => ({ id: permissionGroupId(group, accountId, invokeOpts) }));
    const resources = oneZone(this.zoneId);
    const apiTokens: Record<string, pulumi.Output<string>> = {};
    for (const app of args.dnsTokenConsumers) {
      const token = new cloudflare.AccountToken(
        `${app}-api-token`,
        {
          accountId,
          name: `kubernetes/${args.cluster}/${app}`,
          policies: [{ effect: "allow", permissionGroups, resources }],
        },
        // Kept on destroy: the running cluster's cert-manager and external-dns use them.
        { provider, parent: this, retainOnDelete: true },
      );
      apiTokens[app] = pulumi.secret(token.value);
    }
    this.apiTokens = apiTokens;

    this.registerOutputs({ zoneId: this.zoneId, tunnelId: this.tunnelId, tunnelToken: this.tunnelToken });
  }
}
