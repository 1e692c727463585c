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
 * Inside a secret object the rule is an allow-list: every string or number leaf becomes a
 * placeholder unless it is known public: a PEM certificate (parsed, not a key), or the
 * base64 of one. Recognising secrets by what they look like would keep any realistic
 * token the mocks did not mark. Booleans and null carry no secret material and stay.
 */
import { MockSecret } from "../../harness";
import { parsePemCertificates } from "../../stacks/pem";
import { Origin, OriginIndex, decodeBase64Text, joinPath } from "./origins";

export const PLACEHOLDER = /<(secret (from|built from|at) |redacted plain value)[^>]*>/g;

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
      if (inner !== null && typeof inner === "object") return this.cleanSecret(inner, where, path);
      return this.placeholder(inner, where, path);
    }
    if (typeof value === "string") {
      if (!this.origins.isSecret(value)) return this.relativise(value);
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

  /** A secret object's structure with every leaf not known to be public replaced. */
  private cleanSecret(value: unknown, where: string, path: string): unknown {
    if (value instanceof MockSecret) return this.cleanSecret(value.value, where, path);
    if (Array.isArray(value)) return value.map((v, i) => this.cleanSecret(v, where, joinPath(path, i)));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.cleanSecret(v, where, joinPath(path, k))]));
    }
    if (typeof value === "boolean" || value === null || value === undefined) return value;
    if (typeof value === "string" && isPublicCertificate(value)) return this.relativise(value);
    return this.placeholder(value, where, path);
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
