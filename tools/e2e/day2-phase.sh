#!/usr/bin/env bash
# One day-2 phase of the e2e run on the cluster the first `up` built: a stack-config edit,
# then `pulumi up` with the watcher (tools/e2e/watch.ts) sampling every node beside it, then
# the watcher's verdict (at most one control plane down at a time, etcd at quorum in every
# sample, every node rebooted, and upgraded where the phase upgrades). Samples, verdict and
# the up's output go to E2E_ARTIFACTS/day2-<phase>/.
#   staged   talos.bootstrapped true, so the day-2 steps run from now on, and a udev rule:
#            machine.udev is not among the changes Talos applies live (siderolabs/talos
#            v1.13.9 internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go
#            CanApplyImmediate) and is written only while booting (v1alpha1_sequencer.go
#            udevSetup, WriteUdevRules), so each apply is staged and each node's roll step
#            reboots it. Afterwards every node's rules file holds the rule.
#   upgrade  the first up's versions override removed: versions come from Pulumi.yaml again,
#            and the Talos upgrade steps take each node from E2E_TALOS_INITIAL to the pin.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/e2e/lib.sh
source "$here/lib.sh"
: "${E2E_STACK:?}" "${E2E_ARTIFACTS:?}" "${E2E_SECRETS:?}" "${E2E_NODES:?}" "${E2E_CONTROLPLANE_NODES:?}" "${E2E_ENDPOINT:?}" "${TALOS_VERSION:?}" "${PULUMI_CONFIG_PASSPHRASE:?}"
phase="${1:?usage: day2-phase.sh staged|upgrade}"
cd "$root"
export PULUMI_SKIP_UPDATE_CHECK=true KUBECONFIG="$E2E_SECRETS/kubeconfig" TALOSCONFIG="$E2E_SECRETS/talosconfig"

# Matches no device (no such subsystem): only its presence in the rules file matters.
staged_rule='SUBSYSTEM=="e2e-day2-staged", ENV{E2E_DAY2}="staged"'
# Where Talos writes machine.udev.rules at boot (pkg/machinery/constants/constants.go UdevRulesPath).
rules_file=/usr/lib/udev/rules.d/99-talos.rules

case "$phase" in
  staged)
    # --path stores "true" as a boolean (pulumi config set --help).
    pulumi config set --stack "$E2E_STACK" --path k8s-gitops:talos.bootstrapped true
    pulumi config set --stack "$E2E_STACK" --path 'k8s-gitops:talos.udevRules[0]' "$staged_rule"
    expect=(reboot)
    ;;
  upgrade)
    pulumi config rm --stack "$E2E_STACK" k8s-gitops:versions
    expect=(upgrade "$TALOS_VERSION")
    ;;
  *)
    echo "usage: day2-phase.sh staged|upgrade" >&2
    exit 2
    ;;
esac

out="$E2E_ARTIFACTS/day2-$phase"
mkdir -p "$out"
samples="$out/samples.jsonl"
stop="$out/stop"
rm -f "$samples" "$stop"
watch() { npx ts-node --transpile-only tools/e2e/watch.ts "$@"; }

watch record "$samples" "$stop" >"$out/watch.log" 2>&1 &
watcher=$!
# A watcher left behind by a failure below would outlive the job step.
trap 'touch "$stop"; kill "$watcher" 2>/dev/null || true' EXIT
# The first sample is the state before the up: boot ids and versions to compare with.
gate "the watcher's first sample" 300 2 test -s "$samples"

set +e
pulumi up --stack "$E2E_STACK" --yes --non-interactive --diff 2>&1 | tee "$out/pulumi-up.log"
up=${PIPESTATUS[0]}
set -e
touch "$stop"
# The watcher takes its last sample once it sees the stop file; its own deadline bounds this.
recorded=0
wait "$watcher" || recorded=$?
trap - EXIT
((up == 0)) || { echo "::error title=e2e day-2 ${phase}::pulumi up failed (exit ${up})"; exit 1; }
((recorded == 0)) || { echo "::error title=e2e day-2 ${phase}::the watcher failed (exit ${recorded}, $out/watch.log)"; exit 1; }

watch verdict "$samples" "${expect[@]}" | tee "$out/verdict.txt"

if [[ "$phase" == staged ]]; then
  IFS=, read -r -a nodes <<<"$E2E_NODES"
  for node in "${nodes[@]}"; do
    talosctl --nodes "$node" --endpoints "$node" read "$rules_file" | grep -qxF "$staged_rule" ||
      { echo "::error title=e2e day-2 staged::node $node booted without the staged udev rule in $rules_file"; exit 1; }
    echo "ok: node $node runs the staged udev rule"
  done
fi
