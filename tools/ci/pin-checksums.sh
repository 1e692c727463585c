#!/usr/bin/env bash
# Usage: pin-checksums.sh [--verify] [--write]
# The checksums.txt lines of every download install-tools.sh makes, at the versions every
# stack pins (tools/ci/tool-versions.ts), for linux amd64 and arm64, taken from each
# publisher's own checksum list (URLs: tools/ci/artifacts.sh).
#   --verify  also downloads each artifact and refuses one whose sha256 differs from the list
#   --write   replaces the hash lines of tools/ci/checksums.txt (its comments stay)
# Run by .github/workflows/checksums.yml, which proposes the result as a pull request for a
# maintainer; the workflows that install trust only what is committed. Fails, printing and
# writing nothing, when a download fails or a list has no hash for a file.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/ci/artifacts.sh
source "$here/artifacts.sh"
verify=0 write=0
for arg in "$@"; do
  case "$arg" in
    --verify) verify=1 ;;
    --write) write=1 ;;
    *) echo "usage: pin-checksums.sh [--verify] [--write]" >&2; exit 2 ;;
  esac
done
get() { curl --fail --silent --show-error --location --max-time 120 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One checksums.txt line (always sha256), or a non-zero exit: a failed download or a name
# missing from the publisher's list never prints a hash-less line. A list of SHA-1 hashes
# (the ci-mgmt providers', artifacts.sh) pins nothing install-tools.sh can check: the
# artifact is downloaded and checked against it even without --verify, and the line is the
# sha256 of that download.
line() {
  local artifact="$1" url="$2" list_url="$3" want="$4" list listed algorithm hash
  list="$(get "$list_url")" || { echo "pin-checksums: download failed: $list_url" >&2; return 1; }
  listed="$(listed_hash "$want" <<<"$list")" || { echo "pin-checksums: no sha256 or sha1 for ${want:-$list_url} in $list_url" >&2; return 1; }
  read -r algorithm hash <<<"$listed"
  if ((verify)) || [[ "$algorithm" == sha1 ]]; then
    get --output "$work/download" "$url" || { echo "pin-checksums: download failed: $url" >&2; return 1; }
    [[ "$("${algorithm}sum" "$work/download" | awk '{ print $1 }')" == "$hash" ]] || {
      echo "pin-checksums: $url does not match its publisher's $algorithm in $list_url" >&2
      return 1
    }
    hash="$(sha256sum "$work/download" | awk '{ print $1 }')"
  fi
  echo "$hash  $artifact"
}

cd "$root"
shopt -s nullglob
tools=(talosctl kubectl flux pulumi plugins)
for file in Pulumi.*.yaml; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  versions="$(npx ts-node --transpile-only tools/ci/tool-versions.ts "$stack")"
  # Each line is NAME=<value>, checked by tool-versions.ts.
  (
    while IFS= read -r pin; do export "${pin?}"; done <<<"$versions"
    for arch in amd64 arm64; do artifact_rows "$arch" "${tools[@]}"; done 3>&1 >&2
  ) >>"$work/rows"
done
# Collected first, so a failure prints nothing on stdout (no partial file to paste).
sort -u "$work/rows" >"$work/unique"
while IFS=$'\t' read -r _tool artifact url list_url want; do
  line "$artifact" "$url" "$list_url" "$want"
done <"$work/unique" >"$work/lines"
sort -k2 "$work/lines" >"$work/sorted"
if ((write)); then
  { grep '^#' "$here/checksums.txt" || true; cat "$work/sorted"; } >"$work/checksums.txt"
  mv "$work/checksums.txt" "$here/checksums.txt"
fi
cat "$work/sorted"
