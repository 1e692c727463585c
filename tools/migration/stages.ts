/**
 * Staged version paths on an adopted cluster: from the chart versions the running Flux
 * reports to the pins in kubernetes/, one supported step at a time (bootstrap/upgrade-paths.yaml).
 * Pure. A path of more than one step means the switch would jump: the tool refuses it and
 * prints the steps, each a commit to the running tree (tag of its OCIRepository) that Flux
 * rolls out before the next.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import type { TreeKustomization } from "../../bootstrap/flux-tree";
import type { RunningRelease } from "./inventory";
import { asRecord } from "../../lib/guards";

const rule = z.strictObject({
  step: z.enum(["minor", "same-major", "any"]),
  checks: z.string().optional(),
  // The last minor of each finished major (`"0": 20`): the minor after it is <major+1>.0, so a
  // one-minor path may cross that boundary. Without it a major boundary is never derived.
  lastMinors: z.record(z.string().regex(/^\d+$/), z.number().int().nonnegative()).optional(),
  // What the step onto one minor (`"1.5"`) needs besides `checks`: that release's upgrade notes.
  notes: z.record(z.string().regex(/^\d+\.\d+$/), z.string()).optional(),
});
// A CRD set (bootstrap/crds.yaml) adds the annotation its CRDs carry their release channel in.
// `apply`: how a step short of the pin is applied by hand, `{version}` that step's release.
const crdRule = rule.extend({ channelAnnotation: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/).optional(), apply: z.string().includes("{version}").optional() });
const pathsSchema = z.strictObject({ charts: z.record(z.string(), rule), flux: rule, crdSets: z.record(z.string(), crdRule) });
export type UpgradePaths = z.infer<typeof pathsSchema>;
export type StepRule = z.infer<typeof rule>;
export type CrdRule = z.infer<typeof crdRule>;

export const UPGRADE_PATHS_FILE = "bootstrap/upgrade-paths.yaml";

export function loadUpgradePaths(repoRoot: string): UpgradePaths {
  return pathsSchema.parse(parse(fs.readFileSync(path.join(repoRoot, UPGRADE_PATHS_FILE), "utf8")));
}

interface MinorVersion {
  readonly prefix: string;
  readonly major: number;
  readonly minor: number;
  readonly patch?: number;
}

/** `v1.18.2`, `1.18`, `2.9.x`: prefix, major, minor and (when numeric) patch. */
export function parseMinor(text: string): MinorVersion | undefined {
  const m = /^(v?)(\d+)\.(\d+)(?:\.(\d+|x))?(?:[-+].*)?$/.exec(text.trim());
  if (!m) return undefined;
  return { prefix: m[1], major: Number(m[2]), minor: Number(m[3]), patch: m[4] === undefined || m[4] === "x" ? undefined : Number(m[4]) };
}

export interface Stage {
  readonly what: string;
  readonly running?: string;
  readonly pin: string;
  /** The versions to move to, in order; the last is the pin. Empty: already there. */
  readonly steps: readonly string[];
  readonly checks?: string;
  /** Per step (same order as steps): the rule's notes for that step's minor, if any. */
  readonly stepNotes?: readonly (string | undefined)[];
  /** Why no path can be given (downgrade, major boundary, unreadable version). */
  readonly problem?: string;
  /** The problem is that the running version is newer than the pin. */
  readonly downgrade?: boolean;
}

/** The steps from `running` to `pin` under `r`. */
export function stagedPath(what: string, running: string | undefined, pin: string, r: StepRule): Stage {
  const base = { what, running, pin, checks: r.checks };
  if (running === undefined) return { ...base, steps: [] };
  const from = parseMinor(running);
  const to = parseMinor(pin);
  if (!from || !to) return { ...base, steps: [], problem: `cannot read ${from ? pin : running} as a version` };
  const order = (a: MinorVersion, b: MinorVersion) => a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
  if (order(from, to) === 0 || (from.major === to.major && from.minor === to.minor && to.patch === undefined)) return { ...base, steps: [] };
  if (order(from, to) > 0) return { ...base, steps: [], downgrade: true, problem: `running ${running} is newer than the pin ${pin}: a downgrade is never staged` };
  if (r.step === "any") return { ...base, steps: [pin], ...withNotes([pin], r) };
  // The majors left on the way: each must have its last minor recorded for a one-minor path.
  const majorsLeft = Array.from({ length: to.major - from.major }, (_, i) => String(from.major + i));
  if (majorsLeft.length > 0 && (r.step !== "minor" || majorsLeft.some((m) => r.lastMinors?.[m] === undefined))) {
    return { ...base, steps: [], problem: `${running} → ${pin} crosses a major version: stage it by hand from the release notes` };
  }
  if (r.step === "same-major" || (from.major === to.major && from.minor === to.minor)) return { ...base, steps: [pin], ...withNotes([pin], r) };
  // Every minor after the running one up to the pin's, each at its latest patch; after a
  // finished major's last minor comes <major+1>.0.
  const steps: string[] = [];
  let { major, minor } = from;
  for (;;) {
    if (major < to.major && minor >= (r.lastMinors?.[String(major)] ?? 0)) [major, minor] = [major + 1, 0];
    else minor += 1;
    if (major === to.major && minor === to.minor) break;
    steps.push(`${to.prefix}${major}.${minor}.x (latest patch)`);
  }
  steps.push(pin);
  return { ...base, steps, ...withNotes(steps, r) };
}

function withNotes(steps: readonly string[], r: StepRule): { stepNotes?: (string | undefined)[] } {
  if (r.notes === undefined) return {};
  const notes = steps.map((s) => {
    const v = parseMinor(s.split(" ")[0]);
    return v === undefined ? undefined : r.notes?.[`${v.major}.${v.minor}`];
  });
  return notes.some((n) => n !== undefined) ? { stepNotes: notes } : {};
}

const get = (obj: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((v, k) => asRecord(v)?.[k], obj);

/**
 * Each HelmRelease of the new tree (pin from its OCIRepository tag) against the running
 * release of the same namespace/name, and the FluxInstance's Flux distribution.
 */
export function versionStages(
  running: readonly RunningRelease[],
  tree: { readonly kustomizations: ReadonlyMap<string, TreeKustomization> },
  runningFlux?: string,
  paths: UpgradePaths = loadUpgradePaths(path.resolve(__dirname, "..", "..")),
): Stage[] {
  const objects = [...tree.kustomizations.values()].flatMap((k) => k.objects.map((o) => o.object));
  const stages: Stage[] = [];
  for (const hr of objects.filter((o) => o.kind === "HelmRelease")) {
    const namespace = hr.metadata.namespace;
    const ref = asRecord(get(hr, "spec.chartRef"));
    const source = objects.find((o) => o.kind === ref?.kind && o.metadata.name === ref?.name && o.metadata.namespace === (ref?.namespace ?? namespace));
    const pin = get(source, "spec.ref.tag");
    if (typeof pin !== "string") continue;
    const r = paths.charts[hr.metadata.name] ?? { step: "minor" as const, checks: "no rule in bootstrap/upgrade-paths.yaml: one minor at a time" };
    const live = running.find((x) => x.name === hr.metadata.name && x.namespace === namespace);
    stages.push(stagedPath(`HelmRelease ${namespace}/${hr.metadata.name}`, live?.version, pin, r));
    const flux = get(hr, "spec.values.instance.distribution.version");
    if (typeof flux === "string") stages.push(stagedPath("Flux (FluxInstance distribution)", runningFlux, flux, paths.flux));
  }
  return stages.sort((a, b) => a.what.localeCompare(b.what));
}

/** How the report words a stage set: its title, who installs a missing one, how steps are taken. */
export interface StageWording {
  readonly title: string;
  readonly installs: string;
  readonly howToStep: string;
}

export const CHART_WORDING: StageWording = {
  title: "Chart versions: running → pin",
  installs: "Flux installs",
  howToStep: "move the running tree one commit per step, each rolled out and healthy before the next",
};

export function formatStages(stages: readonly Stage[], wording: StageWording = CHART_WORDING): string {
  const lines = [wording.title];
  const first = (s: Stage, i: number) => {
    const note = s.stepNotes?.[i];
    return `${s.checks ? `; first: ${s.checks}` : ""}${note ? `; ${note}` : ""}`;
  };
  for (const s of stages) {
    if (s.problem) lines.push(`  ${s.what}: REFUSED: ${s.problem}`);
    else if (s.running === undefined) lines.push(`  ${s.what}: not running; ${wording.installs} ${s.pin}`);
    else if (s.steps.length === 0) lines.push(`  ${s.what}: ${s.running}, at the pin`);
    else if (s.steps.length === 1) lines.push(`  ${s.what}: ${s.running} → ${s.pin}, one step${first(s, 0)}`);
    else {
      lines.push(`  ${s.what}: REFUSED: ${s.running} → ${s.pin} skips ${s.steps.length - 1} step(s); ${wording.howToStep}:`);
      s.steps.forEach((step, i) => lines.push(`    ${i + 1}. ${step}${first(s, i)}`));
    }
  }
  return `${lines.join("\n")}\n`;
}
