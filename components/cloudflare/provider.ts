/** The Cloudflare provider, configured explicitly from the resolved credentials. */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { CloudflareCredentials } from "../../stacks/credentials";

export function cloudflareProvider(
  name: string,
  credentials: CloudflareCredentials,
  opts?: pulumi.CustomResourceOptions,
): cloudflare.Provider {
  return new cloudflare.Provider(name, { apiToken: credentials.apiToken }, opts);
}
