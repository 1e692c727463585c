/**
 * A HelmRelease's `valuesFrom`, resolved against the objects this program writes, so the
 * bootstrap release gets the values Flux will compute: every source in order, then the
 * inline values (composeValues).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ChartSpec } from "../../bootstrap/loader";
import { composeValues, type Values } from "../../bootstrap/values";

/** An object the program writes that a HelmRelease can name in valuesFrom. */
export interface ValuesSource {
  readonly kind: "Secret" | "ConfigMap";
  readonly name: string;
  readonly namespace: string;
  readonly key: string;
  /** What the object's key holds, parsed. */
  readonly values: pulumi.Output<Values>;
  /** The object itself: the release is installed after it. */
  readonly resource: pulumi.Resource;
}

/** Flux's default `valuesKey`. */
const DEFAULT_VALUES_KEY = "values.yaml";

export interface ResolvedValues {
  /** Plain when the HelmRelease has no valuesFrom; otherwise an Output, secret if a source is. */
  readonly values: Values | pulumi.Output<Values>;
  readonly sources: readonly pulumi.Resource[];
}

export function resolveValues(spec: ChartSpec, sources: readonly ValuesSource[]): ResolvedValues {
  const used = spec.valuesFrom.flatMap((ref) => {
    const key = ref.valuesKey ?? DEFAULT_VALUES_KEY;
    if (ref.targetPath !== undefined) {
      throw new Error(`${spec.sourcePath}: valuesFrom ${ref.kind}/${ref.name} uses targetPath, which the bootstrap does not reproduce`);
    }
    // Flux looks the object up in the HelmRelease's namespace.
    const found = sources.find((s) => s.kind === ref.kind && s.name === ref.name && s.namespace === spec.namespace && s.key === key);
    if (found) return [found];
    if (ref.optional === true) return [];
    throw new Error(
      `${spec.sourcePath}: valuesFrom ${ref.kind} ${spec.namespace}/${ref.name} (key ${key}) is not written by this program, so the bootstrap cannot install the values Flux will use`,
    );
  });
  if (used.length === 0) return { values: spec.values, sources: [] };
  return {
    values: pulumi.all(used.map((s) => s.values)).apply((layers) => composeValues(layers, spec.values)),
    sources: used.map((s) => s.resource),
  };
}
