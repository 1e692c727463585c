/**
 * Checks of an adopted Talos PKI item's fields, in the formats Talos generates them
 * (siderolabs/talos v1.13.9 pkg/machinery/config/generate/secrets/bundle.go
 * Bundle.populate via genToken/randBytes, utils.go randBootstrapTokenString,
 * config/internal/cis/cis.go CreateEncryptionToken). Problems name the field and the
 * reason, never the value. Pure: no Pulumi import.
 */
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from "crypto";

/**
 * The fields of the `<cluster>-talos` 1Password item the running clusters use, in the
 * item's order: the one list the PKI component, the mocks and the tests read.
 */
export const PKI_FIELDS = [
  "MACHINE_TOKEN",
  "MACHINE_CA_CRT",
  "MACHINE_CA_KEY",
  "CLUSTER_ID",
  "CLUSTER_SECRET",
  "CLUSTER_TOKEN",
  "CLUSTER_CA_CRT",
  "CLUSTER_CA_KEY",
  "CLUSTER_AGGREGATORCA_CRT",
  "CLUSTER_AGGREGATORCA_KEY",
  "CLUSTER_ETCD_CA_CRT",
  "CLUSTER_ETCD_CA_KEY",
  "CLUSTER_SERVICEACCOUNT_KEY",
  "CLUSTER_SECRETBOXENCRYPTIONSECRET",
] as const;

export type PkiField = (typeof PKI_FIELDS)[number];
export type PkiFields = Record<PkiField, string>;

/** Certificate field → the field holding its CA key. */
export const CERTIFICATE_KEYS: Readonly<Record<string, string>> = {
  MACHINE_CA_CRT: "MACHINE_CA_KEY",
  CLUSTER_CA_CRT: "CLUSTER_CA_KEY",
  CLUSTER_AGGREGATORCA_CRT: "CLUSTER_AGGREGATORCA_KEY",
  CLUSTER_ETCD_CA_CRT: "CLUSTER_ETCD_CA_KEY",
};

/** genToken(6, 16) over randBootstrapTokenString's alphabet 0-9a-z. */
const TOKEN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;
/** constants.DefaultClusterIDSize / DefaultClusterSecretSize, and CreateEncryptionToken's key size. */
const SECRET_BYTES = 32;

function pem(value: string): string {
  return Buffer.from(value, "base64").toString("utf8");
}

function decodedLength(value: string, alphabet: "base64" | "base64url"): number | undefined {
  const pattern = alphabet === "base64" ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9_-]*={0,2}$/;
  if (!pattern.test(value) || value.length % 4 !== 0) return undefined;
  return Buffer.from(value, alphabet).length;
}

/**
 * DER layout by PEM label, as Talos writes keys (siderolabs/crypto x509/constants.go and
 * key.go PEMEncodedKey.GetKey): Ed25519 is PKCS#8 under the non-standard label
 * `ED25519 PRIVATE KEY`, which OpenSSL (so node:crypto) refuses by label alone; ECDSA is
 * SEC1 `EC PRIVATE KEY`, RSA is PKCS#1, and a plain `PRIVATE KEY` is PKCS#8.
 */
const KEY_DER_TYPES: Readonly<Record<string, "pkcs8" | "sec1" | "pkcs1">> = {
  "ED25519 PRIVATE KEY": "pkcs8",
  "PRIVATE KEY": "pkcs8",
  "EC PRIVATE KEY": "sec1",
  "RSA PRIVATE KEY": "pkcs1",
};

function privateKey(value: string): KeyObject | undefined {
  const block = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----\s*$/.exec(pem(value).trim() + "\n");
  const type = block ? KEY_DER_TYPES[block[1]] : undefined;
  if (!block || !type) return undefined;
  try {
    return createPrivateKey({ key: Buffer.from(block[2].replace(/\s/g, ""), "base64"), format: "der", type });
  } catch {
    return undefined;
  }
}

function certificate(value: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem(value));
  } catch {
    return undefined;
  }
}

/** `FIELD: reason` for every field that is not what Talos generates. */
export function pkiFieldProblems(fields: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [certField, keyField] of Object.entries(CERTIFICATE_KEYS)) {
    const cert = certificate(fields[certField] ?? "");
    const key = privateKey(fields[keyField] ?? "");
    if (!cert) problems.push(`${certField}: is not a base64-encoded PEM certificate`);
    else if (!cert.ca) problems.push(`${certField}: is not a CA certificate`);
    if (!key) problems.push(`${keyField}: is not a base64-encoded PEM private key`);
    // The public key derived from the private key must be the certificate's.
    if (cert && key && !cert.publicKey.equals(createPublicKey(key))) problems.push(`${keyField}: does not match ${certField}`);
  }
  if (!privateKey(fields.CLUSTER_SERVICEACCOUNT_KEY ?? "")) problems.push("CLUSTER_SERVICEACCOUNT_KEY: is not a base64-encoded PEM private key");
  for (const field of ["MACHINE_TOKEN", "CLUSTER_TOKEN"]) {
    if (!TOKEN.test(fields[field] ?? "")) problems.push(`${field}: is not a Talos token (6 and 16 characters of 0-9a-z, joined by a dot)`);
  }
  const lengths: [string, "base64" | "base64url"][] = [
    ["CLUSTER_ID", "base64url"],
    ["CLUSTER_SECRET", "base64"],
    ["CLUSTER_SECRETBOXENCRYPTIONSECRET", "base64"],
  ];
  for (const [field, alphabet] of lengths) {
    const length = decodedLength(fields[field] ?? "", alphabet);
    if (length !== SECRET_BYTES) {
      problems.push(`${field}: must be ${alphabet === "base64" ? "base64" : "URL-safe base64"} of ${SECRET_BYTES} bytes${length === undefined ? "" : `, decodes to ${length}`}`);
    }
  }
  return problems;
}
