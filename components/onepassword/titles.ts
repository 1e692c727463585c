/**
 * Whether a title can be written: 1Password does not keep titles unique, and every reader
 * by title fails once two items share one (Connect's GetItemByTitle: "Found %d item(s) in
 * vault %q with title %q", 1Password/connect-sdk-go connect/client.go; the `op` CLI behind
 * a service account: "More than one item matches"). Pure: it classifies a lookup's error.
 * The provider's Connect client passes GetItemByTitle's error through
 * (1Password/terraform-provider-onepassword internal/onepassword/connect/connect_client.go).
 */

export type TitleLookup =
  | { readonly kind: "absent" }
  /** One item holds the title: its uuid and tags when the lookup returned them. */
  | { readonly kind: "one"; readonly uuid?: string; readonly tags?: readonly string[] }
  | { readonly kind: "duplicates"; readonly count?: number }
  | { readonly kind: "unknown"; readonly reason: string };

/** What a failed getItem by title says about the title. */
export function classifyLookupError(message: string): TitleLookup {
  const found = /Found (\d+) item\(s\)/.exec(message);
  if (found) {
    const count = Number(found[1]);
    return count === 0 ? { kind: "absent" } : count === 1 ? { kind: "one" } : { kind: "duplicates", count };
  }
  if (/More than one item matches/i.test(message)) return { kind: "duplicates" };
  // Connect answers "Found 0 item(s)" (above); the CLI/SDK behind a service account words
  // "none" differently; these are the forms known, anything else fails the run.
  if (/isn't an item|not found|no item|could(?: not|n't) find|\b404\b/i.test(message)) return { kind: "absent" };
  return { kind: "unknown", reason: message };
}

/** The error that stops a write to a title already held by several items; names no value. */
export function duplicateTitleError(title: string, vaultName: string, count?: number): Error {
  return new Error(
    `1Password vault "${vaultName}" already holds ${count ?? "more than one"} items titled "${title}"; every reader by title ` +
      "(external-secrets, Connect, `op item get`) fails on that, and this program will not add another. Delete the extra " +
      `items (keep the newest), then run \`pulumi up\` again`,
  );
}

/** How a title is looked up in a vault. */
export type TitleLookupFn = (vault: string, title: string) => Promise<TitleLookup>;
