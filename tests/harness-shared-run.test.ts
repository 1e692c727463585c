/** Shared mock runs: one run per distinct options within a file, frozen; stack formatting restored after a run. */
import * as path from "path";
import { MockSecret, runKey, runProgram, sharedRun } from "../harness";

const fixture = path.join(__dirname, "fixtures", "harness-project");

describe("runKey", () => {
  it("ignores key order and treats an empty config or env as none", () => {
    const a = runKey({ stack: "dev", config: { "ns:a": 1, "ns:b": { y: 2, x: 1 } } });
    const b = runKey({ config: { "ns:b": { x: 1, y: 2 }, "ns:a": 1 }, stack: "dev" });
    expect(a).toBe(b);
    expect(runKey({ stack: "dev", config: {}, env: {} })).toBe(runKey({ stack: "dev" }));
  });

  it("tells apart what makes a different run", () => {
    const keys = [
      runKey({ stack: "dev" }),
      runKey({ stack: "prod" }),
      runKey({ stack: "dev", preview: true }),
      // A value set to undefined removes it: not the same as leaving it alone.
      runKey({ stack: "dev", config: { "ns:a": undefined } }),
      runKey({ stack: "dev", env: { TOKEN: undefined } }),
      runKey({ stack: "dev", stackReferences: { peer: { outputs: { v: new MockSecret("x") } } } }),
      runKey({ stack: "dev", stackReferences: { peer: { outputs: { v: { value: "x" } } } } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("sharedRun", () => {
  it("runs once per distinct options and hands every caller the same frozen result", async () => {
    const first = await sharedRun({ stack: "dev", projectRoot: fixture });
    const again = await sharedRun({ projectRoot: fixture, stack: "dev", config: {} });
    expect(first.error).toBeUndefined();
    expect(again).toBe(first);
    expect(first.resources.length).toBeGreaterThan(1);
    expect(() => (first.resources as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (first.resources[1].inputs as Record<string, unknown>).planted = 1;
    }).toThrow(TypeError);
    const other = await sharedRun({ stack: "dev", projectRoot: fixture, config: { "harness-fixture:greeting": "bye" } });
    expect(other).not.toBe(first);
  });

  it("leaves runProgram's results fresh and mutable", async () => {
    const own = await runProgram({ stack: "dev", projectRoot: fixture });
    expect(own).not.toBe(await sharedRun({ stack: "dev", projectRoot: fixture }));
    expect(Object.isFrozen(own.resources)).toBe(false);
  });
});

describe("stack formatting during a run", () => {
  it("is the worker's own again once the run is over", async () => {
    const before = Error.prepareStackTrace;
    await runProgram({ stack: "dev", projectRoot: fixture });
    expect(Error.prepareStackTrace).toBe(before);
  });
});
