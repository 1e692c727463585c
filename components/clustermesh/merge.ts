/**
 * Helm values as Flux's helm-controller composes them for a HelmRelease: every
 * `valuesFrom` source in order, then `spec.values`, each merged over the result so far
 * (fluxcd/pkg chartutil ChartValuesFromReferences → MergeMaps). Maps merge key by key;
 * lists, scalars and null replace whatever was there. A null survives this step and only
 * later, when Helm coalesces the values with the chart defaults, removes the default.
 */
import { HelmValues } from "./values";

function isMap(value: unknown): value is HelmValues {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeMaps(base: HelmValues, over: HelmValues): HelmValues {
  const out: HelmValues = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(value) && isMap(current) ? mergeMaps(current, value) : value;
  }
  return out;
}

export function mergeValuesFrom(valuesFromInOrder: readonly HelmValues[], inlineValues: HelmValues): HelmValues {
  // Cloned first, so the result shares no object with the inputs.
  const layers = [...valuesFromInOrder, inlineValues].map((layer) => structuredClone(layer));
  return layers.reduce<HelmValues>((acc, layer) => mergeMaps(acc, layer), {});
}
