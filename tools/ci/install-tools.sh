#!/usr/bin/env bash
# Usage: install-tools.sh BIN_DIR TOOL...   (TOOL: talosctl, kubectl, flux, pulumi, plugins)
# Installs each TOOL into BIN_DIR at its pinned version, for this Linux machine's
# architecture (amd64 or arm64), each download checked against tools/ci/checksums.txt.
# Versions come from the environment, as `tools/ci/tool-versions.ts <stack>` prints them:
# talosctl TALOS_VERSION, kubectl KUBERNETES_VERSION, flux FLUX_CLI_VERSION, pulumi
# PULUMI_VERSION, plugins PULUMI_PLUGINS (every provider plugin the program loads; each is
# installed with `pulumi plugin install --file` into $PULUMI_HOME, so the engine never
# downloads one itself). Where each comes from: tools/ci/artifacts.sh.
# Fail-closed: a tool without its version, or a download without its committed checksum,
# stops the run before anything is fetched; a download that differs stops it before
# anything is installed. Nothing unverified runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checksums="$here/checksums.txt"
# shellcheck source=tools/ci/artifacts.sh
source "$here/artifacts.sh"
bin="${1:?usage: install-tools.sh BIN_DIR TOOL... (talosctl, kubectl, flux, pulumi, plugins)}"
shift
if (($# == 0)); then
  echo "usage: install-tools.sh BIN_DIR TOOL... (talosctl, kubectl, flux, pulumi, plugins)" >&2
  exit 2
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "::error title=unsupported architecture::install-tools.sh installs linux amd64 or arm64 binaries, not $(uname -m)"
    exit 1
    ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
artifact_rows "$arch" "$@" 3>"$work/rows"
declare -a tools=() artifacts=() urls=()
while IFS=$'\t' read -r tool artifact url _list _name; do
  tools+=("$tool")
  artifacts+=("$artifact")
  urls+=("$url")
done <"$work/rows"

# Every checksum first: one missing line stops the run before any download.
declare -a wants=()
missing=0
for artifact in "${artifacts[@]}"; do
  want="$(awk -v a="$artifact" '!/^#/ && $2 == a { print $1 }' "$checksums")"
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error title=unpinned download::tools/ci/checksums.txt has no sha256 for ${artifact}; add the line '<sha256>  ${artifact}': run the checksums workflow (.github/workflows/checksums.yml) and merge the pull request it opens"
    missing=1
  fi
  wants+=("$want")
done
((missing == 0)) || exit 1

for i in "${!artifacts[@]}"; do
  artifact="${artifacts[$i]}"
  curl --fail --silent --show-error --location --retry 3 --output "$work/$artifact" "${urls[$i]}"
  if ! (cd "$work" && echo "${wants[$i]}  $artifact" | sha256sum --check --strict --quiet - >/dev/null 2>&1); then
    echo "::error title=checksum mismatch::${artifact} from ${urls[$i]} does not match its sha256 in tools/ci/checksums.txt; nothing was installed"
    exit 1
  fi
done

# Only once every download is verified does anything reach BIN_DIR or the plugin cache.
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
    plugin:*)
      IFS=: read -r _ name version <<<"${tools[$i]}"
      # The verified CLI of this run if it was asked for, else the one on PATH.
      pulumi_cli="$bin/pulumi"
      [[ -x "$pulumi_cli" ]] || pulumi_cli="$(command -v pulumi)" || {
        echo "::error title=no pulumi::installing plugins needs the Pulumi CLI: ask for pulumi before plugins"
        exit 1
      }
      "$pulumi_cli" plugin install resource "$name" "$version" --file "$work/$artifact"
      ;;
  esac
  echo "installed ${artifact}"
done
