/**
 * The mesh CA, generated once by the owner stack. Cilium signs every clustermesh
 * certificate with it in every meshed cluster, so peers trust each other's apiservers.
 *
 * Renewal: inside the last `CA_EARLY_RENEWAL_HOURS` the provider re-issues the certificate
 * on the next `pulumi up`, with the same key and subject, so certificates signed under
 * the old one still verify; peers pick up the new certificate on their next `up`. The
 * key is protected: replacing it is a planned mesh outage (see README).
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { secretItem } from "../onepassword/items";
import { MeshCa } from "./contract";

export const CA_VALIDITY_HOURS = 10 * 8760;
/** Longer than certgen's one-year leaves: certgen refuses leaves that outlive the CA. */
export const CA_EARLY_RENEWAL_HOURS = 2 * 8760;

export interface OnePasswordTarget {
  readonly provider: onepassword.Provider;
  readonly vault: pulumi.Input<string>;
}

export interface MeshCaArgs {
  readonly clusterName: string;
  /** Where the CA is backed up (the vault's UUID); absent when 1Password is off. */
  readonly onepassword?: OnePasswordTarget;
}

export function onePasswordTitle(clusterName: string): string {
  return `kubernetes/${clusterName}/cilium/clustermesh-ca`;
}

/** Creates the CA under `parent`; returns it as one secret. */
export function generateMeshCa(args: MeshCaArgs, parent: pulumi.Resource): pulumi.Output<MeshCa> {
  // RSA: every consumer (Helm's buildCustomCert in any Helm 3 release, certgen) parses it.
  const key = new tls.PrivateKey("clustermesh-ca-key", { algorithm: "RSA", rsaBits: 4096 }, { parent, protect: true });
  const cert = new tls.SelfSignedCert(
    "clustermesh-ca",
    {
      privateKeyPem: pulumi.secret(key.privateKeyPem),
      isCaCertificate: true,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      subject: { commonName: "k8s-gitops ClusterMesh CA", organization: "k8s-gitops" },
      validityPeriodHours: CA_VALIDITY_HOURS,
      earlyRenewalHours: CA_EARLY_RENEWAL_HOURS,
      setSubjectKeyId: true,
    },
    // A changed subject would orphan every certificate issued under the old one; edits to
    // these never re-issue the CA by accident (`pulumi up --replace` does, deliberately).
    { parent, ignoreChanges: ["subject", "allowedUses", "isCaCertificate", "validityPeriodHours"] },
  );
  if (args.onepassword) {
    const { provider, vault } = args.onepassword;
    secretItem(
      "clustermesh-ca-item",
      {
        vault,
        title: onePasswordTitle(args.clusterName),
        fields: { "ca.crt": cert.certPem, "ca.key": key.privateKeyPem },
      },
      { provider, parent, retainOnDelete: true },
    );
  }
  return pulumi.secret(pulumi.all([cert.certPem, key.privateKeyPem]).apply(([certPem, keyPem]): MeshCa => ({ cert: certPem, key: keyPem })));
}
