#!/usr/bin/env bash
# A second `pulumi up` on the converged cluster must change nothing, and a preview after it
# must agree: the program is idempotent against a real engine, provider and cluster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
: "${E2E_STACK:?}" "${E2E_ARTIFACTS:?}" "${PULUMI_CONFIG_PASSPHRASE:?}"
export PULUMI_SKIP_UPDATE_CHECK=true
pulumi up --stack "$E2E_STACK" --yes --non-interactive --diff --expect-no-changes 2>&1 | tee "$E2E_ARTIFACTS/pulumi-up-again.log"
pulumi preview --stack "$E2E_STACK" --non-interactive --diff --expect-no-changes 2>&1 | tee "$E2E_ARTIFACTS/pulumi-preview.log"
