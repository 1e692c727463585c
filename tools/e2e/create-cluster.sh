#!/usr/bin/env bash
# Boots the e2e stack's nodes as QEMU VMs in Talos maintenance mode, as bare-metal nodes
# wait for their first config: `talosctl cluster create qemu --presets disk-image,maintenance`
# boots the Image Factory disk image of talos/schematic.yaml at E2E_TALOS_INITIAL, the patch
# release before the pinned Talos (tools/e2e/talos-versions.ts; the last day-2 phase upgrades
# to the pin), and applies no config (siderolabs/talos v1.13.9 cmd/talosctl/cmd/mgmt/cluster/create/
# clusterops/configmaker/preset/maintenance_preset.go). The Docker provisioner cannot do
# this: `cluster create docker` always injects talosctl's own config and PKI and
# bootstraps (create_docker.go, makers/docker.go), leaving nothing for the program to do.
# The disk image carries Talos's META partition, so the node counts itself installed and the
# first apply does not run the installer (v1.13.9 internal/app/machined/pkg/runtime/
# v1alpha1/v1alpha1_state.go MachineState.Installed, v1alpha1_sequencer.go): the config's
# install disk is not exercised here, its install image only on upgrades.
# Then gates, per node, on the maintenance API answering at the address the config names.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/e2e/lib.sh
source "$here/lib.sh"
: "${E2E_CLUSTER:?}" "${E2E_STATE_DIR:?}" "${E2E_TALOS_INITIAL:?}" "${E2E_CIDR:?}" "${E2E_CONTROLPLANES:?}" "${E2E_WORKERS:?}" "${E2E_NODES:?}"

if [[ ! -e /dev/kvm ]]; then
  echo "::error title=no KVM::this runner has no /dev/kvm; the QEMU provisioner needs hardware virtualisation"
  exit 1
fi

# The schematic's id, as the program computes it (components/talos/image.ts): Image Factory
# answers POST /schematics with the id of exactly this document.
schematic_id="$(curl --fail --silent --show-error --retry 3 --data-binary "@$root/talos/schematic.yaml" https://factory.talos.dev/schematics | jq -r .id)"
[[ "$schematic_id" =~ ^[0-9a-f]{64}$ ]] || { echo "::error::Image Factory returned no schematic id"; exit 1; }
echo "schematic: $schematic_id"

# With the maintenance preset talosctl still generates configs (its own PKI, never used)
# and writes them to the working directory and a talosconfig: keep them with the other
# credentials, outside the workspace and the artifacts.
mkdir -p "${E2E_SECRETS:?}/talosctl-unused"
chmod 700 "$E2E_SECRETS"
cd "$E2E_SECRETS/talosctl-unused"

# Root: the provisioner creates the bridge, CNI networking and the DHCP server for the VMs.
# Sized for three control planes on a public-repository ubuntu-24.04 runner (4 CPUs, 16 GB
# RAM, 14 GB SSD: docs.github.com, "Supported runners and hardware resources"): 4 GiB each
# leaves the runner its own memory; the disks are sparse images.
sudo --preserve-env=PATH "$(command -v talosctl)" cluster create qemu \
  --talosconfig-destination "$E2E_SECRETS/talosctl-unused/talosconfig" \
  --name "$E2E_CLUSTER" \
  --state "$E2E_STATE_DIR" \
  --talos-version "$E2E_TALOS_INITIAL" \
  --schematic-id "$schematic_id" \
  --presets disk-image,maintenance \
  --cidr "$E2E_CIDR" \
  --controlplanes "$E2E_CONTROLPLANES" \
  --workers "$E2E_WORKERS" \
  --cpus-controlplanes "${E2E_CPUS:-2}" \
  --memory-controlplanes "${E2E_MEMORY:-4GiB}" \
  --cpus-workers "${E2E_CPUS:-2}" \
  --memory-workers "${E2E_MEMORY:-4GiB}" \
  --disks "virtio:${E2E_DISK:-12GiB}"

# A node in maintenance mode serves its insecure API; `get disks` is one of the resources
# it answers there. Reached at the configured address = the VM got the address the stack
# config names.
IFS=, read -r -a nodes <<<"$E2E_NODES"
for node in "${nodes[@]}"; do
  gate "node $node answers in maintenance mode" 600 5 talosctl --nodes "$node" --endpoints "$node" get disks --insecure
done
