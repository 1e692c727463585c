/**
 * Cluster PKI in two modes. Generate: `machine.Secrets`, created once and never
 * replaced, backed up to 1Password in the 14-field item layout the clusters use. Adopt:
 * that item, read back; nothing is generated. Both modes hand the rest of the component
 * the same 14 fields, from which the machine secrets are built field by field.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "../../sdks/talos";
import { ITEM_TAGS, readItemFields, secretItem } from "../onepassword/items";
import { verdictOf, type ItemOwnership } from "../onepassword/ownership";
import { adminClientConfiguration, type ClientConfiguration } from "./admin-cert";
import { PKI_FIELDS, pkiFieldProblems, type PkiField, type PkiFields } from "./rules/pki";

export { PKI_FIELDS };
export type { PkiField, PkiFields } from "./rules/pki";
export type { ClientConfiguration };

export interface Pki {
  /** The 14 fields (secret). */
  readonly fields: pulumi.Output<PkiFields>;
  /** Talos API admin credentials, base64 PEM (secret). */
  readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  /** Generate mode only. */
  readonly secrets?: talos.machine.Secrets;
  readonly backup?: onepassword.Item;
}

/** `v1.13.9` → `v1.13`: the version contract machine.Secrets is pinned to. */
export function versionContract(version: string): string {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`${version} is not a Talos version`);
  return `v${match[1]}.${match[2]}`;
}

/**
 * The `<cluster>-talos` item layout: the `talosctl gen secrets` bundle (siderolabs/talos
 * pkg/machinery/config/generate/secrets/bundle.go), one field per leaf, named as the
 * running clusters' items name them.
 */
export function fieldsFromMachineSecrets(ms: talos.types.output.machine.MachineSecrets): PkiFields {
  return {
    MACHINE_TOKEN: ms.trustdinfo.token,
    MACHINE_CA_CRT: ms.certs.os.cert,
    MACHINE_CA_KEY: ms.certs.os.key,
    CLUSTER_ID: ms.cluster.id,
    CLUSTER_SECRET: ms.cluster.secret,
    CLUSTER_TOKEN: ms.secrets.bootstrapToken,
    CLUSTER_CA_CRT: ms.certs.k8s.cert,
    CLUSTER_CA_KEY: ms.certs.k8s.key,
    CLUSTER_AGGREGATORCA_CRT: ms.certs.k8sAggregator.cert,
    CLUSTER_AGGREGATORCA_KEY: ms.certs.k8sAggregator.key,
    CLUSTER_ETCD_CA_CRT: ms.certs.etcd.cert,
    CLUSTER_ETCD_CA_KEY: ms.certs.etcd.key,
    CLUSTER_SERVICEACCOUNT_KEY: ms.certs.k8sServiceaccount.key,
    CLUSTER_SECRETBOXENCRYPTIONSECRET: ms.secrets.secretboxEncryptionSecret,
  };
}

function decodedPemLabel(value: string): string | undefined {
  return /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(Buffer.from(value, "base64").toString("utf8").trim())?.[1];
}

/**
 * The 14 fields of an item, or an error naming the item and every missing or malformed
 * field (never a value). Certificates and keys are base64-encoded PEM.
 */
export function requirePkiFields(fields: Record<string, string>, item: string, vaultName?: string): PkiFields {
  const where = `1Password item "${item}"${vaultName === undefined ? "" : ` in vault "${vaultName}"`}`;
  const missing = PKI_FIELDS.filter((f) => !fields[f]);
  if (missing.length > 0) throw new Error(`${where} lacks the Talos PKI fields ${missing.join(", ")}`);
  const malformed = PKI_FIELDS.filter((f) => {
    const label = /_CRT$/.test(f) ? "CERTIFICATE" : /_KEY$/.test(f) ? "PRIVATE KEY" : undefined;
    return label !== undefined && !decodedPemLabel(fields[f])?.endsWith(label);
  });
  if (malformed.length > 0) {
    throw new Error(`${where}: fields ${malformed.join(", ")} are not base64-encoded PEM`);
  }
  return Object.fromEntries(PKI_FIELDS.map((f) => [f, fields[f]])) as PkiFields;
}

/**
 * getConfiguration's `machineSecrets`, built leaf by leaf from the fields (passing the
 * provider's nested output straight through has broken for Pulumi users).
 */
export function machineSecretsArgs(fields: pulumi.Output<PkiFields>): talos.types.input.machine.MachineSecretsArgs {
  const field = (name: PkiField) => fields.apply((f) => f[name]);
  return {
    certs: {
      etcd: { cert: field("CLUSTER_ETCD_CA_CRT"), key: field("CLUSTER_ETCD_CA_KEY") },
      k8s: { cert: field("CLUSTER_CA_CRT"), key: field("CLUSTER_CA_KEY") },
      k8sAggregator: { cert: field("CLUSTER_AGGREGATORCA_CRT"), key: field("CLUSTER_AGGREGATORCA_KEY") },
      k8sServiceaccount: { key: field("CLUSTER_SERVICEACCOUNT_KEY") },
      os: { cert: field("MACHINE_CA_CRT"), key: field("MACHINE_CA_KEY") },
    },
    cluster: { id: field("CLUSTER_ID"), secret: field("CLUSTER_SECRET") },
    secrets: { bootstrapToken: field("CLUSTER_TOKEN"), secretboxEncryptionSecret: field("CLUSTER_SECRETBOXENCRYPTIONSECRET") },
    trustdinfo: { token: field("MACHINE_TOKEN") },
  };
}

export interface GeneratePkiArgs {
  /** The pinned Talos version; machine.Secrets gets its major.minor contract. */
  readonly talosVersion: string;
  /** Where the bundle is backed up; absent when 1Password is disabled. */
  readonly backup?: PkiBackup;
}

export interface PkiBackup {
  /** The vault's UUID, and its name as config gives it. */
  readonly vault: pulumi.Input<string>;
  readonly vaultName: string;
  readonly title: string;
  /** The title's verdict (create, or adopt the stack's own item) and the owner tag, decided before anything is registered. */
  readonly ownership: ItemOwnership;
  readonly provider: onepassword.Provider;
}

/** The backup item's resource name. */
const BACKUP_ITEM = "talos-pki";

export function generatePki(args: GeneratePkiArgs, parent: pulumi.Resource): Pki {
  // Created once: ignoring talosVersion means a later Talos upgrade (or lowering the
  // contract, which the provider answers with a replacement) never produces a new PKI.
  // Protected only while the state holds its only copy (no 1Password backup): then
  // `pulumi destroy` or dropping it stops until a person runs `pulumi state unprotect`
  // (README "PKI mode switches"). With a backup the item keeps the PKI, and a confirmed
  // switch to adopt (which reads that item) removes this resource in one run.
  const secrets = new talos.machine.Secrets(
    "machine-secrets",
    { talosVersion: versionContract(args.talosVersion) },
    { parent, protect: args.backup === undefined, retainOnDelete: true, ignoreChanges: ["talosVersion"] },
  );
  const fields = pulumi.secret(secrets.machineSecrets.apply(fieldsFromMachineSecrets));
  const verdict = args.backup ? verdictOf(args.backup.ownership, args.backup.title) : undefined;
  // Written only where it adds no second item of its title (stacks/ownership.ts decided):
  // adopting the PKI later reads the item by title, and a title two items hold cannot be read.
  const backup = args.backup
    ? secretItem(
        BACKUP_ITEM,
        {
          vault: args.backup.vault,
          title: args.backup.title,
          fields: Object.fromEntries(PKI_FIELDS.map((f) => [f, fields.apply((all) => all[f])])),
          tags: [...ITEM_TAGS, "talos", args.backup.ownership.tag],
        },
        // Retained, never protected: `pulumi destroy`, turning 1Password off and a switch to
        // adopt all leave the item in 1Password, the PKI's copy outside the state.
        { provider: args.backup.provider, parent, retainOnDelete: true, import: verdict?.kind === "adopt" ? verdict.importId : undefined },
      )
    : undefined;
  return { fields, clientConfiguration: pulumi.secret(secrets.clientConfiguration), secrets, backup };
}

export interface AdoptPkiArgs {
  /** The vault's uuid, to read the item from; not needed when `fields` were read already. */
  readonly vault?: pulumi.Input<string>;
  /** The vault's name, for messages. */
  readonly vaultName: string;
  readonly title: string;
  readonly provider: onepassword.Provider;
  /** The item's fields, already read and checked (the day-2 preflight's read): not read again. */
  readonly fields?: pulumi.Input<PkiFields>;
}

/**
 * The item's 14 fields once they are what Talos generates (rules/pki.ts); otherwise one
 * error naming the vault, the item and every bad field with its reason, never a value. A
 * wrong secretbox key would make every Secret in etcd unreadable, another cluster's CA
 * key would sign certificates no node trusts: the run stops before either is used.
 */
export function checkedPkiFields(fields: Record<string, string>, item: { vaultName: string; title: string }): PkiFields {
  const where = `1Password item "${item.title}" in vault "${item.vaultName}"`;
  const present = requirePkiFields(fields, item.title, item.vaultName);
  const problems = pkiFieldProblems(present);
  if (problems.length > 0) {
    throw new Error(`${where} does not hold the Talos PKI as Talos generates it:\n  ${problems.join("\n  ")}`);
  }
  return present;
}

export function adoptPki(args: AdoptPkiArgs, parent: pulumi.Resource): Pki {
  const item = { vaultName: args.vaultName, title: args.title };
  if (!args.fields && !args.vault) throw new Error(`adopting the Talos PKI of ${args.title}: neither its fields nor its vault`);
  const fields = args.fields
    ? pulumi.secret(pulumi.output(args.fields))
    : pulumi.secret(readItemFields(args.vault ?? "", args.title, args.provider).apply((all) => checkedPkiFields(all, item)));
  return { fields, clientConfiguration: adminClientConfiguration(fields, parent) };
}
