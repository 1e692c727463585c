/**
 * Entry point the day-2 command resources run: `tools/day2.ts` with the step's spec as
 * JSON in DAY2_SPEC and the talosconfig on stdin (a secret: never argv, never logged).
 * Exit status 1 with the reason on stderr stops `pulumi up` at this step.
 *
 * `tools/day2.ts DAY2_DELETE_SPEC` is the `delete` command an earlier version recorded in
 * the state of its `etcd-member-<ip>` steps (it left etcd). The engine runs the recorded
 * command with today's checkout on destroy or when the step leaves the program: it now
 * touches nothing.
 */
import { readFileSync } from "fs";
import {
  Day2StepError,
  decommissionNode,
  DecommissionSpec,
  KubernetesUpgradeSpec,
  observe,
  PeerCertificate,
  RollSpec,
  rollNode,
  RunnerContext,
  RunnerNode,
  spawnTalosctl,
  spawnTalosctlAsync,
  Talosctl,
  TalosUpgradeSpec,
  upgradeKubernetes,
  upgradeTalos,
  waitHealthy,
  withTalosconfig,
  withTalosconfigAsync,
} from "./runner";

export const DAY2_ACTIONS = ["observe", "upgrade-talos", "upgrade-kubernetes", "roll", "decommission", "health"] as const;
export type Day2Action = (typeof DAY2_ACTIONS)[number];

/** The environment variable of the `delete` command earlier versions recorded. */
export const LEGACY_DELETE_SPEC = "DAY2_DELETE_SPEC";

interface CommonSpec {
  /** Gate timeout, e.g. 15m. */
  readonly timeout: string;
}

export type Day2Spec =
  | ({
      readonly action: "observe";
      readonly nodes: readonly RunnerNode[];
      /** Bound of each talosctl call and TLS probe (`5s` at preview: no route answers quickly). */
      readonly callTimeout?: string;
      /** Read the certificates the nodes present, to compare with an adopted PKI. */
      readonly certificates?: boolean;
    } & CommonSpec)
  | ({ readonly action: "upgrade-talos" } & Omit<TalosUpgradeSpec, "image"> & { readonly image?: string } & CommonSpec)
  | ({ readonly action: "upgrade-kubernetes" } & KubernetesUpgradeSpec & CommonSpec)
  | ({ readonly action: "roll" } & RollSpec & CommonSpec)
  | ({ readonly action: "decommission" } & DecommissionSpec & CommonSpec)
  | ({ readonly action: "health"; readonly cluster: readonly RunnerNode[] } & CommonSpec);

export type ObserveSpec = Extract<Day2Spec, { readonly action: "observe" }>;
/** The steps: each runs to completion before the next (synchronous, one node at a time). */
export type StepSpec = Exclude<Day2Spec, ObserveSpec>;

export interface Tools {
  readonly talosctl?: Talosctl;
  readonly kubectl?: Talosctl;
}

/** Run one step; returns what it printed for stdout. Throws Day2StepError on failure. */
export function runDay2(
  spec: StepSpec,
  talosconfig: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  tools: Talosctl | Tools = spawnTalosctl,
): string {
  const { talosctl = spawnTalosctl, kubectl } = typeof tools === "function" ? { talosctl: tools, kubectl: undefined } : tools;
  return withTalosconfig(talosconfig, (path) => {
    const ctx: RunnerContext = { env, talosctl, kubectl, talosconfig: path, timeout: spec.timeout, log };
    switch (spec.action) {
      case "upgrade-talos":
        if (!spec.image) throw new Day2StepError("upgrade-talos needs the installer image");
        return upgradeTalos(ctx, { ...spec, image: spec.image });
      case "upgrade-kubernetes":
        return upgradeKubernetes(ctx, spec);
      case "roll":
        return rollNode(ctx, spec);
      case "decommission":
        return decommissionNode(ctx, spec);
      case "health":
        waitHealthy(ctx, spec.cluster);
        return "healthy";
    }
  });
}

/**
 * The observation: its JSON, never a failure (the program decides: refuse at up, warn at
 * preview). Without `talosctl` given it runs the `talosctl` on PATH as concurrent child
 * processes; a given one (the tests' in-process fake) is called as it is.
 */
export function observeDay2(
  spec: ObserveSpec,
  talosconfig: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  talosctl?: Talosctl,
  peerCertificate?: PeerCertificate,
): Promise<string> {
  return withTalosconfigAsync(talosconfig, async (path) => {
    try {
      const callTimeoutMs = spec.callTimeout === undefined ? undefined : durationMs(spec.callTimeout);
      const ctx: RunnerContext = {
        env,
        talosctl: talosctl ?? spawnTalosctl,
        ...(talosctl ? {} : { talosctlAsync: spawnTalosctlAsync }),
        talosconfig: path,
        timeout: spec.timeout,
        log,
        callTimeoutMs,
        peerCertificate,
      };
      return JSON.stringify(await observe(ctx, spec.nodes, spec.certificates === true));
    } catch (err) {
      return JSON.stringify({ nodes: [], etcdMembers: [], error: err instanceof Error ? err.message : String(err) });
    }
  });
}

/** `90s`, `5m`, `1h` (the forms talosctl's timeouts take) in milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Day2StepError(`"${text}" is not a duration such as 5s or 10m`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
}

/** `specVariable`: argv[2] of tools/day2.ts; only the legacy delete command passes one. */
export async function main(env: NodeJS.ProcessEnv = process.env, specVariable = "DAY2_SPEC"): Promise<number> {
  if (specVariable === LEGACY_DELETE_SPEC) {
    // Drain stdin (the talosconfig) so the engine's writer never sees a closed pipe.
    readFileSync(0);
    process.stdout.write("day-2: a delete recorded by an earlier version; deleting a step touches no machine\n");
    return 0;
  }
  try {
    const spec = JSON.parse(env[specVariable] ?? "") as Day2Spec;
    if (!DAY2_ACTIONS.includes(spec.action)) throw new Day2StepError(`unknown day-2 action "${String(spec.action)}"`);
    const talosconfig = readFileSync(0, "utf8");
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const answer = spec.action === "observe" ? await observeDay2(spec, talosconfig, env, log) : runDay2(spec, talosconfig, env, log);
    process.stdout.write(`${answer}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
