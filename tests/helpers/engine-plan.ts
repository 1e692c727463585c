/**
 * What the Pulumi engine would do going from one run's registrations (taken as the state)
 * to the next run's, reduced to what decides twins and stuck runs: step per resource
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go: match by URN or alias; import when
 * the goal's import id differs from the state's; replace when a property the provider
 * replaces on changes differs; delete-before-replace order; protect refuses delete and
 * replace; retainOnDelete skips the provider's delete) and the objects that own a unique
 * name (1Password item title per vault, tunnel name per account) left in the world.
 */
import type { RegisteredResource } from "../../harness";
import { reveal } from "../../harness";

/**
 * Properties the providers replace on changes (Terraform RequiresReplace):
 * terraform-provider-onepassword v2 internal/provider/onepassword_item_resource.go (vault,
 * category); terraform-provider-cloudflare v5 internal/services/zero_trust_tunnel_cloudflared/
 * schema.go (account_id, config_src).
 */
export const REPLACE_ON_CHANGES: Readonly<Record<string, readonly string[]>> = {
  "onepassword:index/item:Item": ["vault", "category"],
  "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared": ["accountId", "configSrc"],
};

/** The unique name a resource's object holds in the world, if its kind has one. */
export function uniqueKey(r: Pick<RegisteredResource, "type" | "inputs">): string | undefined {
  const inputs = reveal(r.inputs) as Record<string, unknown>;
  if (r.type === "onepassword:index/item:Item") return `item ${String(inputs.vault)}/${String(inputs.title)}`;
  if (r.type === "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared") return `tunnel ${String(inputs.accountId)}/${String(inputs.name)}`;
  return undefined;
}

/** Unique names per account: creating a second fails (the tunnel API refuses a taken name). */
const FAILS_ON_TAKEN_NAME = new Set(["cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"]);

export type Op = "same" | "update" | "replace" | "create" | "import" | "delete";

export interface Step {
  readonly op: Op;
  readonly type: string;
  readonly name: string;
  /** replace: the properties that caused it. */
  readonly because?: readonly string[];
  /** delete (also a replacement's): the provider's delete is skipped. */
  readonly retained?: boolean;
}

export interface Plan {
  readonly steps: Step[];
  /** Steps the engine or provider fails: the run does not end green. */
  readonly errors: string[];
  /** Objects holding a unique name after the run, by name. */
  readonly world: Record<string, number>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(reveal(a)) === JSON.stringify(reveal(b));
const providerOrComponent = (r: RegisteredResource) => !r.custom || r.type.startsWith("pulumi:providers:") || r.type === "pulumi:pulumi:StackReference";

/**
 * The plan from `state` (the resources of the last run, with their options) to `next`.
 * `existing`: unique names in the world before the run; by default those of the state
 * (pass more for objects a failed run wrote without recording them).
 */
export function enginePlan(state: readonly RegisteredResource[], next: readonly RegisteredResource[], existing?: readonly string[]): Plan {
  const olds = new Map(state.filter((r) => !providerOrComponent(r)).map((r) => [r.urn, r]));
  const world: Record<string, number> = {};
  const add = (key: string | undefined, r: RegisteredResource, errors: string[]) => {
    if (key === undefined) return;
    if ((world[key] ?? 0) > 0 && FAILS_ON_TAKEN_NAME.has(r.type)) errors.push(`create ${r.name}: ${key} is taken`);
    else world[key] = (world[key] ?? 0) + 1;
  };
  const remove = (key: string | undefined) => {
    if (key !== undefined && (world[key] ?? 0) > 0) world[key] -= 1;
  };
  for (const key of existing ?? state.flatMap((r) => (providerOrComponent(r) ? [] : [uniqueKey(r)]))) if (key) world[key] = (world[key] ?? 0) + 1;

  const steps: Step[] = [];
  const errors: string[] = [];
  const del = (old: RegisteredResource, why: string) => {
    if (old.options.protect) errors.push(`${why} ${old.name}: the resource is protected (\`pulumi state unprotect\` first)`);
    else if (!old.options.retainOnDelete) remove(uniqueKey(old));
  };
  for (const r of next) {
    if (providerOrComponent(r)) continue;
    const old = [r.urn, ...r.options.aliases].map((u) => olds.get(u)).find((o) => o !== undefined);
    if (old) olds.delete(old.urn);
    const at = { type: r.type, name: r.name };
    if (r.options.importId && (!old || (old.options.importId ?? old.id) !== r.options.importId)) {
      // Adopts the object in place (an import, then an update where inputs differ): nothing new is created.
      steps.push({ ...at, op: "import" });
      if (old) del(old, "replace");
      continue;
    }
    if (!old) {
      steps.push({ ...at, op: "create" });
      add(uniqueKey(r), r, errors);
      continue;
    }
    const ignored = new Set(r.options.ignoreChanges);
    const props = [...new Set([...Object.keys(old.inputs), ...Object.keys(r.inputs)])].filter((p) => !ignored.has(p));
    const changed = props.filter((p) => !same(old.inputs[p], r.inputs[p]));
    const because = changed.filter((p) => (REPLACE_ON_CHANGES[r.type] ?? []).includes(p) || r.options.replaceOnChanges.includes(p));
    if (because.length > 0) {
      steps.push({ ...at, op: "replace", because, retained: old.options.retainOnDelete });
      if (old.options.protect) {
        errors.push(`replace ${r.name}: the resource is protected`);
        continue;
      }
      if (r.options.deleteBeforeReplace) {
        del(old, "replace");
        add(uniqueKey(r), r, errors);
      } else {
        add(uniqueKey(r), r, errors);
        del(old, "replace");
      }
    } else if (changed.length > 0) {
      steps.push({ ...at, op: "update" });
      // In place: a title or name change renames the one object.
      remove(uniqueKey(old));
      const key = uniqueKey(r);
      if (key) world[key] = (world[key] ?? 0) + 1;
    } else {
      steps.push({ ...at, op: "same" });
    }
  }
  for (const old of olds.values()) {
    steps.push({ type: old.type, name: old.name, op: "delete", retained: old.options.retainOnDelete });
    del(old, "delete");
  }
  return { steps, errors, world };
}

/** Unique names held by more than one object: twins. */
export function twins(plan: Plan): string[] {
  return Object.entries(plan.world)
    .filter(([, n]) => n > 1)
    .map(([k]) => k);
}
