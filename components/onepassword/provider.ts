/** The 1Password provider, configured explicitly from the resolved credentials. */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { OnePasswordCredentials } from "../../stacks/credentials";

export function onePasswordProvider(
  name: string,
  credentials: OnePasswordCredentials,
  opts?: pulumi.CustomResourceOptions,
): onepassword.Provider {
  const args: onepassword.ProviderArgs =
    credentials.mode === "connect"
      ? { url: credentials.url, token: credentials.token }
      : { serviceAccountToken: credentials.token };
  return new onepassword.Provider(name, args, opts);
}
