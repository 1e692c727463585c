/**
 * One rule for a Talos pin (lib/versions.ts talosTagProblem), and every reader of the pin
 * applies it alike: the stack schema (versions.talos), tools/ci/tool-versions.ts (the
 * TALOS_VERSION install-tools.sh downloads) and tools/e2e/plan.ts (`talosctl cluster create
 * qemu`). A tag one of them takes and another refuses would pass review and fail later.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, PROJECT_ROOT, readProjectConfig } from "../harness";
import { talosTagProblem } from "../lib/versions";
import { stackConfigSchema } from "../stacks/schema";
import { ToolVersionsError, toolVersions } from "../tools/ci/tool-versions";
import { clusterPlan, E2ePlanError } from "../tools/e2e/plan";
import { PINS } from "./helpers/pins";

const pin = PINS.talos;
const [major, minor] = pin.slice(1).split(".");
const next = `v${major}.${Number(minor) + 1}.0`;

/** [tag, accepted]: derived from the pinned version, so a bump keeps the table meaningful. */
const TAGS: [string, boolean][] = [
  [pin, true],
  [`${next}-alpha.0`, true],
  [`${next}-beta.1`, true],
  [`${next}-rc.2`, true],
  [pin.slice(1), false], // no leading v
  [`v${major}.${minor}`, false], // a bare minor
  ["latest", false],
  [`${pin}+build.1`, false], // build metadata: no Talos tag has it
  [`${next}-beta`, false], // a pre-release without its number
  [`${next}-beta.01`, false], // a leading zero (SemVer refuses it)
  [`${next}-preview.1`, false], // a pre-release kind Talos does not tag nor Image Factory serve
  [`${next}-rc.1.1`, false],
  [`${pin}-dirty`, false],
  [`${pin}/../..`, false], // the pin becomes part of a URL: nothing may follow it
  [`${pin}\n`, false],
  ["", false],
];

function schemaAccepts(tag: string): boolean {
  const versions = readProjectConfig(PROJECT_ROOT, "infra").values["k8s-gitops:versions"] as Record<string, unknown>;
  return stackConfigSchema.shape.versions.safeParse({ ...versions, talos: tag }).success;
}

function toolVersionsAccept(tag: string): boolean {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "talos-pin-"));
  try {
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), `name: demo\nconfig:\n  versions:\n    value:\n      talos: ${JSON.stringify(tag)}\n      kubernetes: ${JSON.stringify(PINS.kubernetes)}\n`);
    fs.writeFileSync(path.join(root, "Pulumi.one.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(root, ".pulumi.version"), `${PINS.pulumiCli}\n`);
    fs.mkdirSync(path.join(root, "tools", "e2e"), { recursive: true });
    fs.writeFileSync(path.join(root, "tools", "e2e", "versions.env"), `FLUX_CLI_VERSION=${PINS.e2eTools.FLUX_CLI_VERSION}\n`);
    try {
      return toolVersions(root, "one").TALOS_VERSION === tag;
    } catch (error) {
      if (!(error instanceof ToolVersionsError)) throw error;
      // Only the Talos pin is in question: nothing else may be what refused.
      expect(error.problems).toEqual([expect.stringMatching(/^demo:versions\.talos \(stack one\) /)]);
      return false;
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function e2ePlanAccepts(tag: string): boolean {
  const values = applyOverrides(readProjectConfig(PROJECT_ROOT, "e2e").values, { "k8s-gitops:versions.talos": tag });
  try {
    return clusterPlan(values).talosVersion === tag;
  } catch (error) {
    if (!(error instanceof E2ePlanError)) throw error;
    expect(error.problems).toEqual([expect.stringMatching(/^k8s-gitops:versions\.talos /)]);
    return false;
  }
}

describe("a Talos pin", () => {
  it.each(TAGS)("%j (accepted: %s): the rule, the schema, tool-versions and the e2e plan agree", (tag, accepted) => {
    expect(talosTagProblem(tag) === undefined).toBe(accepted);
    expect({ schema: schemaAccepts(tag), toolVersions: toolVersionsAccept(tag), e2ePlan: e2ePlanAccepts(tag) }).toEqual({ schema: accepted, toolVersions: accepted, e2ePlan: accepted });
  });

  it("says what is wrong: the v, an unpinned version, or a pre-release Talos does not tag", () => {
    expect(talosTagProblem(pin.slice(1))).toContain("has no leading v");
    expect(talosTagProblem("latest")).toContain("is not a pinned version");
    expect(talosTagProblem(`${next}-preview.1`)).toContain("is not a Talos release tag");
  });
});
