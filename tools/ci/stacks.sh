#!/usr/bin/env bash
# Prints the project's deployable stacks (one per Pulumi.<stack>.yaml in the current
# directory, less the CI-only ones in tools/ci/ci-only-stacks.txt) as a JSON array, for a
# workflow matrix: a new cluster's stack file joins every job.
set -euo pipefail
shopt -s nullglob
ci_only="$(dirname "$0")/ci-only-stacks.txt"
stacks=()
for file in Pulumi.*.yaml; do
  name="${file#Pulumi.}"
  name="${name%.yaml}"
  if grep -qxF "$name" <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$ci_only"); then continue; fi
  stacks+=("\"$name\"")
done
(IFS=,; echo "[${stacks[*]}]")
