#!/usr/bin/env bash
# Prints the checksums.txt lines of every tool install-tools.sh can install, at the versions
# every stack pins (tools/ci/tool-versions.ts), for linux amd64 and arm64, taken from each
# publisher's own checksum list: for a maintainer to compare with the release pages and
# commit. Never run in CI: the workflows trust only what is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
get() { curl --fail --silent --show-error --location "$1"; }

lines() {
  local arch pulumi_arch
  for arch in amd64 arm64; do
    pulumi_arch=$arch
    [[ "$arch" == amd64 ]] && pulumi_arch=x64
    echo "$(get "https://github.com/siderolabs/talos/releases/download/${TALOS_VERSION}/sha256sum.txt" | awk -v f="talosctl-linux-${arch}" '$2 == f { print $1 }')  talosctl-${TALOS_VERSION}-linux-${arch}"
    echo "$(get "https://dl.k8s.io/release/${KUBERNETES_VERSION}/bin/linux/${arch}/kubectl.sha256")  kubectl-${KUBERNETES_VERSION}-linux-${arch}"
    echo "$(get "https://github.com/fluxcd/flux2/releases/download/v${FLUX_CLI_VERSION}/flux_${FLUX_CLI_VERSION}_checksums.txt" | awk -v f="flux_${FLUX_CLI_VERSION}_linux_${arch}.tar.gz" '$2 == f { print $1 }')  flux-${FLUX_CLI_VERSION}-linux-${arch}.tar.gz"
    echo "$(get "https://get.pulumi.com/releases/sdk/pulumi-${PULUMI_VERSION}-checksums.txt" | awk -v f="pulumi-v${PULUMI_VERSION}-linux-${pulumi_arch}.tar.gz" '$2 == f { print $1 }')  pulumi-${PULUMI_VERSION}-linux-${pulumi_arch}.tar.gz"
  done
}

cd "$root"
shopt -s nullglob
for file in Pulumi.*.yaml; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  versions="$(npx ts-node --transpile-only tools/ci/tool-versions.ts "$stack")"
  # Each line is NAME_VERSION=<exact release>, checked by tool-versions.ts.
  (
    while IFS= read -r line; do export "${line?}"; done <<<"$versions"
    lines
  )
done | sort -u -k2
