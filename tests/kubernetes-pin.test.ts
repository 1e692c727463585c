/**
 * One rule for a Kubernetes pin (lib/versions.ts kubernetesTagProblem), applied alike by
 * the stack schema (versions.kubernetes), tools/ci/tool-versions.ts (the kubectl
 * install-tools.sh downloads) and tools/e2e/plan.ts: a tag one reader took and another
 * refused would pass review and fail in a workflow.
 */
import { kubernetesTagProblem } from "../lib/versions";
import { e2ePlanAccepts, schemaAccepts, toolVersionsAccept } from "./helpers/pin-readers";
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

describe("a Kubernetes pin", () => {
  it.each(TAGS)("%j (accepted: %s): the rule, the schema, tool-versions and the e2e plan agree", (tag, accepted) => {
    expect(kubernetesTagProblem(tag) === undefined).toBe(accepted);
    expect({ schema: schemaAccepts("kubernetes", tag), toolVersions: toolVersionsAccept("kubernetes", tag), e2ePlan: e2ePlanAccepts("kubernetes", tag) }).toEqual({
      schema: accepted,
      toolVersions: accepted,
      e2ePlan: accepted,
    });
  });

  it("names the missing v rather than refusing the tag as unknown", () => {
    expect(kubernetesTagProblem(pin.slice(1))).toBe(`has no leading v: the release tags are v-prefixed (use ${pin})`);
  });
});
