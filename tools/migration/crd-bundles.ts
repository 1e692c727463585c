/**
 * The running CRD bundles against the vendored pins (bootstrap/crds.yaml): per CRD set, the
 * bundle the running cluster's CRDs carry (each CRD's version and channel annotations) and the
 * staged path to the pin under the set's rule in bootstrap/upgrade-paths.yaml. Pure apart from
 * reading the vendored files for the pin's channel.
 *
 * The adopt `pulumi up` writes the pinned bundle over whatever runs, forced as k8s-gitops; the
 * program cannot see the running CRDs at preview (no live read in the program), so this is where
 * a write it must never make is refused. Gateway API's CRD management guide
 * (kubernetes-sigs/gateway-api site/content/en/guides/crd-management/_index.md at v1.6.1;
 * gateway-api.sigs.k8s.io/guides/crd-management): never overwrite CRDs with unrecognized or
 * newer versions, never those of another release channel, never move backwards.
 */
import { loadVendoredCrds } from "../../bootstrap/crd-files";
import type { CrdSet } from "../../bootstrap/plan";
import type { RunningCrd } from "./inventory";
import { parseMinor, stagedPath, type CrdRule, type Stage, type StageWording, type UpgradePaths } from "./stages";

export const CRD_WORDING: StageWording = {
  title: "CRD bundles (bootstrap/crds.yaml): running → pin",
  installs: "the program installs",
  howToStep:
    "before the adopt pulumi up, apply every step but the last by hand (that minor's latest patch), each checked before the next",
};

/** What runs of one set: a single bundle version and channel, or why it cannot be read as one. */
export interface RunningBundle {
  readonly version?: string;
  readonly channel?: string;
  readonly problem?: string;
}

const list = (crds: readonly RunningCrd[], value: (c: RunningCrd) => string | undefined) =>
  crds.map((c) => `${c.name}: ${value(c) ?? "(none)"}`).join(", ");

/** The running bundle of `set`, read from the CRDs it provides that the cluster has. */
export function runningBundle(set: Pick<CrdSet, "name" | "provides" | "versionAnnotation">, crds: readonly RunningCrd[], channelAnnotation?: string): RunningBundle {
  const ours = crds.filter((c) => set.provides.includes(c.name));
  if (ours.length === 0) return {};
  const versionOf = (c: RunningCrd) => c.annotations[set.versionAnnotation];
  const unstamped = ours.filter((c) => versionOf(c) === undefined);
  if (unstamped.length > 0) {
    return { problem: `${unstamped.map((c) => c.name).join(", ")} carr${unstamped.length === 1 ? "ies" : "y"} no ${set.versionAnnotation}: an unrecognized bundle, never overwritten` };
  }
  const versions = [...new Set(ours.map(versionOf))];
  if (versions.length > 1) {
    return { problem: `the CRDs of ${set.name} run different bundle versions (${list(ours, versionOf)}): no one bundle to stage from; bring them to one version by hand first` };
  }
  const [version] = versions as [string];
  if (parseMinor(version) === undefined) return { version, problem: `cannot read the running ${set.versionAnnotation} ${version} as a version: an unrecognized bundle, never overwritten` };
  if (channelAnnotation === undefined) return { version };
  const channelOf = (c: RunningCrd) => c.annotations[channelAnnotation];
  const channels = [...new Set(ours.map(channelOf))];
  if (channels.length > 1 || channels[0] === undefined) {
    return { version, problem: `the CRDs of ${set.name} carry no single ${channelAnnotation} (${list(ours, channelOf)}): an unrecognized channel, never overwritten` };
  }
  return { version, channel: channels[0] };
}

/** The channel the vendored files of `set` carry (one for all, else undefined). */
export function pinnedChannel(repoRoot: string, set: CrdSet, channelAnnotation: string): string | undefined {
  const channels = new Set(loadVendoredCrds(repoRoot, [set]).map((c) => c.object.metadata.annotations?.[channelAnnotation]));
  return channels.size === 1 ? [...channels][0] : undefined;
}

/** One stage per CRD set: running bundle → pin under its rule, or the refusal with its reason. */
export function bundleStage(set: CrdSet, crds: readonly RunningCrd[], rule: CrdRule, pinChannel?: string): Stage {
  const what = `CRD set ${set.name}`;
  const running = runningBundle(set, crds, rule.channelAnnotation);
  const base = { what, running: running.version, pin: set.version, steps: [] as string[], checks: rule.checks };
  if (running.problem) return { ...base, problem: running.problem };
  if (running.channel !== undefined && pinChannel !== undefined && running.channel !== pinChannel) {
    return {
      ...base,
      problem: `the running CRDs are ${rule.channelAnnotation}=${running.channel}; the program would write the ${pinChannel} bundle ${set.version} over them, and a bundle of another release channel is never overwritten (its ${running.channel} fields and versions would be lost)`,
    };
  }
  const stage = stagedPath(what, running.version, set.version, rule);
  if (stage.downgrade) {
    return { ...stage, problem: `running ${running.version} is newer than the pin ${set.version}: the program would move the CRDs backwards; a newer bundle is never overwritten (bump the pin instead)` };
  }
  if (stage.steps.length < 2) return stage;
  // Every step but the last is applied by hand; the adopt up writes the pin.
  const how = stage.steps.map((step, i) => {
    if (i === stage.steps.length - 1) return "the adopt pulumi up writes it";
    return rule.apply ? `by hand: ${rule.apply.replace("{version}", step.split(" ")[0].replace(/\.x$/, ".<latest patch>"))}` : "by hand";
  });
  return { ...stage, stepNotes: how.map((h, i) => [h, stage.stepNotes?.[i]].filter((n) => n !== undefined).join("; ")) };
}

/** Every CRD set of the plan; a set without a rule steps one minor at a time. */
export function bundleStages(repoRoot: string, sets: readonly CrdSet[], crds: readonly RunningCrd[], paths: UpgradePaths): Stage[] {
  return sets.map((set) => {
    const rule: CrdRule = paths.crdSets[set.name] ?? { step: "minor", checks: "no rule in bootstrap/upgrade-paths.yaml: one minor at a time" };
    const channel = rule.channelAnnotation === undefined ? undefined : pinnedChannel(repoRoot, set, rule.channelAnnotation);
    return bundleStage(set, crds, rule, channel);
  });
}
