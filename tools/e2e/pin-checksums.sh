#!/usr/bin/env bash
# Prints checksums.txt lines for the pinned versions from each publisher's own checksum
# list, for a maintainer to compare with the release page and commit. Never run in CI:
# the workflow trusts only what is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/e2e/versions.env
source "$here/versions.env"
eval "$(cd "$root" && npx ts-node --transpile-only tools/e2e/cli.ts env | grep -E '^(TALOS|KUBERNETES|PULUMI)_VERSION=')"
get() { curl --fail --silent --show-error --location "$1"; }
echo "$(get "https://github.com/siderolabs/talos/releases/download/${TALOS_VERSION}/sha256sum.txt" | awk '$2 == "talosctl-linux-amd64" { print $1 }')  talosctl-${TALOS_VERSION}-linux-amd64"
echo "$(get "https://dl.k8s.io/release/${KUBERNETES_VERSION}/bin/linux/amd64/kubectl.sha256")  kubectl-${KUBERNETES_VERSION}-linux-amd64"
echo "$(get "https://github.com/fluxcd/flux2/releases/download/v${FLUX_CLI_VERSION}/flux_${FLUX_CLI_VERSION}_checksums.txt" | awk -v f="flux_${FLUX_CLI_VERSION}_linux_amd64.tar.gz" '$2 == f { print $1 }')  flux-${FLUX_CLI_VERSION}-linux-amd64.tar.gz"
echo "$(get "https://get.pulumi.com/releases/sdk/pulumi-${PULUMI_VERSION}-checksums.txt" | awk -v f="pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz" '$2 == f { print $1 }')  pulumi-${PULUMI_VERSION}-linux-x64.tar.gz"
