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
  /**
   * LIFECYCLE_REVISION of the program that wrote the record; absent before it: that
   * program protected the PKI's Secrets, its backup item and the mesh CA key.
   */
  readonly revision?: number;
  /** The previous run meshed this cluster (it exported the ClusterMesh contract, so it holds a mesh CA). */
  readonly meshed?: boolean;
}

/**
 * 2: no resource is protected that a mode switch removes (the generated PKI only while
 * the state holds its only copy).
 */
export const LIFECYCLE_REVISION = 2;

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
    ...(typeof r.revision === "number" ? { revision: r.revision } : {}),
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

/** What a mode switch compares: the config now and the previous run's record. */
export interface ModeSwitchInput {
  readonly configured: PkiMode;
  /** 1Password is on this run. */
  readonly onepassword: boolean;
  /** The mesh is on this run (`clustermesh.enabled`). */
  readonly meshed: boolean;
  readonly recorded: RecordedLifecycle;
  /** URN of the generated PKI's Secrets resource, for the unprotect command. */
  readonly pkiSecretsUrn: string;
}

export interface ModeSwitchReport {
  /** Switches this run cannot finish: refused before anything is registered. */
  readonly problems: LifecycleProblem[];
  /** What a switch that goes ahead removes, keeps, or needs from a person: shown in the preview. */
  readonly notices: string[];
}

const ONCE_UNCHANGED =
  "run `pulumi up` once with this setting unchanged first: this program no longer protects it, so that run clears the protection and the switch then finishes in one run";

/** The generated PKI had a backup item on the recorded run (in any vault, by the recorded title). */
function pkiBackedUp(recorded: RecordedLifecycle): boolean {
  return recorded.pkiItem !== undefined && (recorded.onepasswordItems ?? []).some((i) => i.title === recorded.pkiItem);
}

/**
 * Mode switches that remove resources: generate -> adopt (the generated Secrets and the
 * backup item leave the program), 1Password off (every item leaves), the mesh off (its CA
 * leaves). Each finishes in one run, keeping what must stay (the items are retained in
 * 1Password), provided nothing that leaves is protected in the state: a protected resource
 * that leaves the program fails every run. Records from before LIFECYCLE_REVISION mean
 * the state still protects them: refused, with the run that clears it. A generated PKI
 * without a backup is protected on purpose (the state is its only copy): a person decides.
 */
export function modeSwitchReport(input: ModeSwitchInput): ModeSwitchReport {
  const { configured, recorded } = input;
  const problems: LifecycleProblem[] = [];
  const notices: string[] = [];
  const older = recorded.pki !== undefined && recorded.revision === undefined;
  const toAdopt = recorded.pki === "generate" && configured === "adopt";
  const backupLeaves = recorded.pki === "generate" && pkiBackedUp(recorded) && (toAdopt || !input.onepassword);
  const meshOff = recorded.meshed === true && !input.meshed;
  if (older && toAdopt) {
    problems.push({ path: "talos.pki", message: `is adopt, but the generated PKI's Secrets resource is still protected by the program that last ran this stack; ${ONCE_UNCHANGED}` });
  } else if (older && backupLeaves) {
    problems.push({ path: "onepassword.enabled", message: `is false, but the generated PKI's backup item is still protected by the program that last ran this stack; ${ONCE_UNCHANGED}` });
  }
  if (older && meshOff) {
    problems.push({ path: "clustermesh.enabled", message: `is false, but the mesh CA key is still protected by the program that last ran this stack; ${ONCE_UNCHANGED}` });
  }
  if (toAdopt) {
    notices.push(
      pkiBackedUp(recorded)
        ? `talos.pki generate -> adopt: the generated PKI's Secrets resource leaves the state, and its backup item "${recorded.pkiItem}" stays in 1Password (retained; adopt reads onepassword.talosItem)`
        : "talos.pki generate -> adopt: the generated PKI had no 1Password backup, so its Secrets resource is protected (the state held its only copy) and this run fails removing it. " +
            "Decide first: to keep that PKI, back it up (run once in generate mode with 1Password on); to discard it, " +
            `\`pulumi state unprotect '${input.pkiSecretsUrn}'\` (README "PKI mode switches")`,
    );
  }
  if (!input.onepassword && (recorded.onepasswordItems ?? []).length > 0) {
    const titles = (recorded.onepasswordItems ?? []).map((i) => `"${i.vault}/${i.title}"`).join(", ");
    notices.push(
      `1Password off: the items this stack wrote (${titles}) leave the program and stay in 1Password (retained), no longer updated` +
        (configured === "generate" ? "; the generated PKI now lives only in the state, so its Secrets resource is protected from here on" : ""),
    );
  }
  if (meshOff) {
    notices.push("clustermesh off: this cluster's mesh CA (key and certificate) leaves the state; peers drop it on their next run, and turning the mesh on again makes a new CA");
  }
  return { problems, notices };
}
