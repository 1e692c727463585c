#!/usr/bin/env bash
# Usage: install-tools.sh BIN_DIR TOOL...   (TOOL: talosctl, kubectl, flux, pulumi)
# Installs each TOOL into BIN_DIR at its pinned version, for this Linux machine's
# architecture (amd64 or arm64), each download checked against tools/ci/checksums.txt.
# Versions come from the environment, as `tools/ci/tool-versions.ts <stack>` prints them:
# talosctl TALOS_VERSION, kubectl KUBERNETES_VERSION, flux FLUX_CLI_VERSION, pulumi
# PULUMI_VERSION. Used by the e2e, preview and up workflows.
# Fail-closed: a tool without its version, or a download without its committed checksum,
# stops the run before anything is fetched; a download that differs stops it before
# anything is installed. Nothing unverified runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checksums="$here/checksums.txt"
bin="${1:?usage: install-tools.sh BIN_DIR TOOL... (talosctl, kubectl, flux, pulumi)}"
shift
if (($# == 0)); then
  echo "usage: install-tools.sh BIN_DIR TOOL... (talosctl, kubectl, flux, pulumi)" >&2
  exit 2
fi

# The publishers name the same two architectures differently: Pulumi says x64.
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 pulumi_arch=x64 ;;
  aarch64 | arm64) arch=arm64 pulumi_arch=arm64 ;;
  *)
    echo "::error title=unsupported architecture::install-tools.sh installs linux amd64 or arm64 binaries, not $(uname -m)"
    exit 1
    ;;
esac

# pinned NAME: sets v to the environment variable NAME, or stops naming it.
pinned() {
  local name=$1
  if [[ -z "${!name:-}" ]]; then
    echo "::error title=unpinned tool::${name} is not set; take it from \`npx ts-node --transpile-only tools/ci/tool-versions.ts <stack>\`"
    exit 1
  fi
  v="${!name}"
}

# Per tool: where the publisher serves it and the name its checksum line carries
# (<tool>-<version>-<platform>). Asset names: Talos releases talosctl-linux-amd64/-arm64
# with sha256 checksums (siderolabs/talos release pipeline, .drone.jsonnet `release`);
# flux archives {binary}_{version}_{os}_{arch}.tar.gz (fluxcd/flux2 .goreleaser.yml).
declare -a tools=() urls=() artifacts=()
for tool in "$@"; do
  tools+=("$tool")
  case "$tool" in
    talosctl)
      pinned TALOS_VERSION
      urls+=("https://github.com/siderolabs/talos/releases/download/${v}/talosctl-linux-${arch}")
      artifacts+=("talosctl-${v}-linux-${arch}")
      ;;
    kubectl)
      pinned KUBERNETES_VERSION
      urls+=("https://dl.k8s.io/release/${v}/bin/linux/${arch}/kubectl")
      artifacts+=("kubectl-${v}-linux-${arch}")
      ;;
    flux)
      pinned FLUX_CLI_VERSION
      urls+=("https://github.com/fluxcd/flux2/releases/download/v${v}/flux_${v}_linux_${arch}.tar.gz")
      artifacts+=("flux-${v}-linux-${arch}.tar.gz")
      ;;
    pulumi)
      pinned PULUMI_VERSION
      urls+=("https://get.pulumi.com/releases/sdk/pulumi-v${v}-linux-${pulumi_arch}.tar.gz")
      artifacts+=("pulumi-${v}-linux-${pulumi_arch}.tar.gz")
      ;;
    *)
      echo "::error title=unknown tool::install-tools.sh installs talosctl, kubectl, flux or pulumi, not ${tool}"
      exit 2
      ;;
  esac
done

# Every checksum first: one missing line stops the run before any download.
declare -a wants=()
missing=0
for artifact in "${artifacts[@]}"; do
  want="$(awk -v a="$artifact" '!/^#/ && $2 == a { print $1 }' "$checksums")"
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error title=unpinned download::tools/ci/checksums.txt has no sha256 for ${artifact}; add the line '<sha256>  ${artifact}' (bash tools/ci/pin-checksums.sh prints the publisher's value to review)"
    missing=1
  fi
  wants+=("$want")
done
((missing == 0)) || exit 1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in "${!artifacts[@]}"; do
  artifact="${artifacts[$i]}"
  curl --fail --silent --show-error --location --retry 3 --output "$work/$artifact" "${urls[$i]}"
  if ! (cd "$work" && echo "${wants[$i]}  $artifact" | sha256sum --check --strict --quiet - >/dev/null 2>&1); then
    echo "::error title=checksum mismatch::${artifact} from ${urls[$i]} does not match its sha256 in tools/ci/checksums.txt; nothing was installed"
    exit 1
  fi
done

# Only once every download is verified does anything reach BIN_DIR.
mkdir -p "$bin"
for i in "${!artifacts[@]}"; do
  artifact="${artifacts[$i]}"
  case "${tools[$i]}" in
    talosctl | kubectl) install -m 0755 "$work/$artifact" "$bin/${tools[$i]}" ;;
    flux)
      tar -xzf "$work/$artifact" -C "$work" flux
      install -m 0755 "$work/flux" "$bin/flux"
      ;;
    pulumi)
      # The archive holds pulumi/ with the CLI and its language hosts.
      tar -xzf "$work/$artifact" -C "$work"
      install -m 0755 "$work"/pulumi/* "$bin/"
      ;;
  esac
  echo "installed ${artifact} into ${bin}"
done
