/**
 * Whether a flux-operator release can install the Flux distribution a FluxInstance asks
 * for, from bootstrap/flux-distributions.yaml (the newest Flux each operator ships).
 */
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { ManifestError, readText } from "./manifests";

export const DISTRIBUTIONS_FILE = "bootstrap/flux-distributions.yaml";

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
/** FluxInstance spec.distribution.version: exact, or with `x`/`*` for minor or patch. */
const REQUESTED = /^v?(\d+)\.(\d+|x|\*)(?:\.(\d+|x|\*))?$/;

const schema = z.strictObject({ operators: z.record(z.string().regex(VERSION), z.string().regex(VERSION)) });

/** flux-operator version (as the chart tag) → newest Flux it ships. */
export function loadFluxDistributions(repoRoot: string): Record<string, string> {
  const text = readText(repoRoot, path.join(repoRoot, DISTRIBUTIONS_FILE), "bootstrap data file");
  const r = schema.safeParse(parse(text));
  if (!r.success) throw new ManifestError(DISTRIBUTIONS_FILE, r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return r.data.operators;
}

function triple(v: string): [number, number, number] {
  const m = VERSION.exec(v);
  if (!m) throw new Error(`${v} is not a version`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The lowest version `requested` accepts (`M.m.x` → M.m.0). */
function lowestAccepted(requested: string): [number, number, number] {
  const m = REQUESTED.exec(requested.trim());
  if (!m) throw new Error(`${requested} is not a Flux distribution version such as 2.9.x`);
  const num = (s: string | undefined) => (s === undefined || s === "x" || s === "*" ? 0 : Number(s));
  return [Number(m[1]), num(m[2]), num(m[3])];
}

function atLeast(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** Why `operator` cannot serve `requested`, or undefined when it can. */
export function distributionProblem(operator: string, requested: string, table: Record<string, string>): string | undefined {
  const shipped = table[operator.replace(/^v/, "")];
  if (shipped === undefined) return `flux-operator ${operator} is not listed in ${DISTRIBUTIONS_FILE}`;
  const low = lowestAccepted(requested);
  const max = triple(shipped);
  if (max[0] !== low[0]) return `flux-operator ${operator} ships Flux ${shipped}, another major than the requested ${requested}`;
  return atLeast(max, low) ? undefined : `flux-operator ${operator} ships Flux up to ${shipped}, older than the requested ${requested}`;
}
