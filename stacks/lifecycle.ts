/**
 * The stack's memory of its cluster across runs: the `lifecycle` output of the previous
 * successful run, read back through a StackReference to this very stack (a read; it never
 * writes), and the rules of bootstrap/lifecycle.ts applied to the config. Explicit, and no
 * branch on the stack name: a fresh stack has recorded nothing, an adopted cluster says so
 * in config (`talos.bootstrapped`).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  fluxOwnsReleases,
  LIFECYCLE_OUTPUT,
  parseRecordedLifecycle,
  withLegacyItems,
  pkiSwitchProblems,
  type PkiMode,
  type RecordedItem,
  type RecordedLifecycle,
} from "../bootstrap/lifecycle";
import type { StackConfig } from "./config";
import { ConfigError, configPath } from "./errors";

/** Decisions of this run derived from config and the recorded lifecycle. */
export interface Lifecycle {
  readonly recorded: RecordedLifecycle;
  /** Flux owns the bootstrap releases: the program registers none. */
  readonly fluxOwnsReleases: boolean;
  /** The talosconfig the previous run exported (secret); absent on a stack that has none. */
  readonly previousTalosconfig?: pulumi.Output<string>;
}

/** Where runs before the item record moved into `lifecycle` listed the items they wrote. */
const LEGACY_ITEMS_OUTPUT = "onepasswordItems";

/** This stack's fully-qualified name, as a StackReference takes it. */
export function selfStackName(): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/** The previous run's `lifecycle` output; empty on a stack that never completed a run. */
export async function readRecordedLifecycle(): Promise<RecordedLifecycle> {
  return (await readPreviousRun()).recorded;
}

/** The `talosconfig` output the previous run exported: what the preflight observes a generated-PKI cluster with. */
const TALOSCONFIG_OUTPUT = "talosconfig";

/** The previous run's lifecycle and its talosconfig (secret), through one self StackReference. */
async function readPreviousRun(): Promise<{ recorded: RecordedLifecycle; talosconfig?: pulumi.Output<string> }> {
  const self = selfStackName();
  const ref = new pulumi.StackReference("lifecycle-previous-run", { name: self });
  const details = await ref.getOutputDetails(LIFECYCLE_OUTPUT);
  const legacyItems = await ref.getOutputDetails(LEGACY_ITEMS_OUTPUT);
  const talosconfig = await ref.getOutputDetails(TALOSCONFIG_OUTPUT);
  const text = talosconfig.secretValue ?? talosconfig.value;
  return {
    recorded: withLegacyItems(parseRecordedLifecycle(details.secretValue ?? details.value), legacyItems.secretValue ?? legacyItems.value),
    ...(typeof text === "string" && text !== "" ? { talosconfig: pulumi.secret(text) } : {}),
  };
}

/**
 * Reads the recorded lifecycle and checks the config against it. Throws one ConfigError
 * naming every problem before any other resource is registered.
 */
export async function resolveLifecycle(config: StackConfig): Promise<Lifecycle> {
  const { recorded, talosconfig } = await readPreviousRun();
  const problems = pkiSwitchProblems({
    configured: config.talos.pki,
    bootstrapped: config.talos.bootstrapped,
    confirmed: config.talos.confirmPkiSwitch,
    item: config.onepassword.talosItem,
    recorded,
  });
  if (problems.length > 0) {
    throw new ConfigError(problems.map((p) => ({ path: configPath(p.path.split(".")), message: p.message })));
  }
  return {
    recorded,
    fluxOwnsReleases: fluxOwnsReleases(config.talos.bootstrapped, recorded),
    ...(talosconfig ? { previousTalosconfig: talosconfig } : {}),
  };
}

/** Items a run writes in one vault: the vault's name, and each title once its item exists. */
export interface WrittenItems {
  readonly vault: string;
  readonly titles: readonly pulumi.Output<string>[];
}

/**
 * The `lifecycle` output of this run. `fluxOwnsReleases` resolves to true only once the
 * release that starts Flux exists (a failed first run records nothing new, so the next
 * run installs again); on a run that registers no release it stays true. A 1Password
 * item is recorded once it exists.
 */
export function lifecycleOutput(
  config: StackConfig,
  handedOff: pulumi.Output<boolean>,
  written?: readonly WrittenItems[],
): pulumi.Output<{ fluxOwnsReleases: boolean; pki: PkiMode; pkiItem: string; onepasswordItems?: RecordedItem[] }> {
  const items: pulumi.Output<RecordedItem[]> = pulumi.all(
    (written ?? []).flatMap(({ vault, titles }) => titles.map((title) => title.apply((t): RecordedItem => ({ vault, title: t })))),
  );
  return pulumi.all([handedOff, items]).apply(([fluxOwns, recorded]) => ({
    fluxOwnsReleases: fluxOwns,
    pki: config.talos.pki,
    pkiItem: config.onepassword.talosItem,
    ...(written ? { onepasswordItems: recorded } : {}),
  }));
}
