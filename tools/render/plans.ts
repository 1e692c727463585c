/**
 * The node plans of a run of this project's program: the stack's config as the run saw it,
 * through the same pure plan the program calls, with the installer image the run exported.
 * A run of another program (the render test's fixture) has none.
 */
import { RunResult } from "../../harness";
import { CONFIG_NAMESPACE } from "../../stacks/errors";
import { nodePatchPlans, stackConfigFromValues } from "../../stacks/plans";
import type { NodePatchPlans } from "./talos";

/** The exported installer image, which the derived patch of every node names. */
export const INSTALLER_IMAGE_OUTPUT = "installerImage";

export function stackPlans(result: RunResult, projectRoot: string): NodePatchPlans | undefined {
  if (!Object.keys(result.config).some((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))) return undefined;
  const image = result.outputs[INSTALLER_IMAGE_OUTPUT]?.value;
  if (typeof image !== "string") return undefined;
  return nodePatchPlans(stackConfigFromValues(result.config), projectRoot, image);
}
