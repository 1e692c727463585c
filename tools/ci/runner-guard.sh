#!/usr/bin/env bash
# Usage: runner-guard.sh preview|up   (env PREVIEW_RUNNER, UP_RUNNER: vars.PULUMI_PREVIEW_RUNNER
# and vars.PULUMI_UP_RUNNER, empty when unset)
# Refuses to go on when `pulumi up` could land on a machine a pull request ran on: both
# jobs named to the same runner label, or either named to the bare `self-hosted` label (it
# matches every self-hosted runner, the other job's included). Unset means a GitHub-hosted
# runner, a fresh VM per job, which nothing outlives. README "Separated runners".
set -euo pipefail
job="${1:?usage: runner-guard.sh preview|up}"
preview="${PREVIEW_RUNNER:-}"
up="${UP_RUNNER:-}"
problems=()
if [[ -n "$preview" && "$preview" == "$up" ]]; then
  problems+=("vars.PULUMI_PREVIEW_RUNNER and vars.PULUMI_UP_RUNNER are both '${preview}': pull-request previews and pulumi up would share machines")
fi
for pair in "PULUMI_PREVIEW_RUNNER=$preview" "PULUMI_UP_RUNNER=$up"; do
  if [[ "${pair#*=}" == self-hosted ]]; then
    problems+=("vars.${pair%%=*} is the bare 'self-hosted' label, which matches every self-hosted runner: name a label only that job's runners carry")
  fi
done
if ((${#problems[@]} > 0)); then
  for p in "${problems[@]}"; do echo "::error title=runners not separated (${job})::${p}"; done
  exit 1
fi
echo "runners: preview on '${preview:-ubuntu-24.04 (GitHub-hosted)}', up on '${up:-ubuntu-24.04 (GitHub-hosted)}'"
