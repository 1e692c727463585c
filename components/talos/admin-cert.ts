/**
 * The talosconfig admin certificate for an adopted PKI: a client certificate signed by
 * the cluster's OS CA whose organization is the Talos role `os:admin` (what Talos's own
 * generated client configuration carries). Renewed before it expires.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type * as talos from "../../sdks/talos";
import type { PkiFields } from "./rules/pki";

export type ClientConfiguration = talos.types.output.machine.ClientConfiguration;

/** Talos's own admin certificates are valid for a year. */
export const ADMIN_CERT_VALIDITY_HOURS = 365 * 24;
/** Re-issued on the first run within 30 days of expiry. */
export const ADMIN_CERT_EARLY_RENEWAL_HOURS = 30 * 24;

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const encode = (text: string) => Buffer.from(text, "utf8").toString("base64");

/**
 * Talos writes Ed25519 keys as PKCS#8 under its own label `ED25519 PRIVATE KEY`, which the
 * TLS provider does not recognise; the same bytes under the standard PKCS#8 label parse.
 */
export function standardKeyPem(pem: string): string {
  return pem.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, "-----$1 PRIVATE KEY-----");
}

export function adminClientConfiguration(fields: pulumi.Output<PkiFields>, parent: pulumi.Resource): pulumi.Output<ClientConfiguration> {
  const key = new tls.PrivateKey("talos-admin", { algorithm: "ED25519" }, { parent });
  const request = new tls.CertRequest(
    "talos-admin",
    { privateKeyPem: key.privateKeyPem, subject: { organization: "os:admin" } },
    { parent },
  );
  const cert = new tls.LocallySignedCert(
    "talos-admin",
    {
      certRequestPem: request.certRequestPem,
      caCertPem: fields.apply((f) => decode(f.MACHINE_CA_CRT)),
      caPrivateKeyPem: pulumi.secret(fields.apply((f) => standardKeyPem(decode(f.MACHINE_CA_KEY)))),
      allowedUses: ["digital_signature", "client_auth"],
      validityPeriodHours: ADMIN_CERT_VALIDITY_HOURS,
      earlyRenewalHours: ADMIN_CERT_EARLY_RENEWAL_HOURS,
    },
    { parent },
  );
  return pulumi.secret(
    pulumi.all([fields, cert.certPem, key.privateKeyPem]).apply(([f, certPem, keyPem]) => ({
      caCertificate: f.MACHINE_CA_CRT,
      clientCertificate: encode(certPem),
      clientKey: encode(keyPem),
    })),
  );
}
