/**
 * Day-2 steps as Pulumi resources. This module is the seam: each step is one
 * `@pulumi/command` local.Command running `tools/day2.ts` (talosctl underneath); a
 * future provider resource for upgrades replaces `day2Step` and nothing else.
 *
 * A step re-runs when its spec (environment DAY2_SPEC) changes, so an unchanged pin is
 * a no-op; its script skips nodes already at the target. The talosconfig is the
 * step's stdin (secret in state, never argv or logs).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Day2Spec } from "./cli";

/** How a step runs: the project's pinned ts-node, no network (`--no-install`). */
export const DAY2_COMMAND = "npx --no-install ts-node --transpile-only tools/day2.ts";

export interface Day2StepArgs {
  readonly projectRoot: string;
  readonly talosconfig: pulumi.Input<string>;
  /** What runs on create and on update. */
  readonly spec: pulumi.Input<Day2Spec>;
  /** What runs when the step leaves the program (e.g. a control plane leaving etcd). */
  readonly onDelete?: pulumi.Input<Day2Spec>;
}

export function day2Step(name: string, args: Day2StepArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const environment: Record<string, pulumi.Input<string>> = {
    DAY2_SPEC: pulumi.output(args.spec).apply((s) => JSON.stringify(s)),
  };
  if (args.onDelete) environment.DAY2_DELETE_SPEC = pulumi.output(args.onDelete).apply((s) => JSON.stringify(s));
  return new command.local.Command(
    name,
    {
      create: DAY2_COMMAND,
      update: DAY2_COMMAND,
      ...(args.onDelete ? { delete: `${DAY2_COMMAND} DAY2_DELETE_SPEC` } : {}),
      dir: args.projectRoot,
      environment,
      stdin: pulumi.secret(args.talosconfig),
    },
    { ...opts, additionalSecretOutputs: ["stdin"] },
  );
}

/** `@pulumi/command` package version: the plugin the invoke below asks the engine for. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const COMMAND_PLUGIN_VERSION = (require("@pulumi/command/package.json") as { version: string }).version.replace(/^v/, "");

/**
 * The observation step: runs at preview and at up (an invoke), before any resource
 * changes. Called through invokeOutput rather than local.runOutput, which unwraps its
 * arguments and would hand the talosconfig to the engine unmarked.
 */
export function observeCluster(
  projectRoot: string,
  talosconfig: pulumi.Input<string>,
  spec: Day2Spec,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  return pulumi.runtime
    .invokeOutput<command.local.RunResult>(
      "command:local:run",
      {
        command: DAY2_COMMAND,
        dir: projectRoot,
        environment: { DAY2_SPEC: JSON.stringify(spec) },
        stdin: pulumi.secret(talosconfig),
      },
      { version: COMMAND_PLUGIN_VERSION, ...opts },
    )
    .apply((result) => result.stdout ?? "");
}
