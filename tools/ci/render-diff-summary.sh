#!/usr/bin/env bash
# Publishes the difference between two render trees (base, pull request) to the job
# summary, truncated to LIMIT bytes. Usage: render-diff-summary.sh BASE HEAD [LIMIT]
set -euo pipefail
base="${1:?usage: render-diff-summary.sh BASE HEAD [LIMIT]}"
head="${2:?usage: render-diff-summary.sh BASE HEAD [LIMIT]}"
limit="${3:-60000}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
mkdir -p "$base" "$head"

diff_file="$(mktemp)"
trap 'rm -f "$diff_file"' EXIT
status=0
diff -ruN --exclude=.render-output "$base" "$head" >"$diff_file" || status=$?
if [ "$status" -gt 1 ]; then
  echo "diff failed with status $status" >&2
  exit "$status"
fi

{
  echo "## Offline render: what this pull request changes"
  echo
  if [ ! -s "$diff_file" ]; then
    echo "No change in what the program would apply to any stack."
  else
    files="$(grep -c '^diff -ruN' "$diff_file" || true)"
    size="$(wc -c <"$diff_file")"
    echo "$files rendered file(s) differ (\`npm run render\` on the base and on this branch; secrets are placeholders)."
    echo
    echo '````diff'
    head -c "$limit" "$diff_file"
    echo
    echo '````'
    if [ "$size" -gt "$limit" ]; then
      echo
      echo "_Truncated: ${limit} of ${size} bytes shown. The whole diff and both renders are in the \`render\` artifact of this run._"
    fi
  fi
} >>"$summary"
