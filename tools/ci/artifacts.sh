#!/usr/bin/env bash
# Sourced by install-tools.sh and pin-checksums.sh: the one table of where each publisher
# serves a tool and its checksum list, so the URL a workflow installs from is the URL the
# checksum workflow verified.
#
# artifact_rows ARCH TOOL... writes to file descriptor 3 one tab-separated row per download
# (stdout stays free for the ::error lines, and `exit` stops the caller, not a subshell):
#   tool  artifact  url  checksum-list-url  name-in-list
# artifact is the checksums.txt name, <tool>-<version>-<platform>; name-in-list is empty
# when the list holds one bare hash (kubectl's .sha256). ARCH is amd64 or arm64; versions
# come from the environment (tools/ci/tool-versions.ts): TALOS_VERSION, KUBERNETES_VERSION,
# FLUX_CLI_VERSION, PULUMI_VERSION, PULUMI_PLUGINS (name@version@owner/repo, comma-separated).
# Asset names: Talos releases talosctl-linux-<arch> and sha256sum.txt (siderolabs/talos
# .drone.jsonnet `release`); flux {binary}_{version}_{os}_{arch}.tar.gz (fluxcd/flux2
# .goreleaser.yml); the Pulumi CLI pulumi-v<version>-linux-<x64|arm64>.tar.gz with
# pulumi-<version>-checksums.txt on get.pulumi.com; provider plugins
# pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz (each provider's .goreleaser.yml
# archives.name_template) with goreleaser's default list <project>_<version>_checksums.txt.

# pinned NAME: sets v to the environment variable NAME, or stops naming it.
pinned() {
  local name=$1
  if [[ -z "${!name:-}" ]]; then
    echo "::error title=unpinned tool::${name} is not set; take it from \`npx ts-node --transpile-only tools/ci/tool-versions.ts <stack>\`"
    exit 1
  fi
  v="${!name}"
}

artifact_rows() {
  local arch=$1 tool pulumi_arch=$1 plugin name version repo base
  shift
  [[ "$arch" == amd64 ]] && pulumi_arch=x64
  for tool in "$@"; do
    case "$tool" in
      talosctl)
        pinned TALOS_VERSION
        base="https://github.com/siderolabs/talos/releases/download/${v}"
        printf '%s\t%s\t%s\t%s\t%s\n' >&3 talosctl "talosctl-${v}-linux-${arch}" "${base}/talosctl-linux-${arch}" "${base}/sha256sum.txt" "talosctl-linux-${arch}"
        ;;
      kubectl)
        pinned KUBERNETES_VERSION
        base="https://dl.k8s.io/release/${v}/bin/linux/${arch}/kubectl"
        printf '%s\t%s\t%s\t%s\t%s\n' >&3 kubectl "kubectl-${v}-linux-${arch}" "$base" "${base}.sha256" ""
        ;;
      flux)
        pinned FLUX_CLI_VERSION
        base="https://github.com/fluxcd/flux2/releases/download/v${v}"
        printf '%s\t%s\t%s\t%s\t%s\n' >&3 flux "flux-${v}-linux-${arch}.tar.gz" "${base}/flux_${v}_linux_${arch}.tar.gz" "${base}/flux_${v}_checksums.txt" "flux_${v}_linux_${arch}.tar.gz"
        ;;
      pulumi)
        pinned PULUMI_VERSION
        base="https://get.pulumi.com/releases/sdk"
        printf '%s\t%s\t%s\t%s\t%s\n' >&3 pulumi "pulumi-${v}-linux-${pulumi_arch}.tar.gz" "${base}/pulumi-v${v}-linux-${pulumi_arch}.tar.gz" "${base}/pulumi-${v}-checksums.txt" "pulumi-v${v}-linux-${pulumi_arch}.tar.gz"
        ;;
      plugins)
        pinned PULUMI_PLUGINS
        for plugin in ${v//,/ }; do
          IFS=@ read -r name version repo <<<"$plugin"
          if [[ -z "$name" || ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ || ! "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
            echo "::error title=bad plugin pin::PULUMI_PLUGINS entry '${plugin}' is not name@X.Y.Z@owner/repo"
            exit 1
          fi
          base="https://github.com/${repo}/releases/download/v${version}"
          printf '%s\t%s\t%s\t%s\t%s\n' >&3 "plugin:${name}:${version}" "pulumi-resource-${name}-v${version}-linux-${arch}.tar.gz" \
            "${base}/pulumi-resource-${name}-v${version}-linux-${arch}.tar.gz" "${base}/${repo#*/}_${version}_checksums.txt" "pulumi-resource-${name}-v${version}-linux-${arch}.tar.gz"
        done
        ;;
      *)
        echo "::error title=unknown tool::install-tools.sh installs talosctl, kubectl, flux, pulumi or plugins, not ${tool}"
        exit 2
        ;;
    esac
  done
}
