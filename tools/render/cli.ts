/** `npm run render -- <stack> [--out DIR]`: argument handling and reporting. */
import * as path from "path";
import { PROJECT_ROOT, runProgram } from "../../harness";
import { checkedStackArgs, consoleIo, type Io } from "../cli";
import { renderResult } from "./index";
import { RenderOutputError, writeRender } from "./output";

export type { Io } from "../cli";

const USAGE = `usage: npm run render -- <stack> [--out DIR]

Runs the program offline under Pulumi's mock runtime with the stack's config and no
credentials, and writes what it would apply (default DIR: render/<stack>/).
`;

export interface Args {
  readonly stack: string;
  readonly out?: string;
}

export function parseArgs(argv: readonly string[]): Args | string {
  const positional: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return USAGE;
    if (arg === "--out") {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) return `--out needs a directory\n\n${USAGE}`;
      out = next;
    } else if (arg.startsWith("--out=")) out = arg.slice("--out=".length);
    else if (arg.startsWith("-")) return `unknown option ${arg}\n\n${USAGE}`;
    else positional.push(arg);
  }
  if (positional.length !== 1) return USAGE;
  return { stack: positional[0], out };
}

export async function main(argv: readonly string[], io: Io = consoleIo, projectRoot: string = PROJECT_ROOT): Promise<number> {
  const args = checkedStackArgs(parseArgs(argv), argv, USAGE, io, projectRoot);
  if (typeof args === "number") return args;
  const result = await runProgram({ stack: args.stack, projectRoot });
  if (result.error) {
    io.err(`render: the program failed for stack ${args.stack}:\n${result.error.message}\n`);
    return 1;
  }
  // A second run as a first preview, for the section listing what it cannot show.
  const first = await runProgram({ stack: args.stack, projectRoot, firstPreview: true });
  if (first.error) {
    io.err(`render: the program failed for stack ${args.stack} as a first preview:\n${first.error.message}\n`);
    return 1;
  }
  const render = renderResult(result, projectRoot, first);
  const dir = path.resolve(args.out ?? path.join(projectRoot, "render", args.stack));
  try {
    writeRender(dir, render);
  } catch (err) {
    if (err instanceof RenderOutputError) {
      io.err(`render: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  io.out(render.summary);
  io.out(`\nWrote ${render.files.size} files to ${path.relative(process.cwd(), dir) || "."}\n`);
  if (render.leaks.length > 0) {
    io.err(`render: ${render.leaks.length} plain value(s) held secret material and were redacted; see summary.md\n`);
  }
  return 0;
}
