/** The pure helpers every layer shares (lib/): no Pulumi, no mock runtime. */
import { asRecord, isRecord } from "../lib/guards";
import { RunError } from "@pulumi/pulumi";
import { countProblems, formatProblems, ProjectError } from "../lib/problems";
import { compareVersions, exactTagProblem, formatVersion, isPrerelease, minorOf, parseVersion, readVersion, sameVersion } from "../lib/versions";
import { ConfigError } from "../stacks/errors";
import { MeshError } from "../components/clustermesh/peers";
import { Day2PreflightError } from "../components/talos/day2/plan";
import { Day2StepError } from "../components/talos/day2/runner";
import { PatchError } from "../components/talos/patches";
import { ManifestError } from "../bootstrap/manifests";
import { SubstitutionError } from "../bootstrap/substitute";
import { E2ePlanError } from "../tools/e2e/plan";

describe("guards", () => {
  it("a record is a non-null, non-list object", () => {
    expect([{}, { a: 1 }].every(isRecord)).toBe(true);
    expect([null, undefined, [], "x", 1, true].some(isRecord)).toBe(false);
    expect(asRecord([1])).toBeUndefined();
    expect(asRecord({ a: 1 })).toEqual({ a: 1 });
  });
});

describe("versions", () => {
  it("parses an exact version, with or without v, keeps the pre-release, and refuses anything else by name", () => {
    expect(parseVersion("v1.12.3")).toEqual({ major: 1, minor: 12, patch: 3 });
    expect(parseVersion("1.12.3-alpha.1")).toEqual({ major: 1, minor: 12, patch: 3, prerelease: ["alpha", 1] });
    expect(() => parseVersion("v1.12")).toThrow('"v1.12" is not a version such as v1.12.3');
    expect(() => parseVersion("v1.12.03")).toThrow("is not a version");
  });

  it("reads the leading version leniently: a missing patch is 0, no version is undefined", () => {
    expect(readVersion("1.34")).toEqual({ major: 1, minor: 34, patch: 0 });
    expect(readVersion("v1.13.9-beta")).toEqual({ major: 1, minor: 13, patch: 9, prerelease: ["beta"] });
    expect(readVersion("latest")).toBeUndefined();
  });

  it("orders and formats", () => {
    const [a, b] = [parseVersion("v1.9.9"), parseVersion("v1.10.0")];
    expect(compareVersions(a, b)).toBeLessThan(0);
    expect(compareVersions(b, a)).toBeGreaterThan(0);
    expect(formatVersion(a)).toBe("v1.9.9");
    expect(minorOf(b)).toBe("v1.10");
  });

  it("orders pre-releases before their release and by SemVer identifiers (rc.2 < rc.10)", () => {
    const rc1 = parseVersion("v1.14.0-rc.1");
    expect(compareVersions(rc1, parseVersion("v1.14.0"))).toBeLessThan(0);
    expect(compareVersions(rc1, parseVersion("v1.13.8"))).toBeGreaterThan(0);
    expect(compareVersions(parseVersion("v1.14.0-rc.2"), parseVersion("v1.14.0-rc.10"))).toBeLessThan(0);
    expect(compareVersions(parseVersion("v1.14.0-alpha.1"), parseVersion("v1.14.0-beta.0"))).toBeLessThan(0);
    expect(sameVersion(rc1, parseVersion("v1.14.0"))).toBe(false);
    expect(isPrerelease(rc1)).toBe(true);
    expect(formatVersion(rc1)).toBe("v1.14.0-rc.1");
  });

  it.each([
    ["v1.13.8", undefined],
    ["v1.14.0-rc.1", undefined],
    ["1.13.8", "no leading v"],
    ["v1.13", "is not a pinned version"],
    ["v1.13.x", "is not a pinned version"],
    ["vlatest", "is not a pinned version"],
    ["v1.13.9+build.1", "is not a pinned version"],
    ["v01.13.9", "is not a pinned version"],
  ])("exactTagProblem(%s)", (text, expected) => {
    const problem = exactTagProblem(text);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});

describe("problems and errors", () => {
  it("lists problems with their path, or alone when they have none", () => {
    expect(formatProblems("bad", [{ path: "k8s-gitops:nodes[0]", message: "x" }, { path: "", message: "y" }, "z"])).toBe(
      "bad:\n  - k8s-gitops:nodes[0]: x\n  - y\n  - z",
    );
    expect(countProblems([1])).toBe("1 problem");
    expect(countProblems([1, 2])).toBe("2 problems");
  });

  it.each([
    ["ConfigError", () => new ConfigError([{ path: "k8s-gitops:cluster.name", message: "is required" }]), "invalid stack config (1 problem):\n  - k8s-gitops:cluster.name: is required"],
    ["MeshError", () => new MeshError(["a", "b"]), "clustermesh checks failed (2 problems):\n  - a\n  - b"],
    ["Day2PreflightError", () => new Day2PreflightError(["a"]), "day-2 preflight refused the run:\n  - a"],
    ["Day2StepError", () => new Day2StepError("step failed"), "step failed"],
    ["PatchError", () => new PatchError("talos/x.yaml", ["a", "b"]), "talos/x.yaml: a; b"],
    ["ManifestError", () => new ManifestError("kubernetes/x.yaml", "bad"), "kubernetes/x.yaml: bad"],
    ["SubstitutionError", () => new SubstitutionError("f.yaml", ["X"], "unresolved X"), "unresolved X"],
    ["E2ePlanError", () => new E2ePlanError(["a"]), "the e2e stack config cannot drive `talosctl cluster create qemu`:\n  - a"],
  ] as const)("%s shares the base class, keeps its name and its message", (name, make, message) => {
    const error = make();
    expect(error).toBeInstanceOf(ProjectError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
  });
});

describe("a refusal as Pulumi reports it", () => {
  it("is a RunError, so the engine prints its message alone, and keeps its reason first through input serialization", () => {
    const error = new ProjectError("day-2 preflight refused the run:\n  - node 10.25.11.11 runs Talos v1.11.0");
    // What runtime/rpc.ts does once per resource input the failed value reaches.
    for (const key of ["environment", "environment", "triggers"]) error.message = `error serializing property "${key}": ${error.message}`;
    expect(RunError.isInstance(error)).toBe(true);
    expect(error.message.split("\n")[0]).toBe("day-2 preflight refused the run:");
    expect(error.message).not.toContain("error serializing property");
  });
});

