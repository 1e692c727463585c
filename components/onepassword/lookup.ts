/**
 * A title checked against the vault before an item is written (titles.ts checkTitle),
 * through the provider's getItem, with the `pulumi import` that adopts an existing item
 * named by the resource the program would register.
 */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { checkTitle, classifyLookupError, type ImportTarget, type TitleLookupFn } from "./titles";

/** An invoke's failure text: the engine's gRPC error carries the provider's in `details`. */
function lookupMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as Error & { details?: unknown }).details;
  return [err.message, typeof details === "string" ? details : ""].filter((t) => t !== "").join(": ");
}

/** getItem by title, its failure classified. */
export function providerLookup(provider: onepassword.Provider): TitleLookupFn {
  return async (vault, title) => {
    try {
      const item = await onepassword.getItem({ vault, title }, { provider });
      return { kind: "one", uuid: item.uuid };
    } catch (err) {
      return classifyLookupError(lookupMessage(err));
    }
  };
}

function urnOf(resource: pulumi.Resource): Promise<string> {
  return new Promise((resolve) => {
    resource.urn.apply((urn) => {
      resolve(urn);
      return urn;
    });
  });
}

/**
 * The resource an item named `name` is imported as: under `parent` (named `parentName`),
 * with `provider`. The URNs are awaited only for a refusal's message, never taken as
 * inputs: an item whose input depended on its parent component would wait for the
 * component's children, itself included.
 */
export function importTarget(name: string, parent: pulumi.Resource, parentName: string, provider: onepassword.Provider): () => Promise<ImportTarget> {
  return async () => ({ name, parent: `${parentName}=${await urnOf(parent)}`, provider: `onepassword=${await urnOf(provider)}` });
}

export interface CheckedTitleArgs {
  readonly title: string;
  /** The vault's UUID, and its name for messages. */
  readonly vault: pulumi.Input<string>;
  readonly vaultName: string;
  /** Titles this stack recorded as written in this vault. */
  readonly ownedTitles: readonly string[];
  readonly provider: onepassword.Provider;
  /** The Item resource's name, and its parent as the import names it. */
  readonly itemName: string;
  readonly parent: pulumi.Resource;
  readonly parentName: string;
}

/** One item's title, once the vault shows writing it adds no second item of it. */
export function checkedTitle(args: CheckedTitleArgs): pulumi.Output<string> {
  const ownership = { owned: new Set(args.ownedTitles), importTarget: importTarget(args.itemName, args.parent, args.parentName, args.provider) };
  return pulumi.output(args.vault).apply((vault) => checkTitle(args.title, vault, args.vaultName, providerLookup(args.provider), ownership));
}
