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
import { checkStackConfig, Problem } from "./validate";

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

/** The namespace's raw values as the Pulumi CLI hands them over (objects arrive as JSON). */
function readNamespace(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
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
    const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return [{ path: configPath(issue.path), message }];
  });
}

export function loadStackConfig(env: Env = process.env, projectRoot: string = PROJECT_ROOT): StackConfig {
  const parsed = stackConfigSchema.safeParse(readNamespace());
  if (!parsed.success) throw new ConfigError(schemaProblems(parsed.error));
  const raw = parsed.data;

  const checks = checkStackConfig(raw, projectRoot);
  const inNamespace = (p: Problem): Problem => ({ ...p, path: `${CONFIG_NAMESPACE}:${p.path}` });
  const problems = checks.problems.map(inNamespace);

  const onepassword = raw.onepassword.enabled ? onePasswordCredentials(env, raw.onepassword.connectHost) : undefined;
  if (onepassword && isProblem(onepassword)) problems.push(onepassword);
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

  return {
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
}
