/**
 * The Talos releases of the end-to-end run, derived from the one pin (versions.talos of the
 * stack): the VMs boot and the first `up` installs the previous patch release of the pinned
 * minor, and the last day-2 phase upgrades them to the pin. Pure: no I/O, no Pulumi.
 *
 * Talos publishes every patch of a minor in sequence (siderolabs/talos tags v1.13.0 ..
 * v1.13.9, each a GitHub release), and Image Factory serves every release tag, so the
 * previous patch of a release `vX.Y.Z` (Z > 0) is `vX.Y.(Z-1)`.
 */
import { formatVersion, isPrerelease, parseVersion } from "../../lib/versions";
import { ProjectError } from "../../lib/problems";

export class E2eVersionError extends ProjectError {}

/** `vX.Y.(Z-1)` of the pinned `vX.Y.Z`; refuses a `.0` release or a pre-release, which have no previous patch of their minor. */
export function previousPatch(pin: string, where = "k8s-gitops:versions.talos"): string {
  let version;
  try {
    version = parseVersion(pin);
  } catch {
    throw new E2eVersionError(`${where} is ${pin || "empty"}: not a release such as vX.Y.Z, so the e2e run cannot derive the patch release before it`);
  }
  if (isPrerelease(version)) {
    throw new E2eVersionError(`${where} is ${pin}, a pre-release: the e2e patch-upgrade phase needs a release pin to step back from`);
  }
  if (version.patch === 0) {
    throw new E2eVersionError(
      `${where} is ${pin}, the first release of its minor: there is no previous patch release to install first, so the e2e patch-upgrade phase cannot run (pin a later patch, or wait for one)`,
    );
  }
  return formatVersion({ major: version.major, minor: version.minor, patch: version.patch - 1 });
}
