/**
 * The stack config parsed one top-level section at a time, so a schema error in one section
 * (say `nodes`) leaves every other section usable: the rules, credential and settings checks
 * that read only valid sections still run, and the user sees every problem in one error.
 * Pure: no Pulumi import.
 */
import type { z } from "zod";
import type { Problem } from "../lib/problems";
import { configPath } from "./errors";
import { RawStackConfig, stackConfigSchema } from "./schema";

export type SectionName = keyof RawStackConfig;

/** The sections that passed the schema; a section that failed is absent. */
export type ParsedSections = { -readonly [K in SectionName]?: RawStackConfig[K] };

export const SECTION_NAMES = Object.keys(stackConfigSchema.shape) as SectionName[];

/** Whether every section in `reads` parsed: the guard a check runs behind. */
export function hasSections<K extends SectionName>(sections: ParsedSections, reads: readonly K[]): sections is ParsedSections & Pick<RawStackConfig, K> {
  return reads.every((key) => sections[key] !== undefined);
}

/** The whole config when every section parsed. */
export function completeConfig(sections: ParsedSections): RawStackConfig | undefined {
  return hasSections(sections, SECTION_NAMES) ? sections : undefined;
}

/** The value at `path` inside `value`, undefined where the path leaves it. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((at, key) => (at !== null && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[key] : undefined), value);
}

function issueProblems(issues: readonly z.core.$ZodIssue[], key: SectionName, value: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const at = [key, ...issue.path];
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: configPath([...at, k]), message: "unknown key (typo?)" }));
    // Zod leaves the input out of its issues: a value of the wrong type is not a missing one.
    const base = issue.code === "invalid_type" && valueAt(value, issue.path) === undefined ? "is required" : issue.message;
    // Versions are pinned project-wide in Pulumi.yaml, not in the stack file.
    const message = at[0] === "versions" ? `${base} (pinned in Pulumi.yaml under config.versions)` : base;
    return [{ path: configPath(at), message }];
  });
}

function parseSection<K extends SectionName>(key: K, value: unknown, sections: ParsedSections): Problem[] {
  const schema = stackConfigSchema.shape[key] as unknown as z.ZodType<RawStackConfig[K]>;
  const result = schema.safeParse(value);
  if (result.success) {
    sections[key] = result.data;
    return [];
  }
  return issueProblems(result.error.issues, key, value);
}

/** Each known section parsed on its own; an unknown top-level key is a problem of its own. */
export function parseSections(raw: Readonly<Record<string, unknown>>): { sections: ParsedSections; problems: Problem[] } {
  const sections: ParsedSections = {};
  const problems = SECTION_NAMES.flatMap((key) => parseSection(key, raw[key], sections));
  for (const key of Object.keys(raw).sort()) {
    if (!(SECTION_NAMES as string[]).includes(key)) problems.push({ path: configPath([key]), message: "unknown key (typo?)" });
  }
  return { sections, problems };
}
