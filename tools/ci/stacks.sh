#!/usr/bin/env bash
# Prints the project's stacks (one per Pulumi.<stack>.yaml in the current directory) as
# a JSON array, for a workflow matrix: a new cluster's stack file joins every job.
set -euo pipefail
shopt -s nullglob
stacks=()
for file in Pulumi.*.yaml; do
  name="${file#Pulumi.}"
  stacks+=("\"${name%.yaml}\"")
done
(IFS=,; echo "[${stacks[*]}]")
