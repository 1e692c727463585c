/**
 * Loads the whole stack config once: schema, cross-value checks, credentials and the
 * substitution variables of the Flux tree. Any problem throws one ConfigError listing every
 * problem with its config path, before the program registers a single resource.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  CloudflareCredentials,
  cloudflareCredentials,
  Env,
  isProblem,
  OnePasswordCredentials,
  onePasswordCredentials,
} from "./credentials";
import { CONFIG_NAMESPACE, ConfigError, configPath } from "./errors";
import { RawStackConfig } from "./schema";
import { completeConfig, hasSections, ParsedSections, parseSections } from "./sections";
import { forError, urlProblem } from "./strings";
import { checkStackConfig, Problem } from "./validate";
import { SETTINGS_SECTIONS, settingsProblems } from "./settings";

export type { NodeConfig } from "./schema";

/** The validated config with every default and derived value resolved. */
export interface StackConfig extends Omit<RawStackConfig, "flux" | "cloudflare" | "talos"> {
  readonly projectRoot: string;
  readonly flux: RawStackConfig["flux"] & { readonly path: string };
  /** `bootstrapped`: the cluster already runs (default: true when adopting its PKI). */
  readonly talos: RawStackConfig["talos"] & { readonly bootstrapped: boolean };
  readonly cloudflare: Omit<RawStackConfig["cloudflare"], "zone"> & { readonly zone: string };
  readonly credentials: {
    readonly onepassword?: OnePasswordCredentials;
    readonly cloudflare?: CloudflareCredentials;
  };
  readonly warnings: readonly Problem[];
}

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Config namespaces a stack may set: the program's own and those of the providers it uses
 * (each provider reads its own namespace, e.g. `onepassword:token`, `cloudflare:apiToken`),
 * plus `pulumi:` (the engine's). Any other namespace is a typo: `k8s-gitop:clustermesh`
 * would otherwise be ignored and the mesh silently off.
 */
export const KNOWN_NAMESPACES: readonly string[] = [CONFIG_NAMESPACE, "onepassword", "cloudflare", "kubernetes", "talos", "tls", "pulumi"];

/** Every config key outside the known namespaces, as a problem. */
function foreignNamespaceProblems(keys: readonly string[]): Problem[] {
  return keys
    .filter((key) => !KNOWN_NAMESPACES.includes(key.slice(0, Math.max(key.indexOf(":"), 0))))
    .sort()
    .map((key) => ({
      path: forError(key, 80),
      message: `unknown config namespace (typo?); this program reads ${KNOWN_NAMESPACES.map((n) => `${n}:`).join(", ")}`,
    }));
}

/** The namespace's raw values as the Pulumi CLI hands them over (objects arrive as JSON). */
function readNamespace(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const name = key.slice(CONFIG_NAMESPACE.length + 1);
    try {
      raw[name] = JSON.parse(value);
    } catch {
      raw[name] = value;
    }
  }
  return raw;
}

/**
 * Plain-HTTP 1Password Connect carries the bearer token, the Talos PKI and kubeconfigs in
 * clear; it needs an explicit, reasoned acknowledgement in the stack.
 */
function insecureConnectProblem(url: string, acknowledgement: string | undefined): Problem | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return { path: configPath(["onepassword", "connectHost"]), message: "the 1Password Connect URL (OP_CONNECT_HOST, onepassword:url or connectHost) is not a URL" };
  }
  // OP_CONNECT_HOST and onepassword:url bypass the schema: the same URL rules apply.
  const invalid = urlProblem(url, { protocols: ["http:", "https:"] });
  if (invalid) return { path: configPath(["onepassword", "connectHost"]), message: `the 1Password Connect URL in use (OP_CONNECT_HOST, onepassword:url or connectHost) ${invalid}` };
  if (protocol === "https:" || acknowledgement !== undefined) return undefined;
  return {
    path: configPath(["onepassword", "connectHost"]),
    message:
      "1Password Connect over plain http sends its token and every secret in clear: put TLS in front of Connect and use https:// " +
      "(README \"1Password Connect over TLS\"), or acknowledge with `pulumi config set --path k8s-gitops:onepassword.allowInsecureConnect \"<why>\"`",
  };
}

/** One problem per path and message, ordered by config path (numbers as numbers), then as found. */
export function orderedProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

/** The credentials of the enabled integrations, each a problem when missing; none for a section that failed the schema. */
function credentialsOf(sections: ParsedSections, env: Env): { credentials: StackConfig["credentials"]; accountId?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const { onepassword: op, cloudflare: cf } = sections;
  const onepassword = op?.enabled ? onePasswordCredentials(env, op.connectHost) : undefined;
  if (onepassword && isProblem(onepassword)) problems.push(onepassword);
  if (op && onepassword && !isProblem(onepassword) && onepassword.mode === "connect") {
    const insecure = insecureConnectProblem(onepassword.url, op.allowInsecureConnect);
    if (insecure) problems.push(insecure);
  }
  const cloudflare = cf?.enabled ? cloudflareCredentials(env) : undefined;
  if (cloudflare && isProblem(cloudflare)) problems.push(cloudflare);
  const accountId = cf?.accountId ?? env.CLOUDFLARE_ACCOUNT_ID;
  if (cf?.enabled && !accountId) {
    problems.push({
      path: configPath(["cloudflare", "accountId"]),
      message: "is required when Cloudflare is enabled: `pulumi config set --path k8s-gitops:cloudflare.accountId <id>` or export CLOUDFLARE_ACCOUNT_ID",
    });
  }
  return {
    credentials: {
      onepassword: onepassword && !isProblem(onepassword) ? onepassword : undefined,
      cloudflare: cloudflare && !isProblem(cloudflare) ? cloudflare : undefined,
    },
    accountId,
    problems,
  };
}

/** The unset or empty substitution variables of the tree at flux.path, when the sections they derive from parsed. */
function unresolvedSettings(sections: ParsedSections, projectRoot: string): Problem[] {
  if (!hasSections(sections, SETTINGS_SECTIONS)) return [];
  const flux = { ...sections.flux, path: fluxPath(sections) };
  return settingsProblems({ ...sections, flux, projectRoot });
}

const fluxPath = (config: Pick<RawStackConfig, "flux" | "cluster">): string => config.flux.path ?? `kubernetes/clusters/${config.cluster.name}`;

/**
 * Every check in one pass: the schema section by section, then each rule, credential and
 * settings check whose sections parsed. Any problem throws one ConfigError with all of them.
 */
export function loadStackConfig(env: Env = process.env, projectRoot: string = PROJECT_ROOT): StackConfig {
  const all = pulumi.runtime.allConfig();
  const { sections, problems: schema } = parseSections(readNamespace(all));
  const checks = checkStackConfig(sections, projectRoot);
  const inNamespace = (p: Problem): Problem => ({ ...p, path: `${CONFIG_NAMESPACE}:${p.path}` });
  const { credentials, accountId, problems: missing } = credentialsOf(sections, env);
  const problems = [
    ...foreignNamespaceProblems(Object.keys(all)),
    ...schema,
    ...checks.problems.map(inNamespace),
    ...missing,
    ...unresolvedSettings(sections, projectRoot),
  ];
  const raw = completeConfig(sections);
  if (problems.length > 0 || !raw) throw new ConfigError(orderedProblems(problems));

  return {
    ...raw,
    projectRoot,
    flux: { ...raw.flux, path: fluxPath(raw) },
    talos: { ...raw.talos, bootstrapped: raw.talos.bootstrapped ?? raw.talos.pki === "adopt" },
    cloudflare: { ...raw.cloudflare, accountId, zone: raw.cloudflare.zone ?? raw.cluster.domain },
    credentials,
    warnings: checks.warnings.map(inNamespace),
  };
}
