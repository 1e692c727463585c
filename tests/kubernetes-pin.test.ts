/**
 * One rule for a Kubernetes pin (lib/versions.ts kubernetesTagProblem), applied alike by
 * the stack schema (versions.kubernetes), tools/ci/tool-versions.ts (the kubectl
 * install-tools.sh downloads) and tools/e2e/plan.ts: a tag one reader took and another
 * refused would pass review and fail in a workflow.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, PROJECT_ROOT, readProjectConfig } from "../harness";
import { kubernetesTagProblem } from "../lib/versions";
import { stackConfigSchema } from "../stacks/schema";
import { ToolVersionsError, toolVersions } from "../tools/ci/tool-versions";
import { clusterPlan, E2ePlanError } from "../tools/e2e/plan";
import { PINS } from "./helpers/pins";

const pin = PINS.kubernetes;
const [major, minor] = pin.slice(1).split(".");
const next = `v${major}.${Number(minor) + 1}.0`;

/** [tag, accepted], derived from the pin so that a bump keeps the table meaningful. */
const TAGS: [string, boolean][] = [
  [pin, true],
  [next, true],
  [pin.slice(1), false], // no leading v
  [`${next}-rc.0`, false], // pre-releases are not pinned
  [`${next}-alpha.1`, false],
  [`v${major}.${minor}`, false], // a bare minor
  [`^${pin.slice(1)}`, false], // a range
  [`${pin}+build.1`, false],
  [`${pin}/../..`, false], // part of a URL: nothing may follow it
  ["latest", false],
  ["", false],
];

function schemaAccepts(tag: string): boolean {
  const versions = readProjectConfig(PROJECT_ROOT, "infra").values["k8s-gitops:versions"] as Record<string, unknown>;
  return stackConfigSchema.shape.versions.safeParse({ ...versions, kubernetes: tag }).success;
}

function toolVersionsAccept(tag: string): boolean {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubernetes-pin-"));
  try {
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), `name: demo\nconfig:\n  versions:\n    value:\n      talos: ${JSON.stringify(PINS.talos)}\n      kubernetes: ${JSON.stringify(tag)}\n`);
    fs.writeFileSync(path.join(root, "Pulumi.one.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(root, ".pulumi.version"), `${PINS.pulumiCli}\n`);
    fs.mkdirSync(path.join(root, "tools", "e2e"), { recursive: true });
    fs.writeFileSync(path.join(root, "tools", "e2e", "versions.env"), `FLUX_CLI_VERSION=${PINS.e2eTools.FLUX_CLI_VERSION}\n`);
    try {
      return toolVersions(root, "one").KUBERNETES_VERSION === tag;
    } catch (error) {
      if (!(error instanceof ToolVersionsError)) throw error;
      expect(error.problems).toEqual([expect.stringMatching(/^demo:versions\.kubernetes \(stack one\) /)]);
      return false;
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function e2ePlanAccepts(tag: string): boolean {
  const values = applyOverrides(readProjectConfig(PROJECT_ROOT, "e2e").values, { "k8s-gitops:versions.kubernetes": tag });
  try {
    return clusterPlan(values).kubernetesVersion === tag;
  } catch (error) {
    if (!(error instanceof E2ePlanError)) throw error;
    expect(error.problems).toEqual([expect.stringMatching(/^k8s-gitops:versions\.kubernetes /)]);
    return false;
  }
}

describe("a Kubernetes pin", () => {
  it.each(TAGS)("%j (accepted: %s): the rule, the schema, tool-versions and the e2e plan agree", (tag, accepted) => {
    expect(kubernetesTagProblem(tag) === undefined).toBe(accepted);
    expect(schemaAccepts(tag)).toBe(accepted);
    expect(toolVersionsAccept(tag)).toBe(accepted);
    expect(e2ePlanAccepts(tag)).toBe(accepted);
  });

  it("names the missing v rather than refusing the tag as unknown", () => {
    expect(kubernetesTagProblem(pin.slice(1))).toBe(`has no leading v: the release tags are v-prefixed (use ${pin})`);
  });
});
