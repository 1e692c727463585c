/**
 * Reading and writing 1Password items as label → value maps. Reads are wrapped as
 * secrets at once: this SDK's getItemOutput is a plain invoke and drops secrecy.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";

export interface ItemRef {
  readonly vault: pulumi.Input<string>;
  readonly title: pulumi.Input<string>;
}

/** A vault's UUID by name: items take the UUID, config names vaults by name. */
export function vaultUuid(name: string, provider: onepassword.Provider): pulumi.Output<string> {
  return onepassword.getVaultOutput({ name }, { provider }).uuid;
}

/**
 * The section whose fields hold base64: multi-line values (kubeconfig, talosconfig, PEM)
 * are stored encoded, because the 1Password app edits concealed fields as one line and
 * would collapse their newlines. `op read op://<vault>/<title>/base64/<label> | base64 -d`
 * and external-secrets' `decodingStrategy: Base64` read them; readItemFields decodes them.
 */
export const BASE64_SECTION = "base64";

/** Top-level fields of the getItem result, by the label Connect and external-secrets give them. */
const TOP_LEVEL_FIELDS = ["username", "password", "credential", "hostname", "database", "port", "url", "type"] as const;

type ItemResult = onepassword.GetItemResult;

/**
 * Every field of an item by label, wherever the item keeps it. The data source returns
 * fields with a purpose (username, password, notes) and a few category fields only as
 * top-level attributes, not in `sections` (1Password/terraform-provider-onepassword,
 * internal/provider/onepassword_item_data_source.go), while external-secrets finds them by
 * label across the whole item; so both are read here. Section fields win over top-level
 * ones; notes are `notesPlain`, their label in Connect.
 */
export function itemFields(result: Pick<ItemResult, "sections"> & { readonly noteValue?: string } & Partial<Record<(typeof TOP_LEVEL_FIELDS)[number], string>>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const section of result.sections ?? []) {
    const decode = section.label === BASE64_SECTION;
    for (const field of section.fields ?? []) {
      fields[field.label] = decode ? Buffer.from(field.value, "base64").toString("utf8") : field.value;
    }
  }
  for (const name of TOP_LEVEL_FIELDS) {
    const value = result[name];
    if (value) fields[name] ??= value;
  }
  if (result.noteValue) fields.notesPlain ??= result.noteValue;
  return fields;
}

/** Every field of an item by label (see itemFields); the whole map is secret. */
export function readItemFields(vault: pulumi.Input<string>, title: pulumi.Input<string>, provider: onepassword.Provider): pulumi.Output<Record<string, string>> {
  const item = onepassword.getItemOutput({ vault, title }, { provider });
  return pulumi.secret(item.apply(itemFields));
}

/** One field of an item, failing with the item and field names when it is missing. */
export function readItemField(
  vault: pulumi.Input<string>,
  title: string,
  field: string,
  provider: onepassword.Provider,
): pulumi.Output<string> {
  return pulumi.secret(
    readItemFields(vault, title, provider).apply((fields) => {
      const value = fields[field];
      if (value === undefined || value === "") throw new Error(`1Password item "${title}" has no field "${field}"`);
      return value;
    }),
  );
}

/**
 * The title of an item the program writes for a cluster: `kubernetes/<cluster>/<app>/<purpose>`,
 * the path external-secrets' ExternalSecrets name as `remoteRef.key`.
 */
export function clusterItemTitle(cluster: string, app: string, purpose: string): string {
  for (const [what, part] of [["cluster", cluster], ["app", app], ["purpose", purpose]] as const) {
    if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(part)) throw new Error(`1Password item path: ${what} "${part}" is not a lower-case path segment`);
  }
  return `kubernetes/${cluster}/${app}/${purpose}`;
}

export interface SecretItemArgs {
  readonly vault: pulumi.Input<string>;
  readonly title: pulumi.Input<string>;
  /** Concealed fields by label. */
  readonly fields: Record<string, pulumi.Input<string>>;
  /** Multi-line concealed fields by label, stored base64 in section `base64` (see BASE64_SECTION). */
  readonly multilineFields?: Record<string, pulumi.Input<string>>;
  /** Fields that are not secret (an id, a host name), stored as plain text. */
  readonly plainFields?: Record<string, pulumi.Input<string>>;
  readonly tags?: string[];
}

const toBase64 = (value: pulumi.Input<string>) => pulumi.output(value).apply((text) => Buffer.from(text, "utf8").toString("base64"));

/**
 * The category of every item the program writes. The provider replaces an item when its
 * category or vault changes (terraform-provider-onepassword v2 onepassword_item_resource.go:
 * RequiresReplace on both), and a replacement of a retained item leaves a second item of
 * the title, so the category is this constant, never derived from anything that changes.
 */
export const ITEM_CATEGORY = "secure_note";

/** Tags of every item the program writes, before its owner tag (ownership.ts ownerTag). */
export const ITEM_TAGS: readonly string[] = ["pulumi", "k8s-gitops"];

/**
 * An item whose fields are concealed (unless listed as plain), so external-secrets can
 * read each field by its label as a property.
 *
 * No `deleteBeforeReplace`: the items are retained on delete, and a retained item's
 * delete-first replacement skips the delete and creates a second item of its title, on
 * which every reader by title (Connect's GetItemByTitle: "Found %d item(s) ... with
 * title", `op item get`, external-secrets) fails. What replaces an item (category, vault)
 * the program keeps constant per title: the category is ITEM_CATEGORY, and a vault change
 * writes the item into the other vault, leaving one there and the old one in the old vault.
 */
export function secretItem(
  name: string,
  args: SecretItemArgs,
  opts: pulumi.CustomResourceOptions & { provider: onepassword.Provider },
): onepassword.Item {
  const concealed = Object.entries(args.fields).map(([label, value]) => ({ label, type: "CONCEALED", value: pulumi.secret(value) }));
  const plain = Object.entries(args.plainFields ?? {}).map(([label, value]) => ({ label, type: "STRING", value }));
  const multiline = Object.entries(args.multilineFields ?? {}).map(([label, value]) => ({ label, type: "CONCEALED", value: pulumi.secret(toBase64(value)) }));
  return new onepassword.Item(
    name,
    {
      vault: args.vault,
      title: args.title,
      category: ITEM_CATEGORY,
      tags: args.tags ?? [...ITEM_TAGS],
      sections: [
        { label: "fields", fields: [...concealed, ...plain] },
        { label: BASE64_SECTION, fields: multiline },
      ].filter((section) => section.fields.length > 0),
    },
    opts,
  );
}
