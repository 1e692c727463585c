/**
 * Provider credentials come from the environment or from secret provider config, never
 * from the stack files. Each is wrapped with pulumi.secret as it is read. A credential is
 * only looked for when its integration is enabled; a missing one is a Problem that says
 * exactly what to set.
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

const TURN_OFF_1PASSWORD = "or turn 1Password off with `pulumi config set --path k8s-gitops:onepassword.enabled false` (needs talos.pki generate)";

/**
 * 1Password Connect (token plus host) wins over a service account. The Connect host falls
 * back to `connectHost`, the stack's Connect server that external-secrets also uses.
 */
export function onePasswordCredentials(env: Env, connectHost?: string): OnePasswordCredentials | Problem {
  const connectToken = first(pulumi.runtime.getConfig("onepassword:token"), env.OP_CONNECT_TOKEN);
  const url = first(pulumi.runtime.getConfig("onepassword:url"), env.OP_CONNECT_HOST, connectHost);
  if (url && connectToken) return { mode: "connect", url, token: pulumi.secret(connectToken) };
  const serviceAccountToken = first(pulumi.runtime.getConfig("onepassword:serviceAccountToken"), env.OP_SERVICE_ACCOUNT_TOKEN);
  if (serviceAccountToken) return { mode: "serviceAccount", token: pulumi.secret(serviceAccountToken) };
  const partial = !connectToken && first(env.OP_CONNECT_HOST) ? " (OP_CONNECT_HOST is set but OP_CONNECT_TOKEN is not)" : "";
  return {
    path: "k8s-gitops:onepassword.enabled",
    message:
      `1Password is enabled but no credential is set${partial}: export OP_CONNECT_TOKEN with OP_CONNECT_HOST ` +
      "(1Password Connect; the host defaults to onepassword.connectHost) or OP_SERVICE_ACCOUNT_TOKEN (needs the `op` CLI), " +
      "or `pulumi config set --secret onepassword:token ...`, " +
      TURN_OFF_1PASSWORD,
  };
}

export function cloudflareCredentials(env: Env): CloudflareCredentials | Problem {
  const apiToken = first(pulumi.runtime.getConfig("cloudflare:apiToken"), env.CLOUDFLARE_API_TOKEN);
  if (apiToken) return { apiToken: pulumi.secret(apiToken) };
  return {
    path: "k8s-gitops:cloudflare.enabled",
    message:
      "Cloudflare is enabled but no API token is set: export CLOUDFLARE_API_TOKEN or `pulumi config set --secret cloudflare:apiToken ...`, " +
      "or turn Cloudflare off with `pulumi config set --path k8s-gitops:cloudflare.enabled false`",
  };
}

export function isProblem<T extends object>(value: T | Problem): value is Problem {
  return "message" in value && "path" in value;
}
