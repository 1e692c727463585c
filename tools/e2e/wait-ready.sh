#!/usr/bin/env bash
# The gates after `pulumi up`, each a wait on a real condition with a timeout:
#   Talos health with Kubernetes checks (the CNI is installed now), Cilium and CoreDNS
#   rolled out, every Helm release the program installed in status deployed, the
#   FluxInstance Ready, Flux's GitRepository at the commit under test, and every Flux
#   Kustomization Ready except those that need 1Password or Cloudflare (tools/e2e/plan.ts).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/e2e/lib.sh
source "$here/lib.sh"
: "${E2E_STACK:?}" "${E2E_SECRETS:?}" "${E2E_CONTROLPLANE_NODES:?}" "${E2E_COMMIT:?}"
export KUBECONFIG="$E2E_SECRETS/kubeconfig" TALOSCONFIG="$E2E_SECRETS/talosconfig"
cli() { (cd "$root" && npx ts-node --transpile-only tools/e2e/cli.ts "$@" "$E2E_STACK"); }
# Listed before any wait, so a failing or empty list fails the run instead of waiting for nothing.
releases="$(cli releases)"
kustomizations="$(cli kustomizations)"
[[ -n "$releases" && -n "$kustomizations" ]] || { echo "::error::no Helm releases or Flux Kustomizations to wait for"; exit 1; }

first_cp="${E2E_CONTROLPLANE_NODES%%,*}"
talosctl --nodes "$first_cp" --endpoints "$first_cp" health \
  --control-plane-nodes "$E2E_CONTROLPLANE_NODES" \
  ${E2E_WORKER_NODES:+--worker-nodes "$E2E_WORKER_NODES"} \
  --wait-timeout 15m

kubectl --namespace kube-system rollout status daemonset/cilium --timeout=10m
kubectl --namespace kube-system wait deployment --selector app.kubernetes.io/name=coredns --for=condition=Available --timeout=10m

# Helm's storage Secrets carry owner=helm, name=<release>, status=<status> labels
# (helm/helm pkg/storage/driver/secrets.go, newSecretsObject).
while read -r namespace release; do
  gate "Helm release $namespace/$release deployed" 600 10 \
    bash -c "kubectl --namespace '$namespace' get secret --selector 'owner=helm,name=$release,status=deployed' --output name | grep -q ."
done <<<"$releases"

kubectl --namespace flux-system wait fluxinstances.fluxcd.controlplane.io --all --for=condition=Ready --timeout=15m

# flux-operator renders sync.ref as the GitRepository's ref.name; source-controller records
# the fetched commit as <ref>@sha1:<commit> in status.artifact.revision.
gate "Flux fetched commit $E2E_COMMIT" 600 10 \
  bash -c "kubectl --namespace flux-system get gitrepository flux-system --output jsonpath='{.status.artifact.revision}' | grep -q '@sha1:$E2E_COMMIT\$'"

while read -r kustomization; do
  kubectl --namespace flux-system wait "kustomizations.kustomize.toolkit.fluxcd.io/$kustomization" --for=create --timeout=10m
  kubectl --namespace flux-system wait "kustomizations.kustomize.toolkit.fluxcd.io/$kustomization" --for=condition=Ready --timeout=15m
done <<<"$kustomizations"

echo "Not waited for (need a switched-off integration):"
cli skipped | sed 's/^/  /'
