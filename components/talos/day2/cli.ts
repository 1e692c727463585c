/**
 * Entry point the day-2 command resources run: `tools/day2.ts <action>` with the step's
 * spec as JSON in DAY2_SPEC and the talosconfig on stdin (a secret: never argv, never
 * logged). Exit status 1 with the reason on stderr stops `pulumi up` at this step.
 */
import { readFileSync } from "fs";
import {
  Day2StepError,
  joinNode,
  JoinSpec,
  KubernetesUpgradeSpec,
  leaveEtcd,
  LeaveSpec,
  observe,
  PeerCertificate,
  RollSpec,
  rollNode,
  RunnerContext,
  RunnerNode,
  spawnTalosctl,
  Talosctl,
  TalosUpgradeSpec,
  upgradeKubernetes,
  upgradeTalos,
  waitHealthy,
  withTalosconfig,
} from "./runner";

export const DAY2_ACTIONS = ["observe", "upgrade-talos", "upgrade-kubernetes", "roll", "join", "leave", "health"] as const;
export type Day2Action = (typeof DAY2_ACTIONS)[number];

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
  | ({ readonly action: "join" } & JoinSpec & CommonSpec)
  | ({ readonly action: "leave" } & LeaveSpec & CommonSpec)
  | ({ readonly action: "health"; readonly cluster: readonly RunnerNode[] } & CommonSpec);

/** Run one step; returns what it printed for stdout. Throws Day2StepError on failure. */
export function runDay2(
  spec: Day2Spec,
  talosconfig: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  talosctl: Talosctl = spawnTalosctl,
  peerCertificate?: PeerCertificate,
): string {
  return withTalosconfig(talosconfig, (path) => {
    const ctx: RunnerContext = { env, talosctl, talosconfig: path, timeout: spec.timeout, log };
    switch (spec.action) {
      case "observe":
        // Never fails: the program decides (refuse at up, warn at preview).
        try {
          const callTimeoutMs = spec.callTimeout === undefined ? undefined : durationMs(spec.callTimeout);
          return JSON.stringify(observe({ ...ctx, callTimeoutMs, peerCertificate }, spec.nodes, spec.certificates === true));
        } catch (err) {
          return JSON.stringify({ nodes: [], etcdMembers: [], error: err instanceof Error ? err.message : String(err) });
        }
      case "upgrade-talos":
        if (!spec.image) throw new Day2StepError("upgrade-talos needs the installer image");
        return upgradeTalos(ctx, { ...spec, image: spec.image });
      case "upgrade-kubernetes":
        return upgradeKubernetes(ctx, spec);
      case "roll":
        return rollNode(ctx, spec);
      case "join":
        joinNode(ctx, spec);
        return "joined";
      case "leave":
        return leaveEtcd(ctx, spec);
      case "health":
        waitHealthy(ctx, spec.cluster);
        return "healthy";
    }
  });
}

/** `90s`, `5m`, `1h` (the forms talosctl's timeouts take) in milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Day2StepError(`"${text}" is not a duration such as 5s or 10m`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
}

/** `specVariable`: the environment variable holding the spec (DAY2_DELETE_SPEC on delete). */
export function main(env: NodeJS.ProcessEnv = process.env, specVariable = "DAY2_SPEC"): number {
  try {
    const spec = JSON.parse(env[specVariable] ?? "") as Day2Spec;
    if (!DAY2_ACTIONS.includes(spec.action)) throw new Day2StepError(`unknown day-2 action "${String(spec.action)}"`);
    const talosconfig = readFileSync(0, "utf8");
    process.stdout.write(`${runDay2(spec, talosconfig, env, (line) => process.stderr.write(`${line}\n`))}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
