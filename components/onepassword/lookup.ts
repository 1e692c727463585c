/**
 * A title looked up in a vault through the provider's getItem (an invoke: a read, shown
 * in every preview), its failure classified (titles.ts).
 */
import * as onepassword from "@1password/pulumi-onepassword";
import { classifyLookupError, type TitleLookupFn } from "./titles";

/** An invoke's failure text: the engine's gRPC error carries the provider's in `details`. */
function lookupMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as Error & { details?: unknown }).details;
  return [err.message, typeof details === "string" ? details : ""].filter((t) => t !== "").join(": ");
}

/** getItem by title: absent, one (with its uuid and tags), several, or a failure. */
export function providerLookup(provider: onepassword.Provider): TitleLookupFn {
  return async (vault, title) => {
    try {
      const item = await onepassword.getItem({ vault, title }, { provider });
      return { kind: "one", uuid: item.uuid, tags: item.tags ?? [] };
    } catch (err) {
      return classifyLookupError(lookupMessage(err));
    }
  };
}
