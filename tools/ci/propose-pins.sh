#!/usr/bin/env bash
# Usage: propose-pins.sh BASE_BRANCH
# After pin-checksums.sh --write and npm run vendor-crds have rewritten the pins in the work
# tree: if anything changed, commits it on checksums/BASE_BRANCH, pushes that branch and
# opens (or keeps) a pull request into BASE_BRANCH for a maintainer to review and merge.
# A pull request rather than a push to BASE_BRANCH: a maintainer checks the hashes against
# the release pages, and the merge, made by a person, starts the checks that pushes by the
# workflow token never start (GitHub does not trigger workflows from GITHUB_TOKEN events).
# Env: GITHUB_TOKEN (contents: write, pull-requests: write) for the push and `gh`.
set -euo pipefail
base="${1:?usage: propose-pins.sh BASE_BRANCH}"
paths=(tools/ci/checksums.txt bootstrap/crds.yaml bootstrap/crds)
if [[ -z "$(git status --porcelain -- "${paths[@]}")" ]]; then
  echo "pins: nothing to change on ${base}"
  exit 0
fi
branch="checksums/${base}"
git switch --force-create "$branch"
git add -- "${paths[@]}"
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  commit --quiet -m "Pin checksums and vendored CRDs for ${base}" \
  -m "Written by the checksums workflow from each publisher's checksum list, every download verified against it (tools/ci/pin-checksums.sh --verify), and by npm run vendor-crds. Compare the hashes with the release pages before merging."
# The token is given to this push only, as actions/checkout gives it (an extra header), never written to .git/config.
auth="$(printf 'x-access-token:%s' "${GITHUB_TOKEN:?}" | base64 -w0)"
echo "::add-mask::${auth}"
git -c "http.extraheader=AUTHORIZATION: basic ${auth}" push --force origin "HEAD:refs/heads/${branch}"
if [[ -n "$(gh pr list --head "$branch" --base "$base" --state open --json number --jq '.[].number')" ]]; then
  echo "pins: updated the open pull request from ${branch}"
else
  gh pr create --base "$base" --head "$branch" --title "Pin checksums and vendored CRDs for ${base}" \
    --body "The checksums workflow fetched each publisher's checksum list for the pinned tools and provider plugins, downloaded every artifact and verified it against that list (\`tools/ci/pin-checksums.sh --verify --write\`), and re-vendored the CRD sets (\`npm run vendor-crds\`). Check the hashes against the release pages, then merge: the preview, up and e2e workflows install only what \`tools/ci/checksums.txt\` names."
fi
git diff --stat HEAD~1 HEAD >>"${GITHUB_STEP_SUMMARY:-/dev/null}" || true
