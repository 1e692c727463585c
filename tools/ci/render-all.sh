#!/usr/bin/env bash
# Renders every stack of the project in the current directory into OUT/<stack>/.
# Usage: render-all.sh OUT
set -euo pipefail
out="${1:?usage: render-all.sh OUT}"
shopt -s nullglob
for file in Pulumi.*.yaml; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  npm run --silent render -- "$stack" --out "$out/$stack"
done
