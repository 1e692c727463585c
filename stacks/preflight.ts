/**
 * The day-2 preflight of a running cluster (`talos.bootstrapped`), decided before any
 * resource but providers and reads is registered, at every preview and every up:
 *
 * 1. A credential known at preview: on an adopted PKI an `os:reader` talosconfig derived
 *    in the program from the adopted OS CA (the 1Password item, read by invokes and
 *    awaited); on a generated PKI the talosconfig the previous run exported (self
 *    StackReference), else the file `TALOSCONFIG` names.
 * 2. One observation of every node (tools/day2.ts `observe`: versions, etcd members and,
 *    on an adopted PKI, the certificates the nodes present), with a short bound per call at
 *    preview so that no route to the nodes answers in seconds.
 * 3. The verdict (components/talos/day2/preflight.ts): go (the plan TalosDay2 follows, as
 *    plain data), refused (thrown: preview and up fail before anything is written), or
 *    cannot observe (a preview warns and assumes the pins; `pulumi up` refuses).
 */
import { readFileSync } from "fs";
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { itemFields } from "../components/onepassword/items";
import { observerTalosconfig, talosTarget } from "../components/talos/derived-credentials";
import type { Day2Spec } from "../components/talos/day2/cli";
import { observeCluster } from "../components/talos/day2/commands";
import { ClusterObservation, Day2Plan, Day2PreflightError, Day2Targets, PlannedNode } from "../components/talos/day2/plan";
import { AdoptedCas, describeVerdict, preflightVerdict, PreflightVerdict, unobservedVerdict } from "../components/talos/day2/preflight";
import { checkedPkiFields } from "../components/talos/pki";
import type { PkiFields } from "../components/talos/rules/pki";
import { ProjectError } from "../lib/problems";
import type { StackConfig } from "./config";
import type { Lifecycle } from "./lifecycle";

/** Bound of each talosctl call and TLS probe of the observation. */
export const OBSERVATION_CALL_TIMEOUT = { preview: "5s", up: "1m" } as const;

/** `pulumi up` does not proceed blind; the message names what to check. */
export class PreflightUnobservedError extends ProjectError {
  constructor(readonly reason: string) {
    super(
      `day-2 preflight could not observe the running cluster: ${reason} ` +
        `(is talosctl on PATH and the nodes' Talos API, port 50000, reachable from here?)`,
    );
  }
}

/** The adopted Talos PKI could not be read: nothing can be compared or applied. */
export class PreflightPkiError extends ProjectError {}

/** What the observation runs with, or why there is nothing to run it with. */
export type ObservationCredential =
  | {
      readonly talosconfig: pulumi.Output<string>;
      readonly source: string;
      readonly adopted?: AdoptedCas;
      /** The adopted item's checked fields (secret): TalosCluster adopts them instead of reading the item again. */
      readonly pkiFields?: pulumi.Output<PkiFields>;
    }
  | { readonly missing: string };

/** The 14 fields of the adopted item, read by invokes and awaited (secret values stay in memory only). */
async function adoptedFields(config: StackConfig, provider: onepassword.Provider) {
  const { talosVault: vaultName, talosItem: title } = config.onepassword;
  let item: onepassword.GetItemResult;
  try {
    const vault = await onepassword.getVault({ name: vaultName }, { provider });
    item = await onepassword.getItem({ vault: vault.uuid, title }, { provider });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PreflightPkiError(`day-2 preflight could not read the adopted Talos PKI (1Password item "${title}" in vault "${vaultName}"): ${reason}`);
  }
  // A malformed item is refused as it is everywhere else: its error names vault, item and fields.
  return checkedPkiFields(itemFields(item), { vaultName, title });
}

export async function observationCredential(config: StackConfig, lifecycle: Lifecycle, provider?: onepassword.Provider): Promise<ObservationCredential> {
  if (config.talos.pki === "adopt") {
    if (!provider) return { missing: "talos.pki adopt reads the Talos PKI from 1Password, but 1Password is not configured" };
    const fields = await adoptedFields(config, provider);
    return {
      talosconfig: observerTalosconfig(fields, talosTarget(config.cluster.name, config.nodes)),
      source: "an os:reader talosconfig derived from the adopted OS CA",
      adopted: { MACHINE_CA_CRT: fields.MACHINE_CA_CRT, CLUSTER_CA_CRT: fields.CLUSTER_CA_CRT },
      pkiFields: pulumi.secret(fields),
    };
  }
  if (lifecycle.previousTalosconfig) return { talosconfig: lifecycle.previousTalosconfig, source: "the talosconfig the previous run exported" };
  const file = process.env.TALOSCONFIG;
  if (file) {
    try {
      return { talosconfig: pulumi.secret(readFileSync(file, "utf8")), source: `the talosconfig TALOSCONFIG names (${file})` };
    } catch (err) {
      return { missing: `TALOSCONFIG names ${file}, which cannot be read (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  return { missing: "no talosconfig is known before the run: the stack exported none yet; set TALOSCONFIG to the cluster's talosconfig file" };
}

function parseObservation(stdout: string): ClusterObservation | string {
  try {
    const parsed = JSON.parse(stdout) as ClusterObservation;
    if (!Array.isArray(parsed.nodes) || !Array.isArray(parsed.etcdMembers)) return "tools/day2.ts printed no observation (nodes and etcdMembers missing)";
    return parsed;
  } catch (err) {
    return `tools/day2.ts printed no observation (${err instanceof Error ? err.message : String(err)})`;
  }
}

export interface PreflightInput {
  readonly projectRoot: string;
  readonly nodes: readonly PlannedNode[];
  readonly targets: Day2Targets;
  /** talos.healthTimeout: the spec's gate timeout. */
  readonly timeout: string;
}

/** Observe with the credential and decide; never throws for what it observed. */
export async function observeAndDecide(input: PreflightInput, credential: ObservationCredential, preview: boolean): Promise<PreflightVerdict> {
  if ("missing" in credential) return unobservedVerdict(input.nodes, input.targets, credential.missing);
  const spec: Day2Spec = {
    action: "observe",
    nodes: input.nodes.map((n) => ({ address: n.address, role: n.role })),
    timeout: input.timeout,
    callTimeout: preview ? OBSERVATION_CALL_TIMEOUT.preview : OBSERVATION_CALL_TIMEOUT.up,
    ...(credential.adopted ? { certificates: true } : {}),
  };
  const answer = await observeCluster(input.projectRoot, credential.talosconfig, spec);
  if ("toolFailure" in answer) return unobservedVerdict(input.nodes, input.targets, `tools/day2.ts failed: ${answer.toolFailure}`);
  const observed = parseObservation(answer.stdout);
  if (typeof observed === "string") return unobservedVerdict(input.nodes, input.targets, observed);
  return preflightVerdict(input.nodes, observed, input.targets, credential.adopted);
}

/**
 * The verdict, shown and enforced: logged at every run, a refusal thrown (preview and
 * up), "cannot observe" thrown at up and warned at preview. Returns the plan TalosDay2
 * follows.
 */
export function enforceVerdict(verdict: PreflightVerdict, preview: boolean, adopted?: AdoptedCas): Day2Plan {
  const line = describeVerdict(verdict, adopted);
  switch (verdict.kind) {
    case "refused":
      throw new Day2PreflightError(verdict.problems);
    case "unobserved":
      if (!preview) throw new PreflightUnobservedError(verdict.reason);
      void pulumi.log.warn(`${line}; this preview assumes every node runs the pinned versions, pulumi up checks them`);
      return verdict.plan;
    case "go":
      void pulumi.log.info(line);
      for (const note of verdict.notes) void pulumi.log.warn(`day-2 preflight: ${note}`);
      return verdict.plan;
  }
}

/** What the preflight hands the cluster: the plan, and on an adopted PKI the item's fields it read. */
export interface PreflightResult {
  readonly day2Plan: Day2Plan;
  /** Read once per run, here: TalosCluster adopts these instead of reading the item again (secret). */
  readonly adoptedPki?: pulumi.Output<PkiFields>;
}

/**
 * The preflight of a running cluster; undefined for a fresh one (nothing to observe).
 * Registers nothing: the 1Password reads and the observation are invokes.
 */
export async function resolvePreflight(config: StackConfig, lifecycle: Lifecycle, provider?: onepassword.Provider): Promise<PreflightResult | undefined> {
  if (!config.talos.bootstrapped) return undefined;
  const preview = pulumi.runtime.isDryRun();
  const input: PreflightInput = {
    projectRoot: config.projectRoot,
    nodes: config.nodes.map((n) => ({ address: n.address, hostname: n.hostname, role: n.role })),
    targets: {
      talos: config.versions.talos,
      kubernetes: config.versions.kubernetes,
      contract: config.versions.talosContract,
      decommission: config.talos.decommission,
      // Tells an upgrade (node where the previous run left it) from drift (record.ts).
      ...(lifecycle.previousDay2 ? { previous: lifecycle.previousDay2 } : {}),
    },
    timeout: config.talos.healthTimeout,
  };
  const credential = await observationCredential(config, lifecycle, provider);
  const verdict = await observeAndDecide(input, credential, preview);
  const day2Plan = enforceVerdict(verdict, preview, "adopted" in credential ? credential.adopted : undefined);
  return { day2Plan, ...("pkiFields" in credential && credential.pkiFields ? { adoptedPki: credential.pkiFields } : {}) };
}
