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
  | { readonly kind: "one"; readonly uuid?: string }
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

/** What the refusal of an unrecorded item needs to name the resource to import it as. */
export interface ImportTarget {
  /** The Item resource's name in the program. */
  readonly name: string;
  /** `name=urn` of its parent component and of its provider, as `pulumi import` takes them. */
  readonly parent: string;
  readonly provider: string;
}

/**
 * The `pulumi import` command that makes an existing item this stack's own. The id is
 * `vaults/<vault uuid>/items/<item uuid>` (the "## Import" section of
 * @1password/pulumi-onepassword's Item, from the Terraform provider's item resource);
 * `--parent` and `--provider` give it the URN the program registers, without which the
 * next `up` would see a different resource, create a second item and delete the imported one.
 */
export function importCommand(target: ImportTarget, vaultUuid: string, itemUuid: string): string {
  return `pulumi import onepassword:index/item:Item ${target.name} vaults/${vaultUuid}/items/${itemUuid} --parent '${target.parent}' --provider '${target.provider}'`;
}

/**
 * The error that stops a write to a title an item already holds that this stack did not
 * write (made by hand, or kept by an earlier `pulumi destroy`): writing would add a second
 * item of the title, and every reader by title would then fail. Adopting it with the
 * `import` resource option instead is not an option: Pulumi fails an import whose inputs
 * differ from the item's (pulumi/pulumi pkg/resource/deploy/step.go ImportStep.Apply:
 * "inputs to import do not match the existing resource"), and a hand-made item's fields,
 * tags and sections never match exactly.
 */
export function unrecordedItemError(title: string, vaultName: string, command: string): Error {
  return new Error(
    `1Password vault "${vaultName}" already holds an item titled "${title}" that this stack did not write; writing would add a second ` +
      "item of that title, on which every reader by title (external-secrets, Connect, `op item get`) fails. Either make it this " +
      `stack's own (the next \`pulumi up\` then updates its fields to the program's): ${command}; or delete or rename it in 1Password. ` +
      "Then run `pulumi up` again. (If the import answers that the resource already exists, a failed earlier run of this stack " +
      "created the item: delete it in 1Password, run `pulumi refresh`, then `pulumi up`.)",
  );
}


export interface TitleOwnership {
  /** Titles this stack recorded as written in this vault (its previous runs' record). */
  readonly owned: ReadonlySet<string>;
  /** The resource an unrecorded item would be imported as; resolved only for the message. */
  readonly importTarget: () => Promise<ImportTarget>;
}

/**
 * The title, once the lookup shows the write adds no second item of it: absent, or held
 * by one item this stack recorded as its own. Otherwise the error that stops the write,
 * before anything is written. An item with no uuid in the lookup is named by its title.
 */
export async function checkTitle(title: string, vault: string, vaultName: string, lookup: TitleLookupFn, ownership: TitleOwnership): Promise<string> {
  const verdict = await lookup(vault, title);
  if (verdict.kind === "duplicates") throw duplicateTitleError(title, vaultName, verdict.count);
  if (verdict.kind === "unknown") throw new Error(`1Password: looking up "${title}" before writing it failed: ${verdict.reason}`);
  if (verdict.kind === "one" && !ownership.owned.has(title)) {
    throw unrecordedItemError(title, vaultName, importCommand(await ownership.importTarget(), vault, verdict.uuid ?? "<item uuid>"));
  }
  return title;
}
