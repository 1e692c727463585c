/**
 * Scoped Cloudflare API tokens, owned by the account: permission groups are looked up by
 * name in the account's list (their ids are Cloudflare's, not ours), and every policy is
 * limited to one zone. Account tokens (`/accounts/{id}/tokens`, the AccountToken resource
 * and getAccountApiTokenPermissionGroupsList of cloudflare/terraform-provider-cloudflare v5)
 * let the runner itself be an account-owned token; the user-level ApiToken endpoints would
 * need a user token with "API Tokens Write" across all the user's accounts.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** What cert-manager (DNS-01) and external-dns need: edit records, read the zone. */
export const DNS_EDIT_PERMISSION_GROUPS = ["DNS Write", "Zone Read"] as const;

/** Scope of zone-level permission groups, and the prefix of a zone resource. */
export const ZONE_SCOPE = "com.cloudflare.api.account.zone";

/** The id of the group named exactly `name` in a lookup's results, failing with the name. */
export function pickPermissionGroup(results: readonly { id: string; name: string }[], name: string): string {
  const group = results.find((g) => g.name === name);
  if (!group) throw new Error(`Cloudflare has no API token permission group named "${name}" (scope ${ZONE_SCOPE})`);
  return group.id;
}

/** The id of a zone-scoped permission group the account offers, looked up by name. */
export function permissionGroupId(name: string, accountId: pulumi.Input<string>, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  // The API's name filter is not documented as equality: pick the exact name.
  return cloudflare
    .getAccountApiTokenPermissionGroupsListOutput({ accountId, name, scope: ZONE_SCOPE }, opts)
    .results.apply((results) => pickPermissionGroup(results, name));
}

/** The `resources` JSON of a policy that covers exactly one zone. */
export function oneZone(zoneId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.output(zoneId).apply((id) => JSON.stringify({ [`${ZONE_SCOPE}.${id}`]: "*" }));
}

/** Apps in the cluster that edit the zone's DNS, each with its own token. */
export const DNS_TOKEN_CONSUMERS = ["cert-manager", "external-dns"] as const;
