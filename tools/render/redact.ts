/**
 * Turns recorded values into what may be written: every secret becomes a placeholder
 * naming its source, and any plain string holding secret material is scrubbed (and
 * reported, because the program leaked it). Absolute paths of the project become
 * `<project>` so renders of two checkouts compare equal.
 *
 * Placeholders:
 *   <secret from SOURCE DETAIL>        the value is exactly what SOURCE produced
 *   <secret built from SOURCE DETAIL>  the value embeds what SOURCE produced (e.g. a kubeconfig)
 *   <secret at WHERE PATH>             no known source; WHERE/PATH is where it enters the plan
 *   <redacted plain value ...>         a plain (non-secret) value that holds secret material
 *
 * Inside a secret object (Pulumi marks a whole map secret when one leaf is, e.g. Helm
 * values or a Secret's YAML) each leaf is judged on its own, so a reviewer sees every value
 * that is not a secret. A leaf is replaced when it is secret material the run knows of
 * (what a mock returned as secret, a mock sensitive value, a `secure:` config value), when
 * its key names a secret (`token`, `key`, `password`, `pin`, ...), or when it looks like a
 * credential (a private key, a JWT, a long unbroken run of base64/hex with digits). A PEM
 * certificate (parsed, not a key) stays. A secret string that the program built as a YAML
 * or JSON document (no single source produced it) is shown as that document with the same
 * rule applied to its leaves.
 *
 * Inputs that are secret through and through (Talos machine secrets and client
 * configuration, WhollySecret) keep the stricter allow-list: every string or number leaf
 * becomes a placeholder unless it is a certificate. Booleans and null carry no secret
 * material and stay.
 */
import { parse, stringify } from "yaml";
import { MockSecret } from "../../harness";
import { isRecord } from "../../lib/guards";
import { parsePemCertificates } from "../../stacks/pem";
import { Origin, OriginIndex, decodeBase64Text, joinPath } from "./origins";

export const PLACEHOLDER = /<(secret (from|built from|at) |redacted plain value)[^>]*>/g;

/** A value secret as a whole (every leaf), not merely marked secret because one leaf is. */
export class WhollySecret extends MockSecret {}

/** Keys whose value is a secret whatever it looks like (camelCase, kebab, snake or dotted suffix). */
const SECRET_KEY = /(^|[-_.]|[a-z0-9])(key|token|secret|password|passwd|passphrase|credentials?|pin|privatekey)$/i;
/** Keys that end like SECRET_KEY but hold public material. */
const PUBLIC_KEY_NAMES = /(^|[-_.])(publickey|public-key|public_key|pubkey|keyid|key-id)$/i;

/**
 * Whether `key` names a secret for this `value`. A `...key` whose value is a qualified name
 * (`topologyKey: kubernetes.io/hostname`, a selector's `key: io.cilium/bgp-announce`) is a
 * label key, not key material.
 */
export function isSecretKey(key: string, value: unknown = undefined): boolean {
  if (!SECRET_KEY.test(key) || PUBLIC_KEY_NAMES.test(key)) return false;
  const labelKey = /key$/i.test(key) && typeof value === "string" && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\/[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/.test(value) && /[./]/.test(value);
  return !labelKey;
}

/** Looks like credential material: a private key, a JWT, or a long unbroken base64/hex run with digits. */
export function looksLikeCredential(value: string): boolean {
  const text = decodeBase64Text(value) ?? value;
  if (/PRIVATE KEY-----/.test(text)) return true;
  if (/^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value)) return true;
  return /^[A-Za-z0-9+/_=-]{20,}$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

function describe(origin: Origin): string {
  return origin.detail ? `${origin.source} ${origin.detail}` : origin.source;
}

function listed(origins: Origin[]): string {
  const shown = origins.slice(0, 2).map(describe).join(", ");
  return origins.length > 2 ? `${shown} and ${origins.length - 2} more` : shown;
}

export class Redactor {
  /** Secrets replaced by placeholders. */
  placeholders = 0;
  private readonly leaked = new Set<string>();

  constructor(
    private readonly origins: OriginIndex,
    private readonly projectRoots: readonly string[],
  ) {}

  /**
   * `value` with every secret replaced; safe to write to a file. `insideSecret` treats
   * the whole value as secret territory: secret strings in it become placeholders rather
   * than reported leaks (for secret objects, and for invoke arguments, which the SDK
   * always sends unwrapped).
   */
  clean(value: unknown, where: string, path = "", insideSecret = false): unknown {
    if (value instanceof MockSecret) {
      const inner = value.value;
      // A secret object (Pulumi marks a whole map secret when one leaf is): keep the
      // structure, replace the leaves that are secret.
      if (inner !== null && typeof inner === "object") return this.cleanSecret(value, where, path);
      if (typeof inner === "string" && !(value instanceof WhollySecret)) return this.secretString(inner, where, path);
      return this.placeholder(inner, where, path);
    }
    if (typeof value === "string") {
      if (!this.origins.isSecret(value)) return this.relativise(this.origins.withMockIds(value));
      if (insideSecret) return this.placeholder(value, where, path);
      this.leaked.add(`${where} ${path}`.trim());
      const origins = this.secretOrigins(value);
      return origins.length > 0 ? `<redacted plain value holding a secret from ${listed(origins)}>` : "<redacted plain value holding secret material>";
    }
    if (Array.isArray(value)) return value.map((v, i) => this.clean(v, where, joinPath(path, i), insideSecret));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.clean(v, where, joinPath(path, k), insideSecret)]),
    );
  }

  /**
   * A secret object's structure with its secret leaves replaced (see the module comment);
   * `strict`: every leaf not known to be public (WhollySecret).
   */
  private cleanSecret(value: unknown, where: string, path: string, strict = false, key = ""): unknown {
    if (value instanceof MockSecret) return this.cleanSecret(value.value, where, path, strict || value instanceof WhollySecret, key);
    if (Array.isArray(value)) return value.map((v, i) => this.cleanSecret(v, where, joinPath(path, i), strict, key));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.cleanSecret(v, where, joinPath(path, k), strict, k)]));
    }
    if (typeof value === "boolean" || value === null || value === undefined) return value;
    if (typeof value === "string" && isPublicCertificate(value)) return this.relativise(value);
    if (strict || isSecretKey(key, value)) return this.placeholder(value, where, path);
    if (typeof value === "number") return value;
    const text = String(value);
    if (this.origins.isSecret(text) || (looksLikeCredential(text) && this.origins.withMockIds(text) === text)) return this.secretString(text, where, path);
    return this.relativise(this.origins.withMockIds(text));
  }

  /**
   * A secret string: its source's placeholder when one source produced it; a document the
   * program built (YAML or JSON mapping) shown with its leaves cleaned; else a placeholder.
   */
  private secretString(text: string, where: string, path: string): string {
    if (this.origins.findExact(text) === undefined && /\n/.test(text.trim())) {
      let doc: unknown;
      try {
        doc = parse(text);
      } catch {
        doc = undefined;
      }
      if (isRecord(doc) && Object.keys(doc).length > 0) {
        const cleaned = this.cleanSecret(doc, where, path);
        const out = stringify(cleaned, { lineWidth: 0 });
        if (!this.origins.isSecretMatter(out)) return out;
      }
    }
    return this.placeholder(text, where, path);
  }

  /** Where a plain value held secret material (a leak in the program), sorted. */
  get leaks(): string[] {
    return [...this.leaked].sort();
  }

  private secretOrigins(text: string): Origin[] {
    const found = this.origins.find(text);
    const secret = found.filter((o) => o.secret);
    return secret.length > 0 ? secret : found;
  }

  private placeholder(secret: unknown, where: string, path: string): string {
    this.placeholders++;
    if (typeof secret === "string") {
      const exact = this.origins.findExact(secret);
      if (exact) return `<secret from ${describe(exact)}>`;
      const embedded = this.secretOrigins(secret);
      if (embedded.length > 0) return `<secret built from ${listed(embedded)}>`;
    }
    return `<secret at ${`${where} ${path}`.trim()}>`;
  }

  private relativise(text: string): string {
    let out = text;
    for (const root of this.projectRoots) out = out.split(root).join("<project>");
    return out;
  }
}

/** A PEM certificate bundle (no key), as text or base64 of text: public by nature. */
export function isPublicCertificate(value: string): boolean {
  const text = value.includes("-----BEGIN") ? value : decodeBase64Text(value);
  return text !== undefined && parsePemCertificates(text).ok;
}
