/** One PEM block of DER bytes (RFC 7468: base64 in 64-character lines). */
export const pemBlock = (label: string, der: Buffer | ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${(Buffer.from(der as ArrayBuffer).toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${label}-----\n`;
