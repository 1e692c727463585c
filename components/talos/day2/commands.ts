/**
 * Day-2 steps as Pulumi resources. This module is the seam: each step is one
 * `@pulumi/command` local.Command running `tools/day2.ts` (talosctl underneath); a
 * future provider resource for upgrades replaces `day2Step` and nothing else.
 *
 * How pulumi-command maps the lifecycle (provider/pkg/provider/local/commandController.go,
 * common/inputs.go): only `triggers` is replaceOnChanges, and a replacement runs `create`
 * of the new step; any other input change runs `update`; `delete` runs the command the
 * state recorded, if any. So a step runs only when its triggers change (what it acts on:
 * node, target, image, config hash, drift repairs: record.ts); `update` runs nothing, so a new
 * checkout path (`dir`), a renewed talosconfig (`stdin`), a timeout or a changed node
 * list of the gates (in DAY2_SPEC) is recorded without touching a machine; and no step
 * has a `delete`, so destroy, a rename or `talos.bootstrapped: false` runs nothing.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Day2Spec } from "./cli";

/** How a step runs: the project's pinned ts-node, no network (`--no-install`). */
export const DAY2_COMMAND = "npx --no-install ts-node --transpile-only tools/day2.ts";

/** `update`: only inputs that trigger nothing changed; the new inputs are recorded. */
export const DAY2_UNCHANGED = "echo 'day-2 step: no trigger changed, nothing to run'";

export interface Day2StepArgs {
  readonly projectRoot: string;
  readonly talosconfig: pulumi.Input<string>;
  /** What runs (on create, i.e. when the step is new or its triggers changed). */
  readonly spec: pulumi.Input<Day2Spec>;
  /** What the step acts on: a change re-runs it. Keep paths, credentials and timeouts out. */
  readonly triggers: pulumi.Input<Record<string, unknown>>;
}

export function day2Step(name: string, args: Day2StepArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(
    name,
    {
      create: DAY2_COMMAND,
      update: DAY2_UNCHANGED,
      dir: args.projectRoot,
      environment: { DAY2_SPEC: pulumi.output(args.spec).apply((s) => JSON.stringify(s)) },
      stdin: pulumi.secret(args.talosconfig),
      // One JSON string: a stable comparison whatever the shape.
      triggers: [pulumi.output(args.triggers).apply((t) => JSON.stringify(t))],
    },
    { ...opts, additionalSecretOutputs: ["stdin"] },
  );
}

/** `@pulumi/command` package version: the plugin the invoke below asks the engine for. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const COMMAND_PLUGIN_VERSION = (require("@pulumi/command/package.json") as { version: string }).version.replace(/^v/, "");

/** What the observation answered: its stdout, or why tools/day2.ts itself failed (not talosctl: that is in the stdout). */
export type ObservationAnswer = { readonly stdout: string } | { readonly toolFailure: string };

/**
 * The observation: `tools/day2.ts` with an `observe` spec, run by the command provider's
 * `local:run` invoke, which runs at preview and at up. Awaited by the program before any
 * resource is registered (stacks/preflight.ts). The talosconfig is stdin, a secret. A
 * failure of the tool itself (no ts-node, a crash, a non-zero exit) is an answer too: the
 * program warns at preview and refuses at up.
 */
export async function observeCluster(projectRoot: string, talosconfig: pulumi.Input<string>, spec: Day2Spec): Promise<ObservationAnswer> {
  try {
    const result = await pulumi.runtime.invoke(
      "command:local:run",
      {
        command: DAY2_COMMAND,
        dir: projectRoot,
        environment: { DAY2_SPEC: JSON.stringify(spec) },
        stdin: pulumi.secret(talosconfig),
      },
      { version: COMMAND_PLUGIN_VERSION },
    );
    return { stdout: String((result as { stdout?: unknown }).stdout ?? "") };
  } catch (err) {
    return { toolFailure: err instanceof Error ? err.message : String(err) };
  }
}
