/** What the offline stack tools (render, migration) share: output streams, the stack check, the process entry. */
import { stackNames } from "../harness";

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const consoleIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * The parsed arguments when they name a stack of the project; otherwise the exit code after
 * the reason went to `io.err` (0 for an asked-for usage text, 2 for bad arguments).
 */
export function checkedStackArgs<A extends { readonly stack: string }>(
  args: A | string,
  argv: readonly string[],
  usage: string,
  io: Io,
  projectRoot: string,
): A | number {
  if (typeof args === "string") {
    io.err(args);
    return args === usage && argv.some((a) => a === "--help" || a === "-h") ? 0 : 2;
  }
  const stacks = stackNames(projectRoot);
  if (!stacks.includes(args.stack)) {
    io.err(`unknown stack "${args.stack}"; stacks: ${stacks.join(", ")}\n`);
    return 2;
  }
  return args;
}

/** Runs a tool's `main` with the process's arguments and sets the exit code it returns. */
export function runAsProcess(main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
