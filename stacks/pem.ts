/**
 * PEM certificates parsed, not pattern-matched: a header line alone, a private key, or
 * garbage between the markers is refused. Pure (node:crypto only), so config checks and
 * other stacks' peer checks can share it.
 */
import { X509Certificate } from "crypto";

export interface ParsedCertificate {
  readonly subject: string;
  readonly notAfter: Date;
  readonly isCa: boolean;
}

export type PemResult = { readonly ok: true; readonly certificates: readonly ParsedCertificate[] } | { readonly ok: false; readonly problem: string };

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----/g;

/**
 * Parses every block of `pem`; each must be a CERTIFICATE that X509Certificate accepts.
 * Problems never quote the input.
 */
export function parsePemCertificates(pem: string, options: { readonly requireCa?: boolean; readonly now?: Date } = {}): PemResult {
  if (pem.length > 64 * 1024) return { ok: false, problem: `is ${pem.length} characters, more than a certificate bundle of 64 KiB` };
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.length === 0) return { ok: false, problem: "holds no PEM block" };
  const leftover = pem.replace(BLOCK, "").trim();
  if (leftover !== "") return { ok: false, problem: "holds text outside its PEM blocks" };
  const certificates: ParsedCertificate[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block[1] !== "CERTIFICATE") return { ok: false, problem: `block ${index + 1} is a ${block[1]}, not a CERTIFICATE (a private key does not belong here)` };
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block[0]);
    } catch {
      return { ok: false, problem: `block ${index + 1} is not a parseable X.509 certificate` };
    }
    const parsed = { subject: cert.subject, notAfter: new Date(cert.validTo), isCa: cert.ca };
    if (options.requireCa && !parsed.isCa) return { ok: false, problem: `block ${index + 1} is not a CA certificate (basicConstraints CA:FALSE)` };
    if (options.now && parsed.notAfter.getTime() < options.now.getTime()) return { ok: false, problem: `block ${index + 1} expired on ${parsed.notAfter.toISOString()}` };
    certificates.push(parsed);
  }
  return { ok: true, certificates };
}
