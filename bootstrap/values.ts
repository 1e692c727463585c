/**
 * Helm values composition as Flux's helm-controller does it: every valuesFrom
 * source in order, then spec.values, each merged over the previous result.
 */

export type Values = { [key: string]: unknown };

function isMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Deep merge of maps where `over` wins (fluxcd/pkg runtime/transform.MergeMaps):
 * nested maps merge key by key; lists and scalars are replaced whole.
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(value) && isMap(current) ? mergeValues(current, value) : value;
  }
  return out;
}

/** The values Flux hands to Helm: `layers` (valuesFrom contents) first, inline values last. */
export function composeValues(layers: readonly Values[], inline: Values): Values {
  return [...layers, inline].reduce<Values>((acc, layer) => mergeValues(acc, layer), {});
}
