/**
 * Client certificates issued in-process by a CA whose key the program holds, the way
 * siderolabs/crypto issues them (x509/keypair.go NewKeyPair, x509/certificate.go
 * NewCertificateFromCSR), but deterministic: the same CA, subject, validity and label
 * always give the same key, serial and signature, byte for byte. That keeps a credential
 * that is an input of a resource (a Kubernetes provider's kubeconfig) unchanged between
 * runs of one validity window, so a preview shows no change where nothing changed.
 *
 * - The client key comes from HKDF-SHA256 over the CA's private key and the label; it is
 *   as secret as the CA key and never leaves the returned PEM.
 * - Ed25519 signatures are deterministic by definition (RFC 8032), RSA PKCS#1 v1.5 is too;
 *   ECDSA signs with RFC 6979 deterministic nonces (@noble/curves), since WebCrypto and
 *   OpenSSL draw a random nonce per signature.
 *
 * Pure: no Pulumi import. node:crypto cannot build certificates, so the ASN.1 comes from
 * @peculiar/asn1-x509 (the structures @peculiar/x509 is built on).
 */
import { createHash, createPrivateKey, createPublicKey, hkdfSync, KeyObject, sign, X509Certificate } from "crypto";
import { p256, p384 } from "@noble/curves/nist";
import { mapHashToField } from "@noble/curves/abstract/modular";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { pemBlock } from "./pem";

/** PEM labels Talos writes (siderolabs/crypto x509/constants.go) and the DER each holds. */
const KEY_LABELS: Readonly<Record<string, "pkcs8" | "sec1" | "pkcs1">> = {
  "ED25519 PRIVATE KEY": "pkcs8",
  "PRIVATE KEY": "pkcs8",
  "EC PRIVATE KEY": "sec1",
  "RSA PRIVATE KEY": "pkcs1",
};

const OID = {
  organization: "2.5.4.10",
  commonName: "2.5.4.3",
  ed25519: "1.3.101.112",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  sha256WithRsa: "1.2.840.113549.1.1.11",
} as const;

/** Salt of every derivation: a new scheme gets a new salt, so no key is ever reused across schemes. */
const HKDF_SALT = "k8s-gitops derived client credential v1";

export class X509DerivationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "X509DerivationError";
  }
}

/** A private key from PEM under any label Talos writes (node:crypto refuses `ED25519 PRIVATE KEY` by label alone). */
export function privateKeyFromPem(pem: string): KeyObject {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/.exec(pem);
  const type = block ? KEY_LABELS[block[1]] : undefined;
  if (!block || !type) throw new X509DerivationError("the CA key is not a PEM private key");
  return createPrivateKey({ key: Buffer.from(block[2].replace(/\s/g, ""), "base64"), format: "der", type });
}

type Signer = { readonly algorithm: AlgorithmIdentifier; sign(tbs: Buffer): Buffer };

function bytes(value: string | undefined, what: string): Buffer {
  if (!value) throw new X509DerivationError(`the CA key has no ${what}`);
  return Buffer.from(value, "base64url");
}

/** Signs with the CA key; the same input always gives the same signature. */
function signerFor(caKey: KeyObject): Signer {
  const type = caKey.asymmetricKeyType;
  if (type === "ed25519") return { algorithm: new AlgorithmIdentifier({ algorithm: OID.ed25519 }), sign: (tbs) => sign(null, tbs, caKey) };
  if (type === "rsa") {
    // PKCS#1 v1.5 has no randomness; the parameters of sha256WithRSAEncryption are NULL (RFC 4055).
    return { algorithm: new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null }), sign: (tbs) => sign("sha256", tbs, caKey) };
  }
  if (type === "ec") {
    const jwk = caKey.export({ format: "jwk" });
    const d = bytes(jwk.d, "private scalar");
    // Go signs with SHA-256 for P-256 and SHA-384 for P-384 (crypto/x509 signingParamsForKey).
    if (jwk.crv === "P-256") {
      return { algorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 }), sign: (tbs) => Buffer.from(p256.sign(createHash("sha256").update(tbs).digest(), d).toDERRawBytes()) };
    }
    if (jwk.crv === "P-384") {
      return { algorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha384 }), sign: (tbs) => Buffer.from(p384.sign(createHash("sha384").update(tbs).digest(), d).toDERRawBytes()) };
    }
    throw new X509DerivationError(`the CA key is on curve ${String(jwk.crv)}, which this derivation does not sign with (P-256, P-384)`);
  }
  throw new X509DerivationError(`the CA key is ${String(type)}, which this derivation does not sign with (Ed25519, ECDSA, RSA)`);
}

const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * The client key, from the derivation's key material. Like NewKeyPair, an Ed25519 CA
 * issues an Ed25519 key and an ECDSA CA a P-256 one; an RSA CA also gets P-256 (an RSA key
 * cannot be derived from a seed with node:crypto, and TLS takes any key the CA signed).
 */
function clientKey(caKey: KeyObject, material: (info: string, length: number) => Buffer): KeyObject {
  if (caKey.asymmetricKeyType === "ed25519") {
    return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, material("key", 32)]), format: "der", type: "pkcs8" });
  }
  // 48 bytes reduced mod n - 1, plus one: a uniform non-zero scalar (FIPS 186-5 A.2.1).
  const d = mapHashToField(material("key", 48), p256.CURVE.n);
  const point = p256.getPublicKey(d, false);
  const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  return createPrivateKey({
    key: { kty: "EC", crv: "P-256", d: b64u(d), x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) },
    format: "jwk",
  });
}

/** A 128-bit positive serial (Go's NewSerialNumber draws 128 random bits), minimal in DER. */
function serialNumber(material: (info: string, length: number) => Buffer): ArrayBuffer {
  const serial = material("serial", 16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return new Uint8Array(serial).buffer;
}

/** An X.509 extension holding `value` DER-encoded. */
export function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export type ClientKeyUsage = "digitalSignature" | "keyEncipherment";

export interface ClientCertificateRequest {
  /** The issuing CA: its certificate and private key, PEM (any label Talos writes). */
  readonly ca: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** Subject O values, in order (one RDN, as Go's pkix.Name writes several Organization values). */
  readonly organizations: readonly string[];
  readonly commonName?: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyUsage: readonly ClientKeyUsage[];
  /** What the key and serial derive from besides the CA key: a new label is a new key. */
  readonly label: string;
}

export interface IssuedCertificate {
  readonly certificatePem: string;
  /** The client key, PEM: PKCS#8 for Ed25519, SEC1 `EC PRIVATE KEY` for ECDSA. */
  readonly privateKeyPem: string;
  /** Ed25519 keys are PKCS#8; Talos labels them `ED25519 PRIVATE KEY`. */
  readonly keyType: "ed25519" | "ec";
}


/**
 * A client certificate (clientAuth) signed by the CA, deterministic in every byte. The
 * CA certificate must re-encode byte for byte (checked): the issuer name is copied from
 * it, and Go matches a certificate to its CA by the raw name bytes.
 */
export function issueClientCertificate(request: ClientCertificateRequest): IssuedCertificate {
  if (!(request.notBefore < request.notAfter)) throw new X509DerivationError("notBefore must precede notAfter");
  const caKey = privateKeyFromPem(request.ca.privateKeyPem);
  const caX509 = new X509Certificate(request.ca.certificatePem);
  if (!caX509.ca) throw new X509DerivationError("the issuing certificate is not a CA certificate");
  if (!caX509.publicKey.equals(createPublicKey(caKey))) throw new X509DerivationError("the CA key does not match the CA certificate");
  const caCert = AsnConvert.parse(caX509.raw, Certificate);
  const caTbsRaw = caCert.tbsCertificateRaw;
  if (!caTbsRaw || !Buffer.from(AsnConvert.serialize(caCert.tbsCertificate)).equals(Buffer.from(caTbsRaw))) {
    throw new X509DerivationError("the CA certificate does not re-encode byte for byte, so its subject cannot be copied exactly");
  }

  const ikm = caKey.export({ format: "der", type: "pkcs8" });
  const material = (info: string, length: number) => Buffer.from(hkdfSync("sha256", ikm, HKDF_SALT, `${request.label}\u0000${info}`, length));
  const key = clientKey(caKey, material);
  const signer = signerFor(caKey);

  // Go writes a name value as PrintableString when its characters allow, else UTF8String (encoding/asn1).
  const attribute = (type: string, value: string) =>
    new AttributeTypeAndValue({ type, value: new AttributeValue(/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? { printableString: value } : { utf8String: value }) });
  const subject = new Name([
    ...(request.organizations.length > 0 ? [new RelativeDistinguishedName(request.organizations.map((o) => attribute(OID.organization, o)))] : []),
    ...(request.commonName ? [new RelativeDistinguishedName([attribute(OID.commonName, request.commonName)])] : []),
  ]);
  const usage = request.keyUsage.reduce((flags, u) => flags | KeyUsageFlags[u], 0);
  const extensions = [
    // Go marks KeyUsage critical; ExtKeyUsage is not (crypto/x509 buildCertExtensions).
    extension(id_ce_keyUsage, true, new KeyUsage(usage)),
    extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_clientAuth])),
  ];
  // Go copies the parent's SubjectKeyId into AuthorityKeyId when the parent has one.
  const caSki = caCert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  if (caSki) {
    const ski = AsnConvert.parse(caSki.extnValue.buffer, SubjectKeyIdentifier);
    extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(ski.buffer) })));
  }
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(material),
    signature: signer.algorithm,
    issuer: caCert.tbsCertificate.subject,
    validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(createPublicKey(key).export({ format: "der", type: "spki" }), SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: signer.algorithm, signatureValue: new Uint8Array(signer.sign(tbsDer)).buffer });
  const ed25519 = key.asymmetricKeyType === "ed25519";
  return {
    certificatePem: pemBlock("CERTIFICATE", AsnConvert.serialize(certificate)),
    privateKeyPem: ed25519 ? (key.export({ format: "pem", type: "pkcs8" }) as string) : (key.export({ format: "pem", type: "sec1" }) as string),
    keyType: ed25519 ? "ed25519" : "ec",
  };
}
