/**
 * Loads the whole stack config once: schema, cross-value checks and credentials. Any
 * problem throws one ConfigError listing every problem with its config path, before the
 * program registers a single resource.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  CloudflareCredentials,
  cloudflareCredentials,
  Env,
  isProblem,
  OnePasswordCredentials,
  onePasswordCredentials,
} from "./credentials";
import { CONFIG_NAMESPACE, ConfigError, configPath } from "./errors";
import { RawStackConfig, stackConfigSchema } from "./schema";
import { forError, urlProblem } from "./strings";
import { checkStackConfig, Problem } from "./validate";
import { settingsProblems } from "./settings";

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

function schemaProblems(error: z.ZodError): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: configPath([...issue.path, key]), message: "unknown key (typo?)" }));
    }
    const base = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    // Versions are pinned project-wide in Pulumi.yaml, not in the stack file.
    const message = issue.path[0] === "versions" ? `${base} (pinned in Pulumi.yaml under config.versions)` : base;
    return [{ path: configPath(issue.path), message }];
  });
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

export function loadStackConfig(env: Env = process.env, projectRoot: string = PROJECT_ROOT): StackConfig {
  const all = pulumi.runtime.allConfig();
  const foreign = foreignNamespaceProblems(Object.keys(all));
  const parsed = stackConfigSchema.safeParse(readNamespace(all));
  if (!parsed.success || foreign.length > 0) throw new ConfigError([...foreign, ...(parsed.success ? [] : schemaProblems(parsed.error))]);
  const raw = parsed.data;

  const checks = checkStackConfig(raw, projectRoot);
  const inNamespace = (p: Problem): Problem => ({ ...p, path: `${CONFIG_NAMESPACE}:${p.path}` });
  const problems = checks.problems.map(inNamespace);

  const onepassword = raw.onepassword.enabled ? onePasswordCredentials(env, raw.onepassword.connectHost) : undefined;
  if (onepassword && isProblem(onepassword)) problems.push(onepassword);
  if (onepassword && !isProblem(onepassword) && onepassword.mode === "connect") {
    const insecure = insecureConnectProblem(onepassword.url, raw.onepassword.allowInsecureConnect);
    if (insecure) problems.push(insecure);
  }
  const cloudflare = raw.cloudflare.enabled ? cloudflareCredentials(env) : undefined;
  if (cloudflare && isProblem(cloudflare)) problems.push(cloudflare);
  const accountId = raw.cloudflare.accountId ?? env.CLOUDFLARE_ACCOUNT_ID;
  if (raw.cloudflare.enabled && !accountId) {
    problems.push({
      path: configPath(["cloudflare", "accountId"]),
      message: "is required when Cloudflare is enabled: `pulumi config set --path k8s-gitops:cloudflare.accountId <id>` or export CLOUDFLARE_ACCOUNT_ID",
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config: StackConfig = {
    ...raw,
    projectRoot,
    flux: { ...raw.flux, path: raw.flux.path ?? `kubernetes/clusters/${raw.cluster.name}` },
    talos: { ...raw.talos, bootstrapped: raw.talos.bootstrapped ?? raw.talos.pki === "adopt" },
    cloudflare: { ...raw.cloudflare, accountId, zone: raw.cloudflare.zone ?? raw.cluster.domain },
    credentials: {
      onepassword: onepassword && !isProblem(onepassword) ? onepassword : undefined,
      cloudflare: cloudflare && !isProblem(cloudflare) ? cloudflare : undefined,
    },
    warnings: checks.warnings.map(inNamespace),
  };
  // The tree at flux.path, substituted with this config's cluster-settings: no variable unset or empty.
  const unresolved = settingsProblems(config);
  if (unresolved.length > 0) throw new ConfigError(unresolved);
  return config;
}
