/** How the render names resources and files: stable, readable, filesystem-safe. */
import { RegisteredResource } from "../../harness";

/** `type "name"`, the way reviewers recognise a resource in every rendered file. */
export function subject(resource: Pick<RegisteredResource, "type" | "name">): string {
  return `${resource.type} "${resource.name}"`;
}

/** A file-name-safe form: letters, digits, dot, dash and underscore only. */
export function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return cleaned === "" ? "_" : cleaned;
}

/**
 * Assigns each key a unique file name: the first keeps `base`, later ones get `-2`, `-3`...
 * Callers pass keys in a deterministic order, so the numbering is stable too.
 */
export class FileNames {
  private readonly used = new Set<string>();

  take(dir: string, base: string, suffix: string): string {
    let candidate = `${dir}/${slug(base)}${suffix}`;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${dir}/${slug(base)}-${n}${suffix}`;
    this.used.add(candidate);
    return candidate;
  }
}

/** Deterministic resource order: by type, then name, then URN (names repeat under different parents). */
export function byTypeAndName(a: RegisteredResource, b: RegisteredResource): number {
  return compare(a.type, b.type) || compare(a.name, b.name) || compare(a.urn, b.urn);
}

/** Code-unit order, independent of the machine's locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order in which digit runs compare as numbers: 10.0.0.2 before 10.0.0.11. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const na = /^\d/.test(ca[i]) && /^\d/.test(cb[i]);
    const diff = na ? Number(ca[i]) - Number(cb[i]) || compare(ca[i], cb[i]) : compare(ca[i], cb[i]);
    if (diff !== 0) return diff;
  }
  return ca.length - cb.length;
}

/** `type "name"` of a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function urnSubject(urn: string): string {
  const parts = urn.split("::");
  const name = parts[parts.length - 1];
  const type = (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
  return `${type} "${name}"`;
}

/** The URN part of a provider reference `urn::id`. */
export function providerUrn(reference: string): string {
  return reference.slice(0, reference.lastIndexOf("::"));
}
