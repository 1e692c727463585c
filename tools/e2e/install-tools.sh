#!/usr/bin/env bash
# Installs talosctl, kubectl, the flux CLI and the Pulumi CLI into BIN_DIR at the pinned
# versions (TALOS_VERSION, KUBERNETES_VERSION, PULUMI_VERSION from `tools/e2e/cli.ts env`,
# FLUX_CLI_VERSION from versions.env), each checked against tools/e2e/checksums.txt.
# A download without a recorded checksum fails: nothing unverified runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/e2e/versions.env
source "$here/versions.env"
: "${TALOS_VERSION:?}" "${KUBERNETES_VERSION:?}" "${PULUMI_VERSION:?}" "${FLUX_CLI_VERSION:?}"
bin="${1:?usage: install-tools.sh BIN_DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$bin"

# download URL ARTIFACT: fetches URL to $work/ARTIFACT and checks its pinned sha256.
download() {
  local url=$1 artifact=$2 want
  want="$(awk -v a="$artifact" '!/^#/ && $2 == a { print $1 }' "$here/checksums.txt")"
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error title=unpinned download::tools/e2e/checksums.txt has no sha256 for ${artifact}; add '<sha256>  ${artifact}' (bash tools/e2e/pin-checksums.sh prints the publisher's value to review)"
    exit 1
  fi
  curl --fail --silent --show-error --location --retry 3 --output "$work/$artifact" "$url"
  (cd "$work" && echo "$want  $artifact" | sha256sum --check --strict --quiet -)
}

download "https://github.com/siderolabs/talos/releases/download/${TALOS_VERSION}/talosctl-linux-amd64" "talosctl-${TALOS_VERSION}-linux-amd64"
install -m 0755 "$work/talosctl-${TALOS_VERSION}-linux-amd64" "$bin/talosctl"

download "https://dl.k8s.io/release/${KUBERNETES_VERSION}/bin/linux/amd64/kubectl" "kubectl-${KUBERNETES_VERSION}-linux-amd64"
install -m 0755 "$work/kubectl-${KUBERNETES_VERSION}-linux-amd64" "$bin/kubectl"

download "https://github.com/fluxcd/flux2/releases/download/v${FLUX_CLI_VERSION}/flux_${FLUX_CLI_VERSION}_linux_amd64.tar.gz" "flux-${FLUX_CLI_VERSION}-linux-amd64.tar.gz"
tar -xzf "$work/flux-${FLUX_CLI_VERSION}-linux-amd64.tar.gz" -C "$work" flux
install -m 0755 "$work/flux" "$bin/flux"

download "https://get.pulumi.com/releases/sdk/pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz" "pulumi-${PULUMI_VERSION}-linux-x64.tar.gz"
tar -xzf "$work/pulumi-${PULUMI_VERSION}-linux-x64.tar.gz" -C "$work"
install -m 0755 "$work"/pulumi/* "$bin/"

"$bin/talosctl" version --client --short
"$bin/kubectl" version --client
"$bin/flux" version --client
"$bin/pulumi" version
