/**
 * Each node's Talos machine-config patches: the `configPatches` of the
 * `getConfiguration` invoke that generated its config, then those of the
 * `ConfigurationApply` that applies it, in the order Talos merges them.
 *
 * An apply is paired with the invoke whose generated configuration it applies (the mocks
 * are deterministic, so asking again yields the same configuration); what content cannot
 * pair is paired in the order the program asked.
 */
import { Invocation, MockSecret, RegisteredResource, RunResult, normalise, reveal } from "../../harness";
import { FileNames, naturalCompare, subject } from "./names";
import { Redactor } from "./redact";
import { comment, toYaml } from "./yaml";

export const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
export const CONFIGURATION_APPLY = "talos:machine/configurationApply:ConfigurationApply";

export interface TalosNodeRender {
  readonly node: string;
  readonly machineType: string;
  readonly patches: number;
  readonly file: string;
  readonly content: string;
}

interface Pairing {
  readonly invoke?: Invocation;
  readonly apply?: RegisteredResource;
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

export function renderTalos(result: RunResult, redactor: Redactor, files: FileNames): TalosNodeRender[] {
  const entries = pairConfigurations(result).map(({ invoke, apply }, index) => {
    const invokeInputs = invoke?.inputs ?? {};
    const machineType = String(reveal(invokeInputs.machineType) ?? "unknown");
    const node = apply ? String(reveal(apply.inputs.node) ?? apply.name) : `${String(reveal(invokeInputs.clusterName) ?? "config")}-${machineType}-${index + 1}`;
    return { invoke, apply, machineType, node };
  });
  entries.sort((a, b) => naturalCompare(a.node, b.node));

  return entries.map(({ invoke, apply, machineType, node }) => {
    const where = apply ? subject(apply) : `invoke ${GET_CONFIGURATION}`;
    const generated = patchesOf(invoke?.inputs);
    const applied = patchesOf(apply?.inputs);
    const patches = [
      // Invoke arguments always arrive unwrapped (see Redactor.clean): secret territory.
      ...generated.patches.map((p, i) => [`getConfiguration configPatches[${i}]`, redactor.clean(p, `invoke ${GET_CONFIGURATION}`, `configPatches[${i}]`, true)] as const),
      ...applied.patches.map((p, i) => [`ConfigurationApply configPatches[${i}]`, redactor.clean(p, where, `configPatches[${i}]`, applied.secret)] as const),
    ];
    const otherInputs: Record<string, unknown> = {};
    if (invoke) otherInputs.getConfiguration = redactor.clean(without(invoke.inputs, "configPatches"), `invoke ${GET_CONFIGURATION}`, "", true);
    if (apply) otherInputs.configurationApply = redactor.clean(without(apply.inputs, "configPatches"), where);

    const header = [
      `Talos machine configuration patches for node ${node} (${machineType}),`,
      "one YAML document each, in the order Talos merges them over the generated configuration.",
      "",
      apply ? `Applied by ${subject(apply)}.` : "Generated but not applied by any ConfigurationApply.",
      invoke ? `Generated by invoke ${GET_CONFIGURATION}.` : "No getConfiguration invoke generated the applied configuration.",
      "",
      "Other inputs:",
      toYaml(otherInputs).replace(/\n$/, ""),
    ].join("\n");
    const content = comment(header) + patches.map(([label, patch]) => patchDocument(label, patch)).join("");
    return { node, machineType, patches: patches.length, file: files.take("talos", node, ".yaml"), content };
  });
}
