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
