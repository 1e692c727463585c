/**
 * The ingress of a cluster's remotely managed tunnel: the zone apex and every name under
 * it go to the cluster's external gateway service; anything else gets a 404. Which names
 * actually reach this tunnel is decided by DNS, which external-dns owns.
 */
import * as cloudflare from "@pulumi/cloudflare";

export type IngressRule = cloudflare.types.input.ZeroTrustTunnelCloudflaredConfigConfigIngress;

export const CATCH_ALL = "http_status:404";

export interface TunnelIngressArgs {
  /** Zone name, e.g. monosense.io. */
  readonly zone: string;
  /** The gateway service URL inside the cluster. */
  readonly service: string;
  /** TLS server name cloudflared sends to and verifies at an https gateway. */
  readonly originServerName: string;
}

export function tunnelIngress(args: TunnelIngressArgs): IngressRule[] {
  // The gateway's certificate is for the zone's names, not for the in-cluster service
  // name, so an https origin is verified against originServerName.
  const originRequest = new URL(args.service).protocol === "https:" ? { originServerName: args.originServerName, http2Origin: true } : undefined;
  return [
    { hostname: args.zone, service: args.service, originRequest },
    { hostname: `*.${args.zone}`, service: args.service, originRequest },
    { service: CATCH_ALL },
  ];
}
