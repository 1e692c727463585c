#!/usr/bin/env bash
# Prints the checksums.txt lines of every tool install-tools.sh can install, at the versions
# every stack pins (tools/ci/tool-versions.ts), for linux amd64 and arm64, taken from each
# publisher's own checksum list: for a maintainer to compare with the release pages and
# commit. Never run in CI: the workflows trust only what is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
get() { curl --fail --silent --show-error --location --max-time 60 "$1"; }

# One checksums.txt line, or a non-zero exit: a failed download or a name missing from the
# publisher's list must never print a hash-less line (a $(...) inside echo would hide both).
line() {
  local url="$1" want="$2" name="$3" list hash
  list="$(get "$url")" || { echo "pin-checksums: download failed: $url" >&2; return 1; }
  if [[ -z "$want" ]]; then hash="$(awk 'NR == 1 { print $1 }' <<<"$list")"
  else hash="$(awk -v f="$want" '$2 == f || $2 == "*" f { print $1 }' <<<"$list")"; fi
  [[ "$hash" =~ ^[0-9a-f]{64}$ ]] || { echo "pin-checksums: no sha256 for ${want:-$url} in $url" >&2; return 1; }
  echo "$hash  $name"
}

lines() {
  local arch pulumi_arch
  for arch in amd64 arm64; do
    pulumi_arch=$arch
    [[ "$arch" == amd64 ]] && pulumi_arch=x64
    line "https://github.com/siderolabs/talos/releases/download/${TALOS_VERSION}/sha256sum.txt" "talosctl-linux-${arch}" "talosctl-${TALOS_VERSION}-linux-${arch}"
    line "https://dl.k8s.io/release/${KUBERNETES_VERSION}/bin/linux/${arch}/kubectl.sha256" "" "kubectl-${KUBERNETES_VERSION}-linux-${arch}"
    line "https://github.com/fluxcd/flux2/releases/download/v${FLUX_CLI_VERSION}/flux_${FLUX_CLI_VERSION}_checksums.txt" "flux_${FLUX_CLI_VERSION}_linux_${arch}.tar.gz" "flux-${FLUX_CLI_VERSION}-linux-${arch}.tar.gz"
    line "https://get.pulumi.com/releases/sdk/pulumi-${PULUMI_VERSION}-checksums.txt" "pulumi-v${PULUMI_VERSION}-linux-${pulumi_arch}.tar.gz" "pulumi-${PULUMI_VERSION}-linux-${pulumi_arch}.tar.gz"
  done
}

cd "$root"
shopt -s nullglob
# Collected first, so a failure prints nothing on stdout (no partial file to paste).
out="$(for file in Pulumi.*.yaml; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  versions="$(npx ts-node --transpile-only tools/ci/tool-versions.ts "$stack")"
  # Each line is NAME_VERSION=<exact release>, checked by tool-versions.ts.
  (
    while IFS= read -r line; do export "${line?}"; done <<<"$versions"
    lines
  )
done | sort -u -k2)"
printf '%s\n' "$out"
