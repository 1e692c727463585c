/**
 * What the engine and pulumi-command run for one `command:local:Command` between two
 * runs of the program, so tests can execute a lifecycle against the fake talosctl.
 * Mirrors pulumi/pulumi-command v1.2.1 provider/pkg/provider/local: only `triggers` is
 * replaceOnChanges (common/inputs.go); a replacement creates the new step (create before
 * delete) and deletes the old one; any other change runs `update`, or `create` when
 * `update` is unset; Delete runs the `delete` the STATE recorded, if any
 * (commandController.go Create/Update/Delete).
 */
import { spawnSync } from "child_process";
import { DAY2_COMMAND } from "../../components/talos/day2/commands";
import { runDay2, StepSpec } from "../../components/talos/day2/cli";
import { reveal } from "../../harness";
import type { FakeCluster } from "./fake-talos";

/** Inputs of a step as the engine holds them (secrets revealed). */
export interface CommandInputs {
  readonly create?: string;
  readonly update?: string;
  readonly delete?: string;
  readonly dir?: string;
  readonly environment?: Record<string, string>;
  readonly stdin?: string;
  readonly triggers?: unknown[];
}

export const commandInputs = (inputs: Record<string, unknown>): CommandInputs => reveal(inputs) as CommandInputs;

export type Transition = "create" | "replace" | "update" | "same" | "delete";

export interface PlannedCommand {
  readonly command: string;
  /** The inputs it runs with (the new ones; the recorded ones for a delete). */
  readonly inputs: CommandInputs;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/** What changes between the recorded inputs (`before`) and the program's (`after`), and what runs. */
export function lifecycle(before: CommandInputs | undefined, after: CommandInputs | undefined): { transition: Transition; runs: PlannedCommand[] } {
  const run = (command: string | undefined, inputs: CommandInputs): PlannedCommand[] => (command ? [{ command, inputs }] : []);
  if (!before && after) return { transition: "create", runs: run(after.create, after) };
  if (before && !after) return { transition: "delete", runs: run(before.delete, before) };
  if (!before || !after) return { transition: "same", runs: [] };
  if (json(before.triggers) !== json(after.triggers)) {
    return { transition: "replace", runs: [...run(after.create, after), ...run(before.delete, before)] };
  }
  const { triggers: _b, ...restBefore } = before;
  const { triggers: _a, ...restAfter } = after;
  if (json(restBefore) === json(restAfter)) return { transition: "same", runs: [] };
  return { transition: "update", runs: run(after.update ?? after.create, after) };
}

/**
 * Run one planned command the way the provider does (`/bin/sh -c`, stdin, environment)
 * with the fakes on PATH. The day-2 entry point runs in-process for speed: the same
 * runDay2 that tools/day2.ts calls, on the spec in DAY2_SPEC.
 */
export function execute(planned: PlannedCommand, fake: FakeCluster): string {
  const env = { ...fake.env, ...(planned.inputs.environment ?? {}) };
  if (planned.command === DAY2_COMMAND) {
    const spec = JSON.parse(env.DAY2_SPEC ?? "") as StepSpec;
    return runDay2(spec, planned.inputs.stdin ?? "", env, () => undefined, fake.tools);
  }
  const done = spawnSync("/bin/sh", ["-c", planned.command], { env, input: planned.inputs.stdin ?? "", encoding: "utf8", cwd: planned.inputs.dir });
  if (done.status !== 0) throw new Error(`${planned.command} failed: ${done.stderr}`);
  return done.stdout;
}
