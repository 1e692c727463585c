/**
 * Each node's Talos machine-config patches: the `configPatches` of the
 * `getConfiguration` invoke that generated its config, then those of the
 * `ConfigurationApply` that applies it, in the order Talos merges them.
 *
 * With the stack's node plans (stacks/plans.ts nodePatchPlans, the same
 * components/talos/plan.ts nodePatchPlan the program calls), each node is rendered from its
 * plan: every patch is labelled with where it comes from (a file under talos/, or what the
 * generated documents are derived from), the node's apply is the one addressed to it, and
 * its invoke is the one that carried exactly the planned patches; a program that sends
 * anything else fails the render. Without plans (a program that has none), an apply is
 * paired with the invoke whose generated configuration it applies (the mocks are
 * deterministic, so asking again yields the same configuration), then in the order asked.
 */
import { isDeepStrictEqual } from "util";
import type { NodePatch } from "../../components/talos/plan";
import { Invocation, MockSecret, RegisteredResource, RunResult, normalise, reveal } from "../../harness";
import { FileNames, naturalCompare, subject } from "./names";
import { formatProblems, ProjectError } from "../../lib/problems";
import { Redactor, WhollySecret } from "./redact";
import { comment, toYaml } from "./yaml";
import { generatedBase, mergedMachineConfig } from "./machine-config";

export const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
export const CONFIGURATION_APPLY = "talos:machine/configurationApply:ConfigurationApply";
export const CLIENT_CONFIGURATION = "talos:client/getConfiguration:getConfiguration";

/** Node address → its patches in merge order. */
export type NodePatchPlans = ReadonlyMap<string, readonly NodePatch[]>;

/**
 * Inputs that hold the cluster's secrets whatever the SDK marks: invoke arguments arrive
 * unwrapped, so these are rendered as secret objects (every leaf a placeholder unless it
 * is known public, see Redactor) instead of trusting that each leaf is a known secret.
 */
export const TALOS_SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
  [GET_CONFIGURATION]: ["machineSecrets"],
  [CLIENT_CONFIGURATION]: ["clientConfiguration"],
  [CONFIGURATION_APPLY]: ["clientConfiguration", "machineConfigurationInput"],
};

/** `inputs` with the token's secret inputs wrapped as secrets. */
export function markTalosSecrets(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const secret = TALOS_SECRET_INPUTS[token] ?? [];
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, secret.includes(k) ? new WhollySecret(v instanceof MockSecret ? v.value : v) : v]));
}

/** The plan and the program disagree about a node's patches. */
export class TalosPlanMismatch extends ProjectError {}

export interface TalosNodeRender {
  readonly node: string;
  readonly machineType: string;
  readonly patches: number;
  readonly file: string;
  readonly content: string;
  /** The node's merged machine config (talos/<node>.machineconfig.yaml), when it has a generating invoke. */
  readonly merged?: { readonly file: string; readonly content: string };
}

interface Pairing {
  readonly invoke?: Invocation;
  readonly apply?: RegisteredResource;
  /** The node's planned patches, when the stack's plans are known. */
  readonly plan?: readonly NodePatch[];
}

function generatedConfiguration(result: RunResult, invoke: Invocation): string | undefined {
  try {
    const produced = reveal(normalise(result.world.call({ token: invoke.token, inputs: reveal(invoke.inputs) as Record<string, unknown> })));
    const config = (produced as Record<string, unknown>).machineConfiguration;
    return typeof config === "string" ? config : undefined;
  } catch {
    return undefined;
  }
}

export function pairConfigurations(result: RunResult): Pairing[] {
  const invokes = result.invokes.filter((i) => i.token === GET_CONFIGURATION).sort((a, b) => a.seq - b.seq);
  const applies = result.resources.filter((r) => r.type === CONFIGURATION_APPLY).sort((a, b) => a.seq - b.seq);
  const byConfiguration = new Map<string, Invocation[]>();
  for (const invoke of invokes) {
    const config = generatedConfiguration(result, invoke);
    if (config !== undefined) byConfiguration.set(config, [...(byConfiguration.get(config) ?? []), invoke]);
  }
  const used = new Set<Invocation>();
  const paired = new Map<RegisteredResource, Invocation>();
  for (const apply of applies) {
    const applied = reveal(apply.inputs.machineConfigurationInput);
    const invoke = typeof applied === "string" ? byConfiguration.get(applied)?.find((i) => !used.has(i)) : undefined;
    if (invoke) {
      used.add(invoke);
      paired.set(apply, invoke);
    }
  }
  const spare = invokes.filter((i) => !used.has(i));
  for (const apply of applies) {
    if (paired.has(apply) || spare.length === 0) continue;
    const invoke = spare.shift() as Invocation;
    used.add(invoke);
    paired.set(apply, invoke);
  }
  return [...applies.map((apply) => ({ apply, invoke: paired.get(apply) })), ...spare.map((invoke) => ({ invoke }))];
}

/**
 * Each planned node with the apply addressed to it and the invoke that carried exactly its
 * planned patches. Anything left over, or a node without either, is a mismatch.
 */
export function pairByPlan(result: RunResult, plans: NodePatchPlans): Pairing[] {
  const invokes = result.invokes.filter((i) => i.token === GET_CONFIGURATION).sort((a, b) => a.seq - b.seq);
  const applies = result.resources.filter((r) => r.type === CONFIGURATION_APPLY);
  const problems: string[] = [];
  const used = new Set<Invocation>();
  const pairs = [...plans].map(([address, plan]): Pairing => {
    const texts = plan.map((p) => p.text);
    const apply = applies.find((a) => reveal(a.inputs.node) === address);
    const invoke = invokes.find((i) => !used.has(i) && isDeepStrictEqual(patchesOf(i.inputs).patches, texts));
    if (invoke) used.add(invoke);
    if (!apply) problems.push(`node ${address}: no ConfigurationApply is addressed to it`);
    if (!invoke) problems.push(`node ${address}: no getConfiguration invoke carries its planned patches (${plan.map((p) => p.source).join(", ")})`);
    return { apply, invoke, plan };
  });
  for (const apply of applies.filter((a) => !plans.has(String(reveal(a.inputs.node))))) problems.push(`${subject(apply)} applies to a node with no plan`);
  for (const invoke of invokes.filter((i) => !used.has(i))) problems.push(`a getConfiguration invoke (machineType ${String(reveal(invoke.inputs.machineType))}) carries patches no node's plan has`);
  if (problems.length > 0) throw new TalosPlanMismatch(formatProblems("the program's Talos patches differ from the stack's node plans", problems));
  return pairs;
}

/** The patches, and whether the list came as one secret (then each patch is secret territory). */
function patchesOf(inputs: Record<string, unknown> | undefined): { patches: unknown[]; secret: boolean } {
  const raw = inputs?.configPatches;
  const secret = raw instanceof MockSecret;
  const patches = raw instanceof MockSecret ? raw.value : raw;
  return { patches: Array.isArray(patches) ? patches : patches === undefined ? [] : [patches], secret };
}

function without(inputs: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== key));
}

function patchDocument(label: string, patch: unknown): string {
  const body = typeof patch === "string" && !patch.startsWith("<") ? patch.replace(/^---\n/, "") : toYaml(patch);
  return `---\n# ${label}\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

export function renderTalos(result: RunResult, redactor: Redactor, files: FileNames, plans?: NodePatchPlans): TalosNodeRender[] {
  const pairs = plans ? pairByPlan(result, plans) : pairConfigurations(result);
  const entries = pairs.map(({ invoke, apply, plan }, index) => {
    const invokeInputs = invoke?.inputs ?? {};
    const machineType = String(reveal(invokeInputs.machineType) ?? "unknown");
    const node = apply ? String(reveal(apply.inputs.node) ?? apply.name) : `${String(reveal(invokeInputs.clusterName) ?? "config")}-${machineType}-${index + 1}`;
    return { invoke, apply, plan, machineType, node };
  });
  entries.sort((a, b) => naturalCompare(a.node, b.node));

  return entries.map(({ invoke, apply, plan, machineType, node }) => {
    const where = apply ? subject(apply) : `invoke ${GET_CONFIGURATION}`;
    const generated = patchesOf(invoke?.inputs);
    const applied = patchesOf(apply?.inputs);
    const patches = [
      // Invoke arguments always arrive unwrapped (see Redactor.clean): secret territory.
      ...generated.patches.map((p, i) => [
        plan ? `getConfiguration configPatches[${i}] from ${plan[i].source}` : `getConfiguration configPatches[${i}]`,
        redactor.clean(p, `invoke ${GET_CONFIGURATION}`, `configPatches[${i}]`, true),
      ] as const),
      ...applied.patches.map((p, i) => [`ConfigurationApply configPatches[${i}]`, redactor.clean(p, where, `configPatches[${i}]`, applied.secret)] as const),
    ];
    const otherInputs: Record<string, unknown> = {};
    if (invoke) otherInputs.getConfiguration = redactor.clean(markTalosSecrets(GET_CONFIGURATION, without(invoke.inputs, "configPatches")), `invoke ${GET_CONFIGURATION}`, "", true);
    if (apply) otherInputs.configurationApply = redactor.clean(markTalosSecrets(CONFIGURATION_APPLY, without(apply.inputs, "configPatches")), where);

    const header = [
      `Talos machine configuration patches for node ${node} (${machineType}),`,
      "one YAML document each, in the order Talos merges them over the generated configuration.",
      ...(plan ? ["Planned by components/talos/plan.ts nodePatchPlan: each patch names its source."] : []),
      "",
      apply ? `Applied by ${subject(apply)}.` : "Generated but not applied by any ConfigurationApply.",
      invoke ? `Generated by invoke ${GET_CONFIGURATION}.` : "No getConfiguration invoke generated the applied configuration.",
      "",
      "Other inputs:",
      toYaml(otherInputs).replace(/\n$/, ""),
    ].join("\n");
    const content = comment(header) + patches.map(([label, patch]) => patchDocument(label, patch)).join("");
    const file = files.take("talos", node, ".yaml");
    const base = invoke ? generatedBase(result, invoke) : undefined;
    let merged: TalosNodeRender["merged"];
    if (base !== undefined) {
      const config = mergedMachineConfig(base, [...generated.patches, ...applied.patches], redactor, where);
      const mergedHeader = [
        `Machine configuration of node ${node} (${machineType}) as Talos holds it once the patches in`,
        `${file} are merged over what getConfiguration generates, by Talos's merge rules`,
        "(components/talos/rules/merge.ts: documents matched by apiVersion/kind/name; maps merged, lists appended,",
        "scalars replaced). Secrets are placeholders, every other value is as the node receives it.",
        "Under the mocks the generated base is a stand-in for the provider's full document.",
        ...(config.unapplied.length > 0 ? ["", "Not applied here ($patch: delete, which Talos applies):", ...config.unapplied.map((u) => `  ${u}`)] : []),
      ].join("\n");
      merged = { file: files.take("talos", `${node}.machineconfig`, ".yaml"), content: comment(mergedHeader) + config.yaml };
    }
    return { node, machineType, patches: patches.length, file, content, merged };
  });
}
