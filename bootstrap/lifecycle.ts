/**
 * What a stack's previous successful run recorded about its cluster (the `lifecycle`
 * stack output, read back through a StackReference to the stack itself), and the rules
 * that decide from it: whether Flux owns the bootstrap releases, and whether a Talos PKI
 * mode switch may go ahead. Pure: no Pulumi import, so every rule is tested directly.
 */

import type { Problem } from "../lib/problems";

export type PkiMode = "adopt" | "generate";

/** The `lifecycle` stack output. Every field is optional: older runs recorded nothing. */
export interface RecordedLifecycle {
  /** True once a run installed the release that starts Flux (or the cluster was adopted). */
  readonly fluxOwnsReleases?: boolean;
  /** The talos.pki mode the cluster was last deployed with. */
  readonly pki?: PkiMode;
  /** The 1Password item title that run adopted or backed the PKI up to. */
  readonly pkiItem?: string;
  /**
   * The 1Password items this stack writes, by vault name and title: an existing item of a
   * recorded title is the stack's own; any other is not overwritten or duplicated.
   */
  readonly onepasswordItems?: readonly RecordedItem[];
}

export interface RecordedItem {
  /** The vault's name, as config names it. */
  readonly vault: string;
  readonly title: string;
}

/** The stack output name; stacks/lifecycle.ts writes and reads it. */
export const LIFECYCLE_OUTPUT = "lifecycle";

/** Reads the recorded output leniently: unknown shapes count as "nothing recorded". */
export function parseRecordedLifecycle(raw: unknown): RecordedLifecycle {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  return {
    ...(typeof r.fluxOwnsReleases === "boolean" ? { fluxOwnsReleases: r.fluxOwnsReleases } : {}),
    ...(r.pki === "adopt" || r.pki === "generate" ? { pki: r.pki } : {}),
    ...(typeof r.pkiItem === "string" ? { pkiItem: r.pkiItem } : {}),
    ...(Array.isArray(r.onepasswordItems) ? { onepasswordItems: r.onepasswordItems.filter(isRecordedItem) } : {}),
  };
}

function isRecordedItem(raw: unknown): raw is RecordedItem {
  if (typeof raw !== "object" || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return typeof r.vault === "string" && typeof r.title === "string";
}

/** The titles this stack recorded as written in a vault (by name). */
export function ownedTitles(recorded: RecordedLifecycle, vault: string): string[] {
  return (recorded.onepasswordItems ?? []).filter((i) => i.vault === vault).map((i) => i.title);
}

/**
 * Runs from before the record moved into `lifecycle` left it in the `onepasswordItems`
 * output (`{ vault, titles }`): read as the same record, so their items stay their own.
 */
export function withLegacyItems(recorded: RecordedLifecycle, legacy: unknown): RecordedLifecycle {
  if (recorded.onepasswordItems !== undefined || typeof legacy !== "object" || legacy === null) return recorded;
  const l = legacy as Record<string, unknown>;
  if (typeof l.vault !== "string" || !Array.isArray(l.titles)) return recorded;
  const vault = l.vault;
  return { ...recorded, onepasswordItems: l.titles.filter((t): t is string => typeof t === "string").map((title) => ({ vault, title })) };
}

/**
 * Whether the bootstrap releases are Flux's, so the program registers none. True on a
 * cluster that already ran before this program (`talos.bootstrapped`) and on one whose
 * previous run installed Flux. Only a fresh cluster's first run(s) install releases.
 */
export function fluxOwnsReleases(bootstrapped: boolean, recorded: RecordedLifecycle): boolean {
  return bootstrapped || recorded.fluxOwnsReleases === true;
}

export interface PkiSwitchInput {
  readonly configured: PkiMode;
  /** `talos.bootstrapped`: the cluster already runs. */
  readonly bootstrapped: boolean;
  /** `talos.confirmPkiSwitch`. */
  readonly confirmed: boolean;
  /** `onepassword.talosItem`. */
  readonly item: string;
  readonly recorded: RecordedLifecycle;
}

/** A lifecycle problem; its path is the config key inside the project namespace, e.g. `talos.pki`. */
export type LifecycleProblem = Problem;

/**
 * A PKI mode switch on a cluster that exists replaces the certificates every node trusts:
 * generate gives new CAs the running nodes reject; adopt drops the generated secrets the
 * nodes run with. Refused unless `talos.confirmPkiSwitch` is set. A generated PKI is
 * never backed up under the title of the item that was adopted (1Password would hold two
 * items of one title, and the adopted one is the only copy of the running cluster's PKI).
 */
export function pkiSwitchProblems(input: PkiSwitchInput): LifecycleProblem[] {
  const { configured, bootstrapped, confirmed, item, recorded } = input;
  const problems: LifecycleProblem[] = [];
  const confirmHint = "set `pulumi config set --path k8s-gitops:talos.confirmPkiSwitch true` only if replacing the cluster's PKI is intended";
  if (recorded.pki !== undefined && recorded.pki !== configured && !confirmed) {
    problems.push({
      path: "talos.pki",
      message: `is ${configured}, but this stack last deployed its cluster with ${recorded.pki}: switching replaces the PKI the running nodes trust; ${confirmHint}`,
    });
  }
  if (recorded.pki === undefined && configured === "generate" && bootstrapped && !confirmed) {
    problems.push({
      path: "talos.pki",
      message: `is generate, but talos.bootstrapped says the cluster already runs: a generated PKI is one its nodes reject (adopt it instead); ${confirmHint}`,
    });
  }
  if (configured === "generate" && recorded.pki === "adopt" && recorded.pkiItem === item) {
    problems.push({
      path: "onepassword.talosItem",
      message: `is "${item}", the item this stack adopted: a generated PKI is never written next to it; choose a new title for the generated PKI`,
    });
  }
  return problems;
}
