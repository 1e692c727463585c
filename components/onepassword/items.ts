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

/** Every field of an item, across its sections, by label; the whole map is secret. */
export function readItemFields(vault: pulumi.Input<string>, title: pulumi.Input<string>, provider: onepassword.Provider): pulumi.Output<Record<string, string>> {
  const item = onepassword.getItemOutput({ vault, title }, { provider });
  return pulumi.secret(
    item.apply((result) => {
      const fields: Record<string, string> = {};
      for (const section of result.sections ?? []) {
        for (const field of section.fields ?? []) fields[field.label] = field.value;
      }
      if (result.password) fields.password ??= result.password;
      if (result.credential) fields.credential ??= result.credential;
      return fields;
    }),
  );
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
  readonly title: string;
  /** Concealed fields by label. */
  readonly fields: Record<string, pulumi.Input<string>>;
  /** Fields that are not secret (an id, a host name), stored as plain text. */
  readonly plainFields?: Record<string, pulumi.Input<string>>;
  readonly tags?: string[];
}

/**
 * An item whose fields are concealed (unless listed as plain), in one section, so
 * external-secrets can read each field by its label as a property.
 */
export function secretItem(
  name: string,
  args: SecretItemArgs,
  opts: pulumi.CustomResourceOptions & { provider: onepassword.Provider },
): onepassword.Item {
  return new onepassword.Item(
    name,
    {
      vault: args.vault,
      title: args.title,
      category: "secure_note",
      tags: args.tags ?? ["pulumi", "k8s-gitops"],
      sections: [
        {
          label: "fields",
          fields: [
            ...Object.entries(args.fields).map(([label, value]) => ({ label, type: "CONCEALED", value: pulumi.secret(value) })),
            ...Object.entries(args.plainFields ?? {}).map(([label, value]) => ({ label, type: "STRING", value })),
          ],
        },
      ],
    },
    opts,
  );
}

/**
 * Options for an item whose loss loses a cluster (the Talos PKI backup): `pulumi destroy`
 * leaves it in 1Password, and Pulumi refuses to replace or delete it while protected.
 */
export const KEEP_ON_DESTROY: Readonly<Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete">> = {
  protect: true,
  retainOnDelete: true,
};
