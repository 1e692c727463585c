/**
 * Each node's machine config as Talos will hold it: the configuration getConfiguration
 * generates before any patch, its `configPatches`, then the ConfigurationApply's, merged
 * with Talos's own rules (components/talos/rules/merge.ts: StrategicMerge by
 * apiVersion/kind/name, merge.Merge within a document). Secrets are redacted leaf by leaf.
 *
 * The generated base comes from asking the run's MockWorld for the same invoke with no
 * patches (the mocks are deterministic). Under the mocks that base is a stand-in (version,
 * machine type and token, cluster name and endpoint), not the full document the Talos
 * provider generates; the patches are exactly what the program sends.
 */
import { parseAllDocuments } from "yaml";
import { deleteDirectives, mergeAll } from "../../components/talos/rules/merge";
import { Invocation, MockSecret, RunResult, normalise, reveal } from "../../harness";
import { isRecord } from "../../lib/guards";
import type { Mapping } from "../../components/talos/documents";
import { Redactor } from "./redact";
import { toYaml } from "./yaml";

/** The documents of one YAML text (comment-only documents dropped). */
export function yamlDocuments(text: string): Mapping[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter(isRecord);
}

/** What getConfiguration generates for `invoke`'s inputs with no patches, or undefined. */
export function generatedBase(result: RunResult, invoke: Invocation): string | undefined {
  try {
    const inputs = { ...(reveal(invoke.inputs) as Record<string, unknown>), configPatches: [] };
    const produced = reveal(normalise(result.world.call({ token: invoke.token, inputs }))) as Record<string, unknown>;
    return typeof produced.machineConfiguration === "string" ? produced.machineConfiguration : undefined;
  } catch {
    return undefined;
  }
}

export interface MergedConfig {
  /** The merged documents, redacted, as one YAML stream. */
  readonly yaml: string;
  /** `$patch: delete` directives Talos applies and this render does not. */
  readonly unapplied: readonly string[];
}

/** `base` with every patch (YAML texts, in order) merged over it, then redacted. */
export function mergedMachineConfig(base: string, patches: readonly unknown[], redactor: Redactor, where: string): MergedConfig {
  const texts = patches.map((p) => reveal(p)).filter((p): p is string => typeof p === "string");
  const parsed = texts.map(yamlDocuments);
  const unapplied = parsed.flatMap((docs, i) => docs.flatMap((d) => deleteDirectives(d).map((at) => `patch ${i}: ${at}`)));
  const merged = mergeAll(yamlDocuments(base), parsed);
  // The whole config is secret (it carries the machine token and CA keys): leaf by leaf.
  const cleaned = redactor.clean(new MockSecret(merged.map((d) => d.body)), where, "merged machine config") as unknown[];
  const yaml = cleaned.map((doc) => toYaml(doc, ["version", "apiVersion", "kind", "name"])).join("---\n");
  return { yaml, unapplied };
}
