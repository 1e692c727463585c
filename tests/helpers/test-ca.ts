/**
 * TEST-ONLY certificate authorities made in the test run: an ECDSA P-256 key (node:crypto)
 * and a self-signed CA certificate built with @peculiar/asn1-x509, the library lib/x509.ts
 * issues client certificates with. Nothing here is committed or reused across runs.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from "crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
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
import { pemBlock } from "../../lib/pem";
import { extension, issueClientCertificate } from "../../lib/x509";

export interface TestCa {
  readonly certificatePem: string;
  /** SEC1 `EC PRIVATE KEY`, as Talos writes ECDSA keys. */
  readonly privateKeyPem: string;
}

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";
const HOUR = 3_600_000;

/** A fresh self-signed CA named `commonName`, valid from an hour ago for a day. */
export function testCa(commonName: string): TestCa {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ format: "der", type: "spki" });
  const name = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) })])]);
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const now = Date.now();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: name,
    subject: name,
    validity: new Validity({ notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR) }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.digitalSignature)),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(new Uint8Array(createHash("sha1").update(spki).digest()))),
    ]),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbs)), privateKey);
  const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer });
  return { certificatePem: pemBlock("CERTIFICATE", AsnConvert.serialize(certificate)), privateKeyPem: privateKey.export({ format: "pem", type: "sec1" }) as string };
}

/** A leaf certificate and key the CA signed, for a TLS server to present. */
export function leafOf(ca: TestCa, commonName: string): { readonly certificatePem: string; readonly privateKeyPem: string } {
  const now = Date.now();
  return issueClientCertificate({
    ca,
    organizations: [],
    commonName,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
    keyUsage: ["digitalSignature"],
    label: `test-leaf ${commonName}`,
  });
}
