/**
 * One rule for a Talos pin (lib/versions.ts talosTagProblem), and every reader of the pin
 * applies it alike: the stack schema (versions.talos), tools/ci/tool-versions.ts (the
 * TALOS_VERSION install-tools.sh downloads) and tools/e2e/plan.ts (`talosctl cluster create
 * qemu`). A tag one of them takes and another refuses would pass review and fail later.
 */
import { talosTagProblem } from "../lib/versions";
import { e2ePlanAccepts, schemaAccepts, toolVersionsAccept } from "./helpers/pin-readers";
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

describe("a Talos pin", () => {
  it.each(TAGS)("%j (accepted: %s): the rule, the schema, tool-versions and the e2e plan agree", (tag, accepted) => {
    expect(talosTagProblem(tag) === undefined).toBe(accepted);
    expect({ schema: schemaAccepts("talos", tag), toolVersions: toolVersionsAccept("talos", tag), e2ePlan: e2ePlanAccepts("talos", tag) }).toEqual({ schema: accepted, toolVersions: accepted, e2ePlan: accepted });
  });

  it("says what is wrong: the v, an unpinned version, or a pre-release Talos does not tag", () => {
    expect(talosTagProblem(pin.slice(1))).toContain("has no leading v");
    expect(talosTagProblem("latest")).toContain("is not a pinned version");
    expect(talosTagProblem(`${next}-preview.1`)).toContain("is not a Talos release tag");
  });
});
