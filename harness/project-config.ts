/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml into the flat config map the Pulumi CLI hands
 * a program (project-level values first, the stack file over them), so the program runs
 * offline with exactly the config `pulumi up -s <stack>` would give it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, YAMLParseError } from "yaml";

export interface ProjectConfig {
  readonly project: string;
  /** `namespace:key` → value (objects as parsed YAML, not JSON strings). */
  readonly values: Record<string, unknown>;
  readonly secretKeys: string[];
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    // Name the file and line instead of surfacing the parser's stack.
    if (!(error instanceof YAMLParseError)) throw error;
    const at = error.linePos?.[0];
    throw new Error(`${path.basename(file)}${at ? `:${at.line}:${at.col}` : ""}: invalid YAML: ${error.message.split("\n")[0]}`);
  }
  return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
}

export function stackNames(projectRoot: string): string[] {
  return fs
    .readdirSync(projectRoot)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Stacks of real clusters: every stack file less the CI-only ones (tools/ci/ci-only-stacks.txt). */
export function deployedStacks(projectRoot: string): string[] {
  const listFile = path.join(projectRoot, "tools", "ci", "ci-only-stacks.txt");
  const ciOnly = fs.existsSync(listFile)
    ? fs.readFileSync(listFile, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "")
    : [];
  return stackNames(projectRoot).filter((s) => !ciOnly.includes(s));
}

export function readProjectConfig(projectRoot: string, stack: string): ProjectConfig {
  const project = readYaml(path.join(projectRoot, "Pulumi.yaml"));
  const name = String(project.name);
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  const qualify = (key: string) => (key.includes(":") ? key : `${name}:${key}`);

  const projectConfig = (project.config ?? {}) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(projectConfig)) {
    const value = spec !== null && typeof spec === "object" && !Array.isArray(spec) ? (spec as Record<string, unknown>) : undefined;
    if (value && "value" in value) values[qualify(key)] = value.value;
    else if (value && "default" in value) values[qualify(key)] = value.default;
    else if (!value) values[qualify(key)] = spec;
  }

  const stackFile = path.join(projectRoot, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${stackFile}`);
  const stackConfig = (readYaml(stackFile).config ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(stackConfig)) {
    const secure = value !== null && typeof value === "object" && "secure" in (value as object);
    // Offline there is no key to decrypt `secure:` values; they stay secret placeholders.
    values[qualify(key)] = secure ? `[secure config ${qualify(key)}]` : value;
    if (secure) secretKeys.push(qualify(key));
  }
  return { project: name, values, secretKeys };
}

/**
 * Applies overrides: `ns:key` replaces a whole value, `ns:key.path[0].leaf` sets one
 * nested value; `undefined` removes it.
 */
export function applyOverrides(values: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result = structuredClone(values);
  for (const [spec, value] of Object.entries(overrides)) {
    const colon = spec.indexOf(":");
    const rest = spec.slice(colon + 1);
    const [top, ...segments] = rest.split(/\.|(?=\[)/).map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
    const key = `${spec.slice(0, colon)}:${String(top)}`;
    if (segments.length === 0) {
      if (value === undefined) delete result[key];
      else result[key] = structuredClone(value);
      continue;
    }
    let target = result[key] as Record<string | number, unknown>;
    if (target === undefined || target === null) throw new Error(`override ${spec}: ${key} is not set`);
    for (const segment of segments.slice(0, -1)) {
      if (target[segment] === undefined) target[segment] = typeof segment === "number" ? [] : {};
      target = target[segment] as Record<string | number, unknown>;
    }
    const last = segments[segments.length - 1];
    if (value === undefined) {
      if (Array.isArray(target) && typeof last === "number") target.splice(last, 1);
      else delete target[last];
    } else target[last] = structuredClone(value);
  }
  return result;
}

/** The CLI passes every value as a string; objects and arrays as JSON. */
export function toRuntimeConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}
