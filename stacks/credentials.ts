/**
 * Provider credentials come from the environment or from secret provider config, never
 * from the stack files. Each is wrapped with pulumi.secret as it is read. A credential is
 * only looked for when its integration is enabled; a missing one is a Problem that says
 * exactly what to set.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CloudflareCredentials } from "../components/cloudflare/provider";
import type { OnePasswordCredentials } from "../components/onepassword/provider";
import type { Problem } from "../lib/problems";

export type Env = Readonly<Record<string, string | undefined>>;

export type { CloudflareCredentials, OnePasswordCredentials };

// pulumi.runtime.getConfig reads a key without the plain-read warning for secret keys;
// the value is wrapped as a secret before it leaves this module.
function first(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== "");
}

const TURN_OFF_1PASSWORD = "or turn 1Password off with `pulumi config set --path k8s-gitops:onepassword.enabled false` (needs talos.pki generate)";

/**
 * Connect (token plus host) or a service account, never both. The provider refuses a
 * configuration holding both kinds ("Config conflict ... Both are set": 1Password/
 * terraform-provider-onepassword, internal/provider/provider.go, Configure), counting
 * OP_ACCOUNT as the CLI kind, and the Pulumi SDK fills every provider field left unset from
 * OP_CONNECT_HOST, OP_CONNECT_TOKEN, OP_SERVICE_ACCOUNT_TOKEN and OP_ACCOUNT
 * (@1password/pulumi-onepassword provider.js). So both kinds present anywhere is an error
 * naming them, not a silent choice. The Connect host falls back to `connectHost`, the
 * stack's Connect server that external-secrets also uses.
 */
export function onePasswordCredentials(env: Env, connectHost?: string): OnePasswordCredentials | Problem {
  const sources = {
    connect: {
      "onepassword:token": pulumi.runtime.getConfig("onepassword:token"),
      OP_CONNECT_TOKEN: env.OP_CONNECT_TOKEN,
      "onepassword:url": pulumi.runtime.getConfig("onepassword:url"),
      OP_CONNECT_HOST: env.OP_CONNECT_HOST,
    },
    cli: {
      "onepassword:serviceAccountToken": pulumi.runtime.getConfig("onepassword:serviceAccountToken"),
      OP_SERVICE_ACCOUNT_TOKEN: env.OP_SERVICE_ACCOUNT_TOKEN,
      "onepassword:account": pulumi.runtime.getConfig("onepassword:account"),
      OP_ACCOUNT: env.OP_ACCOUNT,
    },
  };
  const present = (kind: Record<string, string | undefined>) => Object.keys(kind).filter((k) => first(kind[k]) !== undefined);
  const connectSet = present(sources.connect);
  const cliSet = present(sources.cli);
  if (connectSet.length > 0 && cliSet.length > 0) {
    return {
      path: "k8s-gitops:onepassword.enabled",
      message:
        `both 1Password credential kinds are set: Connect (${connectSet.join(", ")}) and service account/CLI (${cliSet.join(", ")}); ` +
        "the 1Password provider refuses both at once: unset one kind (e.g. `unset OP_SERVICE_ACCOUNT_TOKEN OP_ACCOUNT`, or `unset OP_CONNECT_HOST OP_CONNECT_TOKEN`)",
    };
  }
  const connectToken = first(sources.connect["onepassword:token"], env.OP_CONNECT_TOKEN);
  const url = first(sources.connect["onepassword:url"], env.OP_CONNECT_HOST, connectHost);
  if (url && connectToken) return { mode: "connect", url, token: pulumi.secret(connectToken) };
  const serviceAccountToken = first(sources.cli["onepassword:serviceAccountToken"], env.OP_SERVICE_ACCOUNT_TOKEN);
  if (serviceAccountToken) return { mode: "serviceAccount", token: pulumi.secret(serviceAccountToken) };
  const partial = !connectToken && first(env.OP_CONNECT_HOST) ? " (OP_CONNECT_HOST is set but OP_CONNECT_TOKEN is not)" : "";
  const account = cliSet.length > 0 ? ` (${cliSet.join(", ")} is set, but this program signs in with a service account token only)` : "";
  return {
    path: "k8s-gitops:onepassword.enabled",
    message:
      `1Password is enabled but no credential is set${partial}${account}: export OP_CONNECT_TOKEN with OP_CONNECT_HOST ` +
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
