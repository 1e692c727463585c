#!/usr/bin/env bash
# Runs the real program on the e2e stack against the VMs: a local file backend with a
# throwaway passphrase, Flux pointed at the commit under test, Talos at the patch release
# before the pin (the VMs run it; tools/e2e/cli.ts initial-versions), then `pulumi up`.
# Output goes to E2E_ARTIFACTS (Pulumi prints secrets as [secret]); credentials to E2E_SECRETS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
: "${E2E_STACK:?}" "${E2E_ARTIFACTS:?}" "${E2E_SECRETS:?}" "${FLUX_REPOSITORY:?}" "${FLUX_REF:?}" "${PULUMI_CONFIG_PASSPHRASE:?}"
mkdir -p "$E2E_ARTIFACTS" "$E2E_SECRETS/pulumi-state"
export PULUMI_SKIP_UPDATE_CHECK=true
chmod 700 "$E2E_SECRETS"

pulumi login "file://$E2E_SECRETS/pulumi-state"
pulumi stack init "$E2E_STACK" --secrets-provider passphrase
pulumi config set --stack "$E2E_STACK" --path k8s-gitops:flux.repository "$FLUX_REPOSITORY"
pulumi config set --stack "$E2E_STACK" --path k8s-gitops:flux.ref "$FLUX_REF"
# Listed first, so a failing list fails the run instead of setting nothing.
versions="$(npx ts-node --transpile-only tools/e2e/cli.ts initial-versions "$E2E_STACK")"
[[ -n "$versions" ]] || { echo "::error::no versions for the first up"; exit 1; }
while read -r key value; do
  pulumi config set --stack "$E2E_STACK" --path "k8s-gitops:versions.$key" "$value"
done <<<"$versions"

pulumi up --stack "$E2E_STACK" --yes --non-interactive --diff 2>&1 | tee "$E2E_ARTIFACTS/pulumi-up.log"

# Credentials for the gates and the diagnostics; never under E2E_ARTIFACTS.
umask 077
pulumi stack output --stack "$E2E_STACK" --show-secrets kubeconfig >"$E2E_SECRETS/kubeconfig"
pulumi stack output --stack "$E2E_STACK" --show-secrets talosconfig >"$E2E_SECRETS/talosconfig"
