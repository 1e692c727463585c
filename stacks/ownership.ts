/**
 * Which 1Password items this run writes, and whether it may: every title is looked up in
 * its vault (getVault and getItem: reads, shown in every preview) and decided by
 * components/onepassword/ownership.ts before any resource but the 1Password provider is
 * registered. A refusal therefore writes nothing; an adoption is announced in the
 * preview. Awaited from resolveLifecycle, ahead of buildCluster.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedLifecycle } from "../bootstrap/lifecycle";
import { ownedTitles } from "../bootstrap/lifecycle";
import { DNS_TOKEN_CONSUMERS } from "../components/cloudflare/tokens";
import { clusterSecretTitles } from "../components/onepassword/cluster-secrets";
import { providerLookup } from "../components/onepassword/lookup";
import { adoptionNotice, decideItem, ownerTag, type ItemOwnership, type ItemVerdict } from "../components/onepassword/ownership";
import { onePasswordProvider } from "../components/onepassword/provider";
import type { TitleLookupFn } from "../components/onepassword/titles";
import { countProblems, formatProblems, ProjectError } from "../lib/problems";
import type { StackConfig } from "./config";

/** One refusal per title, all at once, before anything is written. */
export class OwnershipError extends ProjectError {
  constructor(readonly problems: readonly string[]) {
    super(formatProblems(`1Password ownership checks refused this run (${countProblems(problems)}); nothing was written`, problems));
  }
}

/** An item the run writes: its vault by name, and its title. */
export interface PlannedItem {
  readonly vault: string;
  readonly title: string;
}

/** Whether this run writes the edge's items: the same condition buildCluster registers the edge on. */
export function edgeEnabled(config: StackConfig): boolean {
  return config.credentials.cloudflare !== undefined && config.cloudflare.accountId !== undefined;
}

/** Every item this run writes, from config alone: ClusterSecrets' titles and, in generate mode, the PKI backup. */
export function plannedItems(config: StackConfig): PlannedItem[] {
  if (!config.credentials.onepassword) return [];
  const edge = edgeEnabled(config);
  const cluster = clusterSecretTitles({ cluster: config.cluster.name, tunnel: edge, cloudflareApps: edge ? DNS_TOKEN_CONSUMERS : [] });
  return [
    ...cluster.map((title) => ({ vault: config.onepassword.clusterVault, title })),
    ...(config.talos.pki === "generate" ? [{ vault: config.onepassword.talosVault, title: config.onepassword.talosItem }] : []),
  ];
}

/** The run's 1Password provider and what it may write, by vault name. */
export interface Ownership {
  readonly provider: onepassword.Provider;
  readonly tag: string;
  readonly vaults: Readonly<Record<string, ItemOwnership>>;
}

/** This stack's owner tag: `k8s-gitops:<organization>/<project>/<stack>`. */
export function stackOwnerTag(): string {
  return ownerTag(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
}

export interface OwnershipSeams {
  /** How a title is looked up; defaults to the provider's getItem. */
  readonly lookup?: TitleLookupFn;
}

/**
 * Registers the 1Password provider (when 1Password is on), looks up every planned title
 * and decides it. Throws one OwnershipError naming every refused title; warns once per
 * item it adopts that the record does not name.
 */
export async function resolveOwnership(config: StackConfig, recorded: RecordedLifecycle, seams: OwnershipSeams = {}): Promise<Ownership | undefined> {
  const credentials = config.credentials.onepassword;
  if (!credentials) return undefined;
  const provider = onePasswordProvider("onepassword", credentials);
  const tag = stackOwnerTag();
  const lookup = seams.lookup ?? providerLookup(provider);
  const planned = plannedItems(config);
  const vaultNames = [...new Set(planned.map((p) => p.vault))];
  const uuids = Object.fromEntries(
    await Promise.all(vaultNames.map(async (name) => [name, (await onepassword.getVault({ name }, { provider })).uuid] as const)),
  );
  const decided = await Promise.all(
    planned.map(async (p) => {
      const question = { title: p.title, vaultUuid: uuids[p.vault], vaultName: p.vault, tag, recorded: ownedTitles(recorded, p.vault).includes(p.title) };
      return { p, question, decision: decideItem(question, await lookup(question.vaultUuid, p.title)) };
    }),
  );
  const refusals = decided.flatMap(({ decision }) => (decision.kind === "refused" ? [decision.reason] : []));
  if (refusals.length > 0) throw new OwnershipError(refusals);
  const vaults: Record<string, { tag: string; verdicts: Record<string, ItemVerdict> }> = {};
  for (const { p, question, decision } of decided) {
    if (decision.kind === "refused") continue;
    (vaults[p.vault] ??= { tag, verdicts: {} }).verdicts[p.title] = decision;
    const notice = adoptionNotice(question, decision);
    if (notice) void pulumi.log.warn(notice);
  }
  return { provider, tag, vaults };
}

/** What a component writing in `vault` is handed: the tag, and no verdict for titles nobody planned. */
export function vaultOwnership(ownership: Ownership, vault: string): ItemOwnership {
  return ownership.vaults[vault] ?? { tag: ownership.tag, verdicts: {} };
}
