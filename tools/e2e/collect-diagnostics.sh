#!/usr/bin/env bash
# After a failure: what explains it, without secrets. Pulumi's own output is already in
# OUT (it prints secrets as [secret]); added here: the VMs' console logs, a talosctl support
# bundle (Talos COSI resources without secrets, service and kernel logs: siderolabs/talos
# v1.13.9 cmd/talosctl/cmd/talos/support.go) or, before the program made a talosconfig,
# only the consoles, and `flux get all -A` with events and pods. Never copied: the
# kubeconfig, the talosconfig, the Pulumi state or talosctl's cluster state.
# Every collector may fail (the cluster may be half up); the script always succeeds.
set -uo pipefail
out="${1:?usage: collect-diagnostics.sh OUT_DIR}"
mkdir -p "$out"
if [[ -z "${E2E_CLUSTER:-}" || -z "${E2E_STATE_DIR:-}" || -z "${E2E_SECRETS:-}" || -z "${E2E_NODES:-}" ]]; then
  echo "the run failed before its plan was made: nothing but Pulumi's output to collect" >"$out/README.txt"
  exit 0
fi
export KUBECONFIG="$E2E_SECRETS/kubeconfig" TALOSCONFIG="$E2E_SECRETS/talosconfig"

# Serial consoles the QEMU provisioner writes as <state>/<cluster>/<node>.log.
sudo find "$E2E_STATE_DIR/$E2E_CLUSTER" -maxdepth 1 -name '*.log' -exec cp {} "$out/" \; 2>/dev/null
sudo chown -R "$(id -u):$(id -g)" "$out"

if [[ -s "$TALOSCONFIG" ]]; then
  first="${E2E_NODES%%,*}"
  talosctl --nodes "$E2E_NODES" --endpoints "$first" support --output "$out/talos-support.zip" --num-workers 2 >"$out/talos-support.txt" 2>&1 ||
    talosctl --nodes "$E2E_NODES" --endpoints "$first" dmesg >"$out/talos-dmesg.txt" 2>&1
fi

if [[ -s "$KUBECONFIG" ]]; then
  flux get all --all-namespaces >"$out/flux-get-all.txt" 2>&1
  kubectl get events --all-namespaces --sort-by=.lastTimestamp >"$out/events.txt" 2>&1
  kubectl get pods --all-namespaces --output wide >"$out/pods.txt" 2>&1
  kubectl get kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io,fluxinstances.fluxcd.controlplane.io \
    --all-namespaces --output yaml >"$out/flux-objects.yaml" 2>&1
fi
exit 0
