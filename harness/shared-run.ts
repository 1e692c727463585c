/**
 * One mock run per distinct set of options, shared by every test of a test file that asks
 * for it. A run of the whole program is the expensive part of a test; tests that look at
 * the same resource graph from different angles need not each build it again.
 *
 * The cache lives in this module, so under jest it lasts one test file (each file has its
 * own module registry). A shared result is deep-frozen: a test that would change it for
 * the next test fails instead. Use `runProgram` for a run a test needs to itself.
 */
import { runProgram, RunOptions, RunResult } from "./run";
import { deepFreeze } from "../lib/freeze";

const runs = new Map<string, Promise<RunResult>>();

/** The program's result for these options, run once per test file. */
export function sharedRun(options: RunOptions): Promise<RunResult> {
  const key = runKey(options);
  let run = runs.get(key);
  if (run === undefined) {
    run = runProgram(options).then(freezeResult);
    runs.set(key, run);
  }
  return run;
}

/**
 * Options that ask for the same run give the same key: object keys in any order, an empty
 * `config` or `env` the same as none. `undefined` stays distinct from an absent key, since a
 * config or env entry set to undefined removes a value; a class instance keys by its class.
 */
export function runKey(options: RunOptions): string {
  const { config, env, ...rest } = options;
  const significant = {
    ...rest,
    ...(config && Object.keys(config).length > 0 ? { config } : {}),
    ...(env && Object.keys(env).length > 0 ? { env } : {}),
  };
  return JSON.stringify(significant, (_key, value: unknown) => {
    if (value === undefined) return "\u0000undefined";
    if (typeof value === "function") throw new Error("sharedRun: options hold a function; use runProgram");
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      // A class instance (a MockSecret in a peer's recorded outputs) keys by its class and fields.
      const proto = Object.getPrototypeOf(value) as { constructor?: { name: string } } | null;
      const kind = proto === Object.prototype || proto === null ? {} : { "\u0000class": proto.constructor?.name ?? "?" };
      return { ...kind, ...Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) };
    }
    return value;
  });
}

/** Everything a test reads is frozen; the mock world and the error stay as they are. */
function freezeResult(result: RunResult): RunResult {
  deepFreeze(result.resources);
  deepFreeze(result.invokes);
  deepFreeze(result.outputs);
  deepFreeze(result.warnings);
  deepFreeze(result.config);
  return Object.freeze({ ...result });
}
