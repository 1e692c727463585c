/**
 * jest.config.js sorts every test file into one project by what it calls: `program` (runs
 * the program under mocks), `processes` (starts Node or bash processes), `plans` (neither).
 * `npm run test:plans` is only fast while that sorting holds.
 */
import * as fs from "fs";
import * as path from "path";

interface Project {
  readonly displayName: string;
  readonly testMatch: readonly string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require("../jest.config.js") as { projects: readonly Project[] };

const filesOf = (name: string) =>
  (config.projects.find((p) => p.displayName === name)?.testMatch ?? []).map((m) => m.replace("<rootDir>/tests/", ""));
const testFiles = fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.ts"));
const source = (file: string) => fs.readFileSync(path.join(__dirname, file), "utf8");

describe("jest projects", () => {
  it("hold every test file exactly once", () => {
    const sorted = ["program", "processes", "plans"].flatMap(filesOf);
    expect([...sorted].sort()).toEqual([...testFiles].sort());
    expect(new Set(sorted).size).toBe(sorted.length);
  });

  it("keep plans free of mock runs and of processes the test waits on", () => {
    expect(filesOf("plans").length).toBeGreaterThan(0);
    for (const file of filesOf("plans")) {
      const text = source(file);
      expect({ file, runsProgram: /\b(runProgram|sharedRun)\(/.test(text) }).toEqual({ file, runsProgram: false });
      // A plan test may shell out to openssl for a fixture, and to nothing else.
      const commands = [...text.matchAll(/\b(?:spawnSync|spawn|execFile|execFileSync|execSync)\)?\(\s*([^,)]+)/g)].map((m) => m[1]);
      expect({ file, commands: commands.filter((c) => c !== '"openssl"') }).toEqual({ file, commands: [] });
      expect({ file, fakeCluster: /\bnew FakeCluster\(/.test(text) }).toEqual({ file, fakeCluster: false });
    }
  });

  it("sort the files that run the program or start processes where they belong", () => {
    expect(filesOf("program")).toEqual(expect.arrayContaining(["render.test.ts", "config.test.ts"]));
    expect(filesOf("processes")).toEqual(expect.arrayContaining(["day2-runner.test.ts", "layers.test.ts", "schema-fetch.test.ts", "install-tools.test.ts"]));
  });
});
