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
  LIFECYCLE_REVISION,
  modeSwitchReport,
  parseRecordedLifecycle,
  withLegacyItems,
  pkiSwitchProblems,
  type PkiMode,
  type RecordedItem,
  type RecordedLifecycle,
} from "../bootstrap/lifecycle";
import { CONTRACT_OUTPUT } from "../components/clustermesh/contract";
import { DAY2_RECORD_OUTPUT, parseDay2Record, type Day2Record } from "../components/talos/day2/record";
import type { StackConfig } from "./config";
import { ConfigError, configPath } from "./errors";
import { resolveOwnership, type Ownership } from "./ownership";

/** Decisions of this run derived from config and the recorded lifecycle. */
export interface Lifecycle {
  readonly recorded: RecordedLifecycle;
  /** Flux owns the bootstrap releases: the program registers none. */
  readonly fluxOwnsReleases: boolean;
  /** The talosconfig the previous run exported (secret); absent on a stack that has none. */
  readonly previousTalosconfig?: pulumi.Output<string>;
  /**
   * Where the previous run's day-2 steps left each node (its `day2` output); absent before
   * the first day-2 run. Known at every preview: it is the previous run's, not this one's.
   */
  readonly previousDay2?: Day2Record;
  /** With 1Password on: its provider and what this run may write (stacks/ownership.ts). */
  readonly ownership?: Ownership;
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

/** The previous run's lifecycle, its talosconfig (secret) and its day-2 record, through one self StackReference. */
async function readPreviousRun(): Promise<{ recorded: RecordedLifecycle; talosconfig?: pulumi.Output<string>; day2?: Day2Record }> {
  const self = selfStackName();
  const ref = new pulumi.StackReference("lifecycle-previous-run", { name: self });
  const details = await ref.getOutputDetails(LIFECYCLE_OUTPUT);
  const legacyItems = await ref.getOutputDetails(LEGACY_ITEMS_OUTPUT);
  const talosconfig = await ref.getOutputDetails(TALOSCONFIG_OUTPUT);
  const contract = await ref.getOutputDetails(CONTRACT_OUTPUT);
  const day2 = await ref.getOutputDetails(DAY2_RECORD_OUTPUT);
  const record = parseDay2Record(day2.value ?? day2.secretValue);
  const text = talosconfig.secretValue ?? talosconfig.value;
  const recorded = withLegacyItems(parseRecordedLifecycle(details.secretValue ?? details.value), legacyItems.secretValue ?? legacyItems.value);
  return {
    recorded: (contract.value ?? contract.secretValue) === undefined ? recorded : { ...recorded, meshed: true },
    ...(typeof text === "string" && text !== "" ? { talosconfig: pulumi.secret(text) } : {}),
    ...(record ? { day2: record } : {}),
  };
}

/** The generated PKI's Secrets resource, as `pulumi state unprotect` names it. */
function pkiSecretsUrn(): string {
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::k8s-gitops:talos:Cluster$talos:machine/secrets:Secrets::machine-secrets`;
}

/**
 * Reads the recorded lifecycle and checks the config against it, then decides the
 * 1Password items this run writes (stacks/ownership.ts). Throws one ConfigError naming
 * every problem, or one OwnershipError, before any resource but the 1Password provider is
 * registered; a mode switch that goes ahead is explained in the preview first.
 */
export async function resolveLifecycle(config: StackConfig): Promise<Lifecycle> {
  const { recorded, talosconfig, day2 } = await readPreviousRun();
  const switches = modeSwitchReport({
    configured: config.talos.pki,
    onepassword: config.credentials.onepassword !== undefined,
    meshed: config.clustermesh.enabled,
    recorded,
    pkiSecretsUrn: pkiSecretsUrn(),
  });
  const problems = [
    ...pkiSwitchProblems({
      configured: config.talos.pki,
      bootstrapped: config.talos.bootstrapped,
      confirmed: config.talos.confirmPkiSwitch,
      item: config.onepassword.talosItem,
      recorded,
    }),
    ...switches.problems,
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems.map((p) => ({ path: configPath(p.path.split(".")), message: p.message })));
  }
  for (const notice of switches.notices) void pulumi.log.warn(notice);
  const ownership = await resolveOwnership(config, recorded);
  return {
    recorded,
    fluxOwnsReleases: fluxOwnsReleases(config.talos.bootstrapped, recorded),
    ownership,
    ...(talosconfig ? { previousTalosconfig: talosconfig } : {}),
    ...(day2 ? { previousDay2: day2 } : {}),
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
): pulumi.Output<{ fluxOwnsReleases: boolean; pki: PkiMode; pkiItem: string; revision: number; onepasswordItems?: RecordedItem[] }> {
  const items: pulumi.Output<RecordedItem[]> = pulumi.all(
    (written ?? []).flatMap(({ vault, titles }) => titles.map((title) => title.apply((t): RecordedItem => ({ vault, title: t })))),
  );
  return pulumi.all([handedOff, items]).apply(([fluxOwns, recorded]) => ({
    fluxOwnsReleases: fluxOwns,
    pki: config.talos.pki,
    pkiItem: config.onepassword.talosItem,
    revision: LIFECYCLE_REVISION,
    ...(written ? { onepasswordItems: recorded } : {}),
  }));
}
