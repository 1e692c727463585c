/** The 1Password provider, configured explicitly from the resolved credentials. */
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";

/** Connect (URL plus token) or a service account; the stack resolves which from the environment or secret config. */
export type OnePasswordCredentials =
  | { readonly mode: "connect"; readonly url: string; readonly token: pulumi.Output<string> }
  | { readonly mode: "serviceAccount"; readonly token: pulumi.Output<string> };

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
