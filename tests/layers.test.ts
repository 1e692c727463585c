/**
 * The one-way layers (README "Layers"), as eslint.config.mjs enforces them: a wrong import
 * fails lint, the right one passes, the tree passes, and every module the config marks pure
 * reaches no Pulumi package through any chain of project imports.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM_FOLDERS = ["lib", "bootstrap", "sdks", "components", "stacks"];

interface Finding {
  readonly file: string;
  readonly ruleId: string | null;
  readonly message: string;
}
type RuleSetting = [number | string, { patterns: { regex: string; message: string }[] }] | null;
interface LintAnswer {
  readonly probes: Finding[][];
  readonly lint: Finding[];
  readonly configFor: Record<string, RuleSetting>;
}

/** A probe: a file that would live at `file` with one import. */
const PROBES: readonly { file: string; from: string; refused: boolean }[] = [
  // components/ never import stacks/, at any depth.
  { file: "components/talos/probe.ts", from: "../../stacks/config", refused: true },
  { file: "components/talos/day2/probe.ts", from: "../../../stacks/validate", refused: true },
  { file: "components/talos/probe.ts", from: "../../harness", refused: true },
  { file: "components/talos/probe.ts", from: "../../lib/net", refused: false },
  { file: "components/talos/probe.ts", from: "../bootstrap", refused: false },
  { file: "components/talos/probe.ts", from: "@pulumi/pulumi", refused: false },
  // lib/ is the bottom: no project folder, no Pulumi.
  { file: "lib/probe.ts", from: "@pulumi/pulumi", refused: true },
  { file: "lib/probe.ts", from: "@1password/pulumi-onepassword", refused: true },
  { file: "lib/probe.ts", from: "../stacks/config", refused: true },
  { file: "lib/probe.ts", from: "../components/talos/plan", refused: true },
  { file: "lib/probe.ts", from: "./net", refused: false },
  { file: "lib/probe.ts", from: "yaml", refused: false },
  // bootstrap/ and sdks/ import only lib/.
  { file: "bootstrap/probe.ts", from: "../components/talos", refused: true },
  { file: "bootstrap/probe.ts", from: "../stacks/config", refused: true },
  { file: "bootstrap/probe.ts", from: "../sdks/talos", refused: true },
  { file: "bootstrap/probe.ts", from: "@pulumi/pulumi", refused: true },
  { file: "bootstrap/probe.ts", from: "../lib/values", refused: false },
  { file: "sdks/talos/machine/probe.ts", from: "../../../components/talos", refused: true },
  { file: "sdks/talos/probe.ts", from: "../../stacks/config", refused: true },
  { file: "sdks/talos/probe.ts", from: "../../bootstrap/loader", refused: true },
  { file: "sdks/talos/machine/probe.ts", from: "./bootstrap", refused: false },
  { file: "sdks/talos/probe.ts", from: "@pulumi/pulumi", refused: false },
  // Pure plans have no Pulumi import, while their component neighbours may.
  { file: "components/talos/plan.ts", from: "@pulumi/pulumi", refused: true },
  { file: "components/talos/rules/probe.ts", from: "@pulumi/pulumi", refused: true },
  { file: "components/talos/day2/runner.ts", from: "@pulumi/command", refused: true },
  { file: "components/talos/day2/component.ts", from: "@pulumi/command", refused: false },
  { file: "stacks/validate.ts", from: "@pulumi/pulumi", refused: true },
  // stacks/ maps config to components: the downward import is the point.
  { file: "stacks/probe.ts", from: "../components/talos", refused: false },
  { file: "stacks/probe.ts", from: "../tools/render", refused: true },
];

function programFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return programFiles(rel);
    return entry.name.endsWith(".ts") ? [rel] : [];
  });
}

const FILES = [...PROGRAM_FOLDERS.flatMap(programFiles), "index.ts"];

function runEslint(): LintAnswer {
  const request = {
    probes: PROBES.map((p) => ({ filePath: p.file, code: `import * as probe from "${p.from}";\nexport const used = probe;\n` })),
    lint: ["index.ts", ...PROGRAM_FOLDERS],
    configFor: FILES,
  };
  const run = spawnSync(process.execPath, [path.join(ROOT, "tests", "helpers", "eslint-layers.mjs")], {
    cwd: ROOT,
    input: JSON.stringify(request),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`eslint-layers.mjs failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as LintAnswer;
}

/**
 * Module specifiers a file loads at run time: `import ... from`, `export ... from` and
 * `import "..."`; `import type`/`export type` are erased by the compiler and load nothing.
 */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const statements = /(?:^|\n)\s*((?:import|export)\s[^;]*?from\s+"([^"]+)"|import\s+"([^"]+)")/g;
  return [...text.matchAll(statements)].filter((m) => !/^(import|export)\s+type\s/.test(m[1])).map((m) => m[2] ?? m[3]);
}

/** A relative specifier's file (`./x` → `x.ts` or `x/index.ts`), project-relative. */
function resolveRelative(from: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
  throw new Error(`${from}: cannot resolve ${spec}`);
}

/** Every package a file reaches through its project imports, with the chain that reaches it. */
function reachedPackages(start: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith(".")) visit(resolveRelative(file, spec), [...chain, file]);
      else if (!reached.has(spec)) reached.set(spec, [...chain, file]);
    }
  };
  visit(start, []);
  return reached;
}

const PULUMI_PACKAGE = "@pulumi/pulumi";
const refusesPulumi = (setting: RuleSetting) => !!setting && setting[1].patterns.some((p) => new RegExp(p.regex).test(PULUMI_PACKAGE));

describe("layers", () => {
  const answer = runEslint();

  it.each(PROBES.map((p, i) => [p.file, p.from, p.refused, i] as const))("%s importing %s: refused %s", (_file, _from, refused, i) => {
    const findings = answer.probes[i].filter((f) => f.ruleId === "no-restricted-imports");
    expect(findings.length > 0).toBe(refused);
  });

  it("the tree passes the layer rules", () => {
    expect(answer.lint).toEqual([]);
  });

  it("lib/, bootstrap/ and the plans render and the config check call are pure", () => {
    const pure = FILES.filter((f) => refusesPulumi(answer.configFor[f]));
    for (const file of [
      ...FILES.filter((f) => f.startsWith("lib/") || f.startsWith("bootstrap/")),
      "components/talos/plan.ts",
      "components/talos/network.ts",
      "components/talos/derived.ts",
      "components/talos/rules/check.ts",
      "components/talos/day2/plan.ts",
      "components/talos/day2/runner.ts",
      "stacks/validate.ts",
    ]) {
      expect(pure).toContain(file);
    }
  });

  it("no pure module reaches a Pulumi package through its project imports", () => {
    const leaks = FILES.filter((f) => refusesPulumi(answer.configFor[f])).flatMap((file) =>
      [...reachedPackages(file)].filter(([pkg]) => /^@(pulumi|1password)\//.test(pkg)).map(([pkg, chain]) => `${[...chain, pkg].join(" -> ")}`),
    );
    expect(leaks).toEqual([]);
  });

  it("the import walk sees the imports it checks (a component that registers resources reaches Pulumi)", () => {
    expect([...reachedPackages("components/talos/cluster.ts").keys()]).toContain(PULUMI_PACKAGE);
    expect([...reachedPackages("stacks/validate.ts").keys()]).toContain("yaml");
  });
});
