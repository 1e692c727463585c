/**
 * Talos names the admin kubeconfig's context and user `admin@<cluster>`; the tooling
 * around these clusters expects both to be `<cluster>` (`kubectl --context infra`), so two
 * clusters' kubeconfigs merge without one `admin@...` entry shadowing the other.
 */
import { parse, stringify } from "yaml";
import { isRecord } from "../../lib/guards";
import { Mapping } from "./documents";

function named(list: unknown): Mapping[] {
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

export function renameKubeconfigContext(raw: string, cluster: string): string {
  const config: unknown = parse(raw);
  if (!isRecord(config) || !Array.isArray(config.contexts) || config.contexts.length === 0) {
    throw new Error("kubeconfig from Talos has no contexts");
  }
  const rename = (name: unknown) => (name === `admin@${cluster}` ? cluster : name);
  for (const user of named(config.users)) user.name = rename(user.name);
  for (const context of named(config.contexts)) {
    context.name = rename(context.name);
    if (isRecord(context.context)) context.context.user = rename(context.context.user);
  }
  config["current-context"] = rename(config["current-context"]);
  return stringify(config);
}
