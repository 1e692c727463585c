/**
 * Reusable string rules for the stack config: every string has a length bound and a
 * character set, so nothing unbounded or invisible reaches a resource, a Helm value, a
 * ConfigMap or an error message. Pure: no Pulumi import.
 */
import { z } from "zod";

/** C0 controls, DEL and C1 controls: a newline in a value can inject YAML keys downstream. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Longest URL the config accepts (well below what any HTTP stack rejects). */
export const MAX_URL_LENGTH = 2048;
/** Longest free-text name (1Password vaults, items and fields). */
export const MAX_NAME_LENGTH = 100;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * `value` shortened for an error message: never echo a huge or multi-line input back
 * (control characters are shown escaped).
 */
export function forError(value: string, max = 60): string {
  const shown = JSON.stringify(value.length > max ? value.slice(0, max) : value);
  return value.length > max ? `${shown}… (${value.length} characters)` : shown;
}

/** A bounded string of one character set; `description` says what the set is. */
export function boundedString(max: number, charset: RegExp, description: string) {
  return z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), { message: "contains control characters" })
    .refine((v) => charset.test(v), { message: `may contain only ${description}` });
}

/** A display name as 1Password vaults, items and fields use: letters, digits, space and . _ - ( ). */
export const itemName = boundedString(MAX_NAME_LENGTH, /^[\p{L}\p{N} ._()-]+$/u, "letters, digits, spaces and . _ - ( )");

export interface UrlRules {
  /** Accepted schemes, e.g. ["https:"]. */
  readonly protocols: readonly string[];
  /** The URL must name its port explicitly (`https://host:6443`), as an API endpoint does. */
  readonly requirePort?: boolean;
  /** Schemes where a user name without password is allowed (`ssh://git@github.com/...`). */
  readonly allowUserFor?: readonly string[];
  /** `none`: nothing after the authority (not even `/`); `required`: a path beyond `/`. Default: any. */
  readonly path?: "none" | "required";
}

/**
 * Why `value` is not an acceptable URL under `rules`, or undefined. Credentials in a URL
 * (`user:token@`) are refused: the value lands in plain text in ConfigMaps, Helm values
 * and stack outputs. The message never repeats the value.
 */
export function urlProblem(value: string, rules: UrlRules): string | undefined {
  const schemes = rules.protocols.map((p) => p.replace(":", "://")).join(" or ");
  if (value.length > MAX_URL_LENGTH) return `is longer than ${MAX_URL_LENGTH} characters`;
  if (hasControlCharacters(value) || /\s/.test(value)) return "contains whitespace or control characters";
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `is not a ${schemes} URL`;
  }
  if (!rules.protocols.includes(parsed.protocol) || parsed.hostname === "") return `is not a ${schemes} URL`;
  if (parsed.password !== "" || (parsed.username !== "" && !(rules.allowUserFor ?? []).includes(parsed.protocol))) {
    return "must not carry credentials (user:password@ or token@): it would be stored in plain text; give credentials through the environment or secret config";
  }
  // WHATWG URL drops a scheme's default port (https://h:443 → port ""), so read the authority itself.
  const head = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value);
  const authority = head?.[1] ?? "";
  if (rules.requirePort && !/:\d{1,5}$/.test(authority)) return `must name its port (e.g. ${parsed.protocol}//${parsed.hostname}:6443)`;
  if (/:0+$/.test(authority)) return "names port 0, which nothing listens on";
  // Query and fragment mean nothing to a base URL or an endpoint; they only hide typos.
  if (parsed.search !== "" || parsed.hash !== "" || /[?#]/.test(value)) return "must not carry a query (?...) or fragment (#...)";
  const rest = value.slice(head?.[0].length ?? 0);
  if (rules.path === "none" && rest !== "") return `must not have a path (found ${forError(rest, 40)}): use ${parsed.protocol}//${authority}`;
  if (rules.path === "required" && (parsed.pathname === "/" || parsed.pathname === "")) return "must name a path (e.g. /<owner>/<repository>)";
  return undefined;
}

export function safeUrl(rules: UrlRules) {
  return z.string().superRefine((value, ctx) => {
    const problem = urlProblem(value, rules);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * Why `name` is not a branch name as `git check-ref-format --branch` takes it, or
 * undefined (the rules go-git's ReferenceName.Validate also applies): no `refs/` prefix (a
 * full reference), no `..`, `@{`, `//`, no component starting with `.` or ending in `.lock`,
 * no leading `-` or `/`, no trailing `/` or `.`, not `HEAD` or `@`.
 */
export function branchProblem(name: string): string | undefined {
  if (/^refs\//.test(name)) return `is a full reference, not a branch name: use ${forError(name.replace(/^refs\/heads\//, ""), 60)} (or flux.ref for a full reference)`;
  if (name === "HEAD" || name === "@") return "is not a branch name";
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return "must not start with - or /, or end with / or .";
  if (name.includes("..") || name.includes("@{") || name.includes("//")) return "must not contain .., @{ or //";
  if (name.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) return "has a component starting with . or ending in .lock";
  return undefined;
}

export const gitBranch = boundedString(255, /^[A-Za-z0-9._/-]+$/, "letters, digits and . _ / -").superRefine((value, ctx) => {
  const problem = /^[A-Za-z0-9._/-]+$/.test(value) ? branchProblem(value) : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
