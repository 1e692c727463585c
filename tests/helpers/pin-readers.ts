/**
 * The three readers of a version pin, each asked whether it takes `tag` as that pin: the
 * stack schema (versions.<pin>), tools/ci/tool-versions.ts and tools/e2e/plan.ts. A refusal
 * must name that pin and nothing else, so only the pin under test can be what refused.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, PROJECT_ROOT, readProjectConfig } from "../../harness";
import { stackConfigSchema } from "../../stacks/schema";
import { ToolVersionsError, toolVersions } from "../../tools/ci/tool-versions";
import { clusterPlan, E2ePlanError } from "../../tools/e2e/plan";
import { PINS } from "./pins";

export type PinName = "talos" | "kubernetes";

export function schemaAccepts(pin: PinName, tag: string): boolean {
  const versions = readProjectConfig(PROJECT_ROOT, "infra").values["k8s-gitops:versions"] as Record<string, unknown>;
  return stackConfigSchema.shape.versions.safeParse({ ...versions, [pin]: tag }).success;
}

export function toolVersionsAccept(pin: PinName, tag: string): boolean {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${pin}-pin-`));
  const versions = { talos: PINS.talos, kubernetes: PINS.kubernetes, [pin]: tag };
  try {
    fs.writeFileSync(
      path.join(root, "Pulumi.yaml"),
      `name: demo\nconfig:\n  versions:\n    value:\n      talos: ${JSON.stringify(versions.talos)}\n      kubernetes: ${JSON.stringify(versions.kubernetes)}\n`,
    );
    fs.writeFileSync(path.join(root, "Pulumi.one.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(root, ".pulumi.version"), `${PINS.pulumiCli}\n`);
    fs.mkdirSync(path.join(root, "tools", "e2e"), { recursive: true });
    fs.writeFileSync(path.join(root, "tools", "e2e", "versions.env"), `FLUX_CLI_VERSION=${PINS.e2eTools.FLUX_CLI_VERSION}\n`);
    try {
      const read = toolVersions(root, "one");
      return (pin === "talos" ? read.TALOS_VERSION : read.KUBERNETES_VERSION) === tag;
    } catch (error) {
      if (!(error instanceof ToolVersionsError)) throw error;
      expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^demo:versions\\.${pin} \\(stack one\\) `))]);
      return false;
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export function e2ePlanAccepts(pin: PinName, tag: string): boolean {
  const values = applyOverrides(readProjectConfig(PROJECT_ROOT, "e2e").values, { [`k8s-gitops:versions.${pin}`]: tag });
  try {
    const plan = clusterPlan(values);
    return (pin === "talos" ? plan.talosVersion : plan.kubernetesVersion) === tag;
  } catch (error) {
    if (!(error instanceof E2ePlanError)) throw error;
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^k8s-gitops:versions\\.${pin} `))]);
    return false;
  }
}
