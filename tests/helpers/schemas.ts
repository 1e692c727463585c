/**
 * Access to the upstream schemas listed in schemas/manifest.json: chart values schemas and
 * defaults, the CRD JSON schema catalog, and kubernetes-models for core kinds. Looked for,
 * in order: $K8S_GITOPS_SCHEMAS, the cache `node tools/ci/fetch-schemas.mjs` fills
 * (.cache/schemas), then ../shared/schemas. Tests read the files in place and say so
 * when they skip; with K8S_GITOPS_REQUIRE_SCHEMAS=1 (CI) a missing folder fails instead.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv, { type AnySchema, type ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "yaml";

export type JsonSchema = { [key: string]: unknown };

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Where schemas may be, most specific first. */
export function schemaCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.K8S_GITOPS_SCHEMAS, path.join(PROJECT_ROOT, ".cache", "schemas"), path.resolve(PROJECT_ROOT, "..", "shared", "schemas")].filter(
    (d): d is string => d !== undefined && d !== "",
  );
}

let root: string | undefined;

export function schemasRoot(): string {
  root ??= schemaCandidates().find((d) => fs.existsSync(path.join(d, "helm"))) ?? schemaCandidates()[schemaCandidates().length - 1];
  return root;
}

export function hasSchemas(): boolean {
  return fs.existsSync(path.join(schemasRoot(), "helm"));
}

/** `describe` when the schemas exist, otherwise a skipped block with the reason printed (a failure in CI). */
export function describeWithSchemas(name: string, fn: () => void): void {
  if (hasSchemas()) {
    describe(name, fn);
    return;
  }
  const reason = `upstream schemas not found (looked in ${schemaCandidates().join(", ")}); run \`node tools/ci/fetch-schemas.mjs\``;
  if (process.env.K8S_GITOPS_REQUIRE_SCHEMAS === "1") {
    describe(name, () => it("has its upstream schemas", () => {
      throw new Error(reason);
    }));
    return;
  }
  console.warn(`skipping "${name}": ${reason}`);
  describe.skip(name, fn);
}

export function loadJsonSchema(relPath: string): JsonSchema {
  return JSON.parse(fs.readFileSync(path.join(schemasRoot(), relPath), "utf8")) as JsonSchema;
}

function newAjv<T extends Ajv>(Ctor: new (opts: object) => T): T {
  // Upstream schemas use Kubernetes-only keywords and formats; strict mode would reject them.
  const ajv = new Ctor({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  for (const format of ["int32", "int64", "byte", "double", "float", "cidr", "int-or-string"]) ajv.addFormat(format, true);
  return ajv;
}

const ajvs = { draft7: newAjv(Ajv), draft2019: newAjv(Ajv2019), draft2020: newAjv(Ajv2020) };
const compiled = new Map<string, ValidateFunction>();

/** Compiles `schema` with the Ajv dialect its `$schema` names (draft-07 if none). */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const dialect = String(schema["$schema"] ?? "");
  const ajv = dialect.includes("2020-12") ? ajvs.draft2020 : dialect.includes("2019-09") ? ajvs.draft2019 : ajvs.draft7;
  return ajv.compile(schema as AnySchema);
}

/** Validates `data` against the schema file at `relPath`; returns readable errors. */
export function validateAgainst(relPath: string, data: unknown): string[] {
  let validate = compiled.get(relPath);
  if (validate === undefined) {
    validate = compileSchema(loadJsonSchema(relPath));
    compiled.set(relPath, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/** `v1.20.3` → [1, 20, 3]; undefined for anything but a plain release. */
function releaseParts(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * The file in `dir` named `<prefix><version><suffix>` (with or without a leading "v"), or,
 * when a patch release has none yet, the newest earlier patch of the same minor: a
 * Renovate patch bump keeps the suite green, and the schema manifest catches up.
 */
export function versionedFile(dir: string, prefix: string, version: string, suffix: string): string | undefined {
  const bare = version.replace(/^v/, "");
  const exact = [version, bare, `v${bare}`].map((v) => path.join(dir, `${prefix}${v}${suffix}`)).find((f) => fs.existsSync(f));
  if (exact || !fs.existsSync(dir)) return exact;
  const wanted = releaseParts(version);
  if (!wanted) return undefined;
  const candidates = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
    .map((f) => ({ f, parts: releaseParts(f.slice(prefix.length, f.length - suffix.length)) }))
    .filter((c): c is { f: string; parts: [number, number, number] } => c.parts !== undefined && c.parts[0] === wanted[0] && c.parts[1] === wanted[1] && c.parts[2] < wanted[2])
    .sort((x, y) => y.parts[2] - x.parts[2]);
  if (candidates.length === 0) return undefined;
  console.warn(`no ${prefix}${version}${suffix} in ${dir}; using ${candidates[0].f} (same minor) until schemas/manifest.json lists it`);
  return path.join(dir, candidates[0].f);
}

function chartFile(dir: string, chart: string, version: string, suffix: string): string | undefined {
  const found = versionedFile(dir, `${chart}-`, version, suffix);
  return found === undefined ? undefined : path.relative(schemasRoot(), found);
}

/** Relative path of a chart's values.schema.json, if the chart publishes one. */
export function valuesSchemaPath(chart: string, version: string): string | undefined {
  return chartFile(path.join(schemasRoot(), "helm"), chart, version, ".values.schema.json");
}

export function valuesSchemaFor(chart: string, version: string): JsonSchema | undefined {
  const rel = valuesSchemaPath(chart, version);
  return rel === undefined ? undefined : loadJsonSchema(rel);
}

/** Raw text of a chart's default values.yaml (comments document optional keys). */
export function chartDefaultsText(chart: string, version: string): string | undefined {
  const rel = chartFile(path.join(schemasRoot(), "helm-defaults"), chart, version, ".values.yaml");
  return rel === undefined ? undefined : fs.readFileSync(path.join(schemasRoot(), rel), "utf8");
}

export function chartDefaults(chart: string, version: string): Record<string, unknown> | undefined {
  const text = chartDefaultsText(chart, version);
  return text === undefined ? undefined : ((parse(text) ?? {}) as Record<string, unknown>);
}

/** Relative path of the catalog schema for a custom resource kind, if present. */
export function crdSchemaPath(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const rel = path.join("crds-catalog", `${group}_${kind.toLowerCase()}_${version}.json`);
  return group !== "" && fs.existsSync(path.join(schemasRoot(), rel)) ? rel : undefined;
}

export interface CoreValidation {
  /** false when kubernetes-models has no model for the apiVersion/kind. */
  readonly modelled: boolean;
  readonly errors: readonly string[];
}

// kubernetes-models is ESM-only, which Jest's CommonJS runtime cannot load, so
// its validate() runs in a plain Node process.
const CORE_VALIDATOR = `
const objects = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const results = [];
  for (const o of objects) {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    const mod = "kubernetes-models/" + (group ? group + "/" : "") + version + "/" + o.kind;
    let Model;
    try { Model = (await import(mod))[o.kind]; } catch { results.push({ modelled: false, errors: [] }); continue; }
    try { new Model(o).validate(); results.push({ modelled: true, errors: [] }); }
    catch (e) { results.push({ modelled: true, errors: [String(e && e.message)] }); }
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

/** Validates core Kubernetes objects with kubernetes-models' validate(). */
export function validateCoreObjects(objects: readonly unknown[]): CoreValidation[] {
  const out = execFileSync(process.execPath, ["-e", CORE_VALIDATOR], {
    cwd: path.resolve(__dirname, "..", ".."),
    input: JSON.stringify(objects),
    encoding: "utf8",
  });
  return JSON.parse(out) as CoreValidation[];
}
