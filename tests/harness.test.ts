/** The harness records what a program asks of the engine; checked on a small fixture program. */
import * as path from "path";
import { MockSecret, named, programResources, readProjectConfig, runProgram, applyOverrides, secretLeaks } from "../harness";

const fixture = path.join(__dirname, "fixtures", "harness-project");

describe("project config", () => {
  it("merges project-level and stack values like the CLI, namespaced by project", () => {
    const config = readProjectConfig(fixture, "dev");
    expect(config.project).toBe("harness-fixture");
    expect(config.values).toEqual({
      "harness-fixture:greeting": "hello",
      "harness-fixture:size": 3,
      "harness-fixture:nested": { list: ["a", "b"], leaf: "x" },
    });
  });

  it("applies whole-key, nested and removal overrides without touching the original", () => {
    const base = { "ns:a": { list: [1, 2, 3], leaf: "x" }, "ns:b": 1 };
    const out = applyOverrides(base, { "ns:a.list[1]": undefined, "ns:a.leaf": "y", "ns:b": undefined, "ns:c": { z: 1 } });
    expect(out).toEqual({ "ns:a": { list: [1, 3], leaf: "y" }, "ns:c": { z: 1 } });
    expect(base["ns:a"].list).toEqual([1, 2, 3]);
  });
});

describe("runProgram", () => {
  it("records resources with parents, providers, dependencies, options, invokes and output secrecy", async () => {
    const result = await runProgram({ stack: "dev", projectRoot: fixture });
    expect(result.error).toBeUndefined();

    const group = named(result, "test:index:Group", "group");
    const first = named(result, "test:index:Widget", "group-first");
    const second = named(result, "test:index:Widget", "second");
    expect(group.custom).toBe(false);
    expect(first.parent).toBe(group.urn);
    expect(first.inputs.secretInput).toEqual(new MockSecret("MOCK-SECRET-fixture"));

    expect(second.provider).toContain("pulumi:providers:test::fixture-provider::");
    expect(second.inputs).toMatchObject({ size: 3, nested: { list: ["a", "b"], leaf: "x" } });
    expect(second.propertyDependencies.fromFirst).toEqual([first.urn]);
    expect(second.dependencies).toContain(first.urn);
    expect(second.options).toMatchObject({ protect: true, ignoreChanges: ["size"], retainOnDelete: true });
    expect(first.options).toMatchObject({ protect: false, ignoreChanges: [], retainOnDelete: false });

    const lookup = result.invokes.find((i) => i.token === "test:index:lookup");
    expect(lookup?.inputs).toEqual({ key: "hello" });
    // The invoke waited for its dependsOn.
    expect(lookup && lookup.seq > second.seq).toBe(true);

    expect(result.outputs.plain).toEqual({ value: "second-id", secret: false });
    expect(result.outputs.hidden).toEqual({ value: "MOCK-SECRET-output", secret: true });
    expect(secretLeaks(result)).toEqual([]);
  });

  it("answers a first preview as the engine does: ids and computed outputs of created resources unknown, applies on them not run", async () => {
    const up = await runProgram({ stack: "dev", projectRoot: fixture });
    const first = await runProgram({ stack: "dev", projectRoot: fixture, firstPreview: true });
    expect(first.error).toBeUndefined();
    // The same graph is registered, with the same inputs where they were known.
    expect(first.resources.map((r) => `${r.type}::${r.name}`)).toEqual(up.resources.map((r) => `${r.type}::${r.name}`));
    expect(named(first, "test:index:Widget", "group-first").inputs.secretInput).toEqual(new MockSecret("MOCK-SECRET-fixture"));
    // `plain` is the id of a widget created in this run: known at up, unknown at a first preview.
    expect(up.outputs.plain?.value).toBe("second-id");
    expect(first.outputs.plain?.value).toEqual({ __pulumiUnknown: true });
    expect(named(up, "test:index:Widget", "second").id).toBe("second-id");
    expect(named(first, "test:index:Widget", "second").id).toBeUndefined();
    // An invoke that waits on a resource created in the run is not called at a first preview.
    expect(up.invokes.map((i) => i.token)).toContain("test:index:lookup");
    expect(first.invokes.map((i) => i.token)).not.toContain("test:index:lookup");
  });

  it("reports a failure inside an apply as the run's error", async () => {
    const result = await runProgram({ stack: "dev", projectRoot: fixture, env: { FIXTURE_FAIL_LATE: "1" } });
    expect(result.error?.message).toContain("late failure inside an apply");
    expect(process.env.FIXTURE_FAIL_LATE).toBeUndefined();
  });

  it("finds a secret that leaks into a plain input", async () => {
    const result = await runProgram({ stack: "dev", projectRoot: fixture });
    const leaky = { ...result, resources: [...programResources(result), { ...programResources(result)[0], inputs: { x: "a MOCK-SECRET-fixture b" } }] };
    expect(secretLeaks(leaky)).toEqual(["test:index:Group::group inputs.x"]);
  });
});
