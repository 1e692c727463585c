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
# pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz with a list named
# <repo>_<version>_checksums.txt, in one of two formats:
#   - goreleaser's default list (checksum.name_template '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
#     sha256, bare names): pulumi/pulumi-command v1.2.1 (.goreleaser.yml project_name pulumi-command,
#     archives "{{ .Binary }}-{{ .Tag }}-{{ .Os }}-{{ .Arch }}"), pulumi/pulumi-kubernetes (project_name
#     pulumi-kubernetes), 1Password/pulumi-onepassword v1.1.3 (no project_name: the repository's name);
#   - no goreleaser: pulumi/ci-mgmt's publish.yml, in pulumi/pulumi-tls (v5.5.1 and the snapshot of
#     2026-08-14), pulumi/pulumi-cloudflare (v6.17.0 and 2026-07-02) and pulumiverse/pulumi-talos v0.8.1,
#     writes it with `shasum ./*.tar.gz`: SHA-1 (shasum's default algorithm), names prefixed "./".
# listed_hash below reads both; pin-checksums.sh turns a SHA-1 entry into the sha256 of the
# very download it verified.

# listed_hash NAME < LIST: "sha256 <hash>" or "sha1 <hash>" of NAME in a checksum list
# (`<hash>  NAME`, `<hash> *NAME` or `<hash>  ./NAME`); with NAME empty, the list is one bare
# hash. The algorithm is the hash's length: 64 hex digits sha256, 40 sha1. Exit 1 without one.
listed_hash() {
  local want=$1 hash
  if [[ -z "$want" ]]; then hash="$(awk 'NR == 1 { print $1 }')"
  else hash="$(awk -v f="$want" '$2 == f || $2 == "*" f || $2 == "./" f { print $1 }')"; fi
  if [[ "$hash" =~ ^[0-9a-f]{64}$ ]]; then echo "sha256 $hash"
  elif [[ "$hash" =~ ^[0-9a-f]{40}$ ]]; then echo "sha1 $hash"
  else return 1; fi
}

# pinned NAME: sets v to the environment variable NAME, or stops naming it.
pinned() {
  local name=$1
  if [[ -z "${!name:-}" ]]; then
    echo "::error title=unpinned tool::${name} is not set; take it from \`npx ts-node --transpile-only tools/ci/tool-versions.ts <stack>\`"
    exit 1
  fi
  v="${!name}"
}

# row TOOL ARTIFACT URL LIST-URL NAME-IN-LIST: one download, tab-separated, to descriptor 3.
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >&3; }

artifact_rows() {
  local arch=$1 tool pulumi_arch=$1 plugin name version repo base
  shift
  [[ "$arch" == amd64 ]] && pulumi_arch=x64
  for tool in "$@"; do
    case "$tool" in
      talosctl)
        pinned TALOS_VERSION
        base="https://github.com/siderolabs/talos/releases/download/${v}"
        row talosctl "talosctl-${v}-linux-${arch}" "${base}/talosctl-linux-${arch}" "${base}/sha256sum.txt" "talosctl-linux-${arch}"
        ;;
      kubectl)
        pinned KUBERNETES_VERSION
        base="https://dl.k8s.io/release/${v}/bin/linux/${arch}/kubectl"
        row kubectl "kubectl-${v}-linux-${arch}" "$base" "${base}.sha256" ""
        ;;
      flux)
        pinned FLUX_CLI_VERSION
        base="https://github.com/fluxcd/flux2/releases/download/v${v}"
        row flux "flux-${v}-linux-${arch}.tar.gz" "${base}/flux_${v}_linux_${arch}.tar.gz" "${base}/flux_${v}_checksums.txt" "flux_${v}_linux_${arch}.tar.gz"
        ;;
      pulumi)
        pinned PULUMI_VERSION
        base="https://get.pulumi.com/releases/sdk"
        row pulumi "pulumi-${v}-linux-${pulumi_arch}.tar.gz" "${base}/pulumi-v${v}-linux-${pulumi_arch}.tar.gz" "${base}/pulumi-${v}-checksums.txt" "pulumi-v${v}-linux-${pulumi_arch}.tar.gz"
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
          row "plugin:${name}:${version}" "pulumi-resource-${name}-v${version}-linux-${arch}.tar.gz" \
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
