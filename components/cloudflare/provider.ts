/** The Cloudflare provider, configured explicitly from the resolved credentials. */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** What the provider needs; the stack resolves it from the environment or secret config. */
export interface CloudflareCredentials {
  readonly apiToken: pulumi.Output<string>;
}

export function cloudflareProvider(
  name: string,
  credentials: CloudflareCredentials,
  opts?: pulumi.CustomResourceOptions,
): cloudflare.Provider {
  return new cloudflare.Provider(name, { apiToken: credentials.apiToken }, opts);
}
