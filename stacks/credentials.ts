/**
 * Provider credentials come from the environment or from secret provider config, never
 * from the stack files. Each is wrapped with pulumi.secret as it is read.
 */
import * as pulumi from "@pulumi/pulumi";
import { Problem } from "./validate";

export type Env = Readonly<Record<string, string | undefined>>;

export type OnePasswordCredentials =
  | { readonly mode: "connect"; readonly url: string; readonly token: pulumi.Output<string> }
  | { readonly mode: "serviceAccount"; readonly token: pulumi.Output<string> };

export interface CloudflareCredentials {
  readonly apiToken: pulumi.Output<string>;
}

// pulumi.runtime.getConfig reads a key without the plain-read warning for secret keys;
// the value is wrapped as a secret before it leaves this module.
function first(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== "");
}

export function onePasswordCredentials(env: Env): OnePasswordCredentials | Problem {
  const url = first(pulumi.runtime.getConfig("onepassword:url"), env.OP_CONNECT_HOST);
  const connectToken = first(pulumi.runtime.getConfig("onepassword:token"), env.OP_CONNECT_TOKEN);
  if (url && connectToken) return { mode: "connect", url, token: pulumi.secret(connectToken) };
  const serviceAccountToken = first(pulumi.runtime.getConfig("onepassword:serviceAccountToken"), env.OP_SERVICE_ACCOUNT_TOKEN);
  if (serviceAccountToken) return { mode: "serviceAccount", token: pulumi.secret(serviceAccountToken) };
  return {
    path: "k8s-gitops:onepassword.enabled",
    message:
      "1Password is enabled but no credential is set: export OP_CONNECT_HOST and OP_CONNECT_TOKEN (1Password Connect) " +
      "or OP_SERVICE_ACCOUNT_TOKEN, or `pulumi config set onepassword:url ...` and `pulumi config set --secret onepassword:token ...`",
  };
}

export function cloudflareCredentials(env: Env): CloudflareCredentials | Problem {
  const apiToken = first(pulumi.runtime.getConfig("cloudflare:apiToken"), env.CLOUDFLARE_API_TOKEN);
  if (apiToken) return { apiToken: pulumi.secret(apiToken) };
  return {
    path: "k8s-gitops:cloudflare.enabled",
    message:
      "Cloudflare is enabled but no API token is set: export CLOUDFLARE_API_TOKEN or `pulumi config set --secret cloudflare:apiToken ...`",
  };
}

export function isProblem<T extends object>(value: T | Problem): value is Problem {
  return "message" in value && "path" in value;
}
