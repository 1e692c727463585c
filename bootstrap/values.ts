/**
 * Helm values composition as Flux's helm-controller does it for a HelmRelease: every
 * valuesFrom source in order, then spec.values, each merged over the previous result
 * (fluxcd/pkg chartutil ChartValuesFromReferences → MergeMaps). The one implementation
 * the bootstrap releases and the ClusterMesh values share.
 */

import { isRecord } from "../lib/guards";
import type { Values } from "../lib/values";

export type { Values } from "../lib/values";

/**
 * Deep merge of maps where `over` wins (fluxcd/pkg runtime/transform.MergeMaps):
 * nested maps merge key by key; lists, scalars and null replace whatever was there.
 * A null survives this step; only Helm's coalescing with the chart defaults later
 * turns it into "remove the default".
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(value) && isRecord(current) ? mergeValues(current, value) : value;
  }
  return out;
}

/** A copy of maps and lists, all the way down (values are plain YAML data). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

/**
 * The values Flux hands to Helm: `layers` (valuesFrom contents, in order) first, inline
 * values last. The result shares no object with its inputs.
 */
export function composeValues(layers: readonly Values[], inline: Values): Values {
  return [...layers, inline].reduce<Values>((acc, layer) => mergeValues(acc, copy(layer)), {});
}
