/**
 * This cluster's own mesh CA. Cilium signs this cluster's clustermesh certificates with it
 * (the chart's `tls.ca`, rendered as Secret kube-system/cilium-ca, which certgen signs
 * with); peers only ever see its certificate, through the contract. Its key stays in this
 * stack's state and in this cluster.
 *
 * Renewal: inside the last `CA_EARLY_RENEWAL_HOURS` the provider re-issues the certificate
 * on the next `pulumi up`, with the same key and subject, so certificates signed under
 * the old one still verify; peers trust the new one after their next `up`. Replacing the
 * key is a planned mesh outage (see README): nothing the program changes replaces it (its
 * algorithm and size are constants, and ignored besides). It is not `protect`ed: turning
 * the mesh off must drop it in the same run, and a protected resource that leaves the
 * program fails every run until `pulumi state unprotect`. The key lives only in the state
 * and in the cluster, so there is nothing to retain.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export const CA_VALIDITY_HOURS = 10 * 8760;
/** Longer than certgen's one-year leaves: certgen refuses leaves that outlive the CA. */
export const CA_EARLY_RENEWAL_HOURS = 2 * 8760;

export interface MeshCa {
  /** PEM; public, exported to peers. */
  readonly cert: pulumi.Output<string>;
  /** PEM; secret, never leaves this stack and cluster. */
  readonly key: pulumi.Output<string>;
}

/** Creates the CA under `parent`. */
export function generateMeshCa(clusterName: string, parent: pulumi.Resource): MeshCa {
  // RSA: every consumer (Helm's buildCustomCert in any Helm 3 release, certgen) parses it.
  const key = new tls.PrivateKey("clustermesh-ca-key", { algorithm: "RSA", rsaBits: 4096 }, { parent, ignoreChanges: ["algorithm", "rsaBits"] });
  const cert = new tls.SelfSignedCert(
    "clustermesh-ca",
    {
      privateKeyPem: pulumi.secret(key.privateKeyPem),
      isCaCertificate: true,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      // One CA per cluster: the subject names the cluster, so a trust bundle says whose is whose.
      subject: { commonName: `k8s-gitops ClusterMesh CA ${clusterName}`, organization: "k8s-gitops" },
      validityPeriodHours: CA_VALIDITY_HOURS,
      earlyRenewalHours: CA_EARLY_RENEWAL_HOURS,
      setSubjectKeyId: true,
    },
    // A changed subject would orphan every certificate issued under the old one; edits to
    // these never re-issue the CA by accident (`pulumi up --replace` does, deliberately).
    { parent, ignoreChanges: ["subject", "allowedUses", "isCaCertificate", "validityPeriodHours"] },
  );
  return { cert: cert.certPem, key: pulumi.secret(key.privateKeyPem) };
}
