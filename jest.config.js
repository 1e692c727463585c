/**
 * Tests run the real program under Pulumi's mock runtime (see harness/) or call pure
 * functions. Three projects, so the fast ones run on their own (`npm run test:plans`):
 *   program    files that run the program under mocks (runProgram/sharedRun), directly or
 *              through a tests/helpers module;
 *   processes  files that start Node or bash processes themselves and wait on them: the
 *              day-2 runner against the fake talosctl, tools/*.ts under ts-node, ESLint's
 *              layer check, the schema fetcher, the e2e shell scripts and their gates;
 *   plans      everything else: plans, rules, loaders, schemas, workflow files.
 * A file is sorted by what its source calls, so a new test file lands in the right project.
 * (Short-lived helpers such as openssl, or the schema validator a helper runs, do not count.)
 */
const fs = require("fs");
const path = require("path");

const TESTS = path.join(__dirname, "tests");
const RUNS_PROGRAM = /\b(runProgram|sharedRun)\(/;
const STARTS_PROCESSES = /\bnew FakeCluster\(|ts-node\/(dist\/bin|register)|\b(spawnSync|spawn|execFile|execFileSync)\)?\((process\.execPath|"bash")/;

/** The file's source and the sources of the tests/helpers modules it imports. */
function sources(file, seen = new Set()) {
  if (seen.has(file) || !fs.existsSync(file)) return "";
  seen.add(file);
  const text = fs.readFileSync(file, "utf8");
  const helpers = [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]) + ".ts")
    .filter((f) => f.startsWith(path.join(TESTS, "helpers") + path.sep));
  return [text, ...helpers.map((h) => sources(h, seen))].join("\n");
}

const testFiles = fs
  .readdirSync(TESTS, { recursive: true })
  .filter((f) => f.endsWith(".test.ts") && !f.split(path.sep).includes("fixtures"));
const projectOf = (f) => {
  const file = path.join(TESTS, f);
  if (RUNS_PROGRAM.test(sources(file))) return "program";
  return STARTS_PROCESSES.test(fs.readFileSync(file, "utf8")) ? "processes" : "plans";
};
const match = (files) => files.map((f) => `<rootDir>/tests/${f.split(path.sep).join("/")}`);

const common = {
  // Hands the harness the real process (its rejection events).
  testEnvironment: "<rootDir>/tests/runner/environment.js",
  // Keeps the TypeScript compiler and Arborist, which Pulumi loads only to serialize
  // closures, out of every test file's module registry.
  resolver: "<rootDir>/tests/runner/resolver.js",
  roots: ["<rootDir>/tests"],
  // Transpile only (swc): type-checking is `npm run typecheck`, not the test run's job.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
};

module.exports = {
  // The mock runtime is process-global state: one test file per worker process.
  maxWorkers: 2,
  // Each test file leaves its module registry (Pulumi and the providers) behind in the
  // worker: the heap grew past 1 GB over the program files, slowing every later file's
  // garbage collection and the worker's exit. A worker above this is replaced between files.
  workerIdleMemoryLimit: "768MB",
  // How long a worker may take to exit once the run is over before jest kills it and warns
  // that it "failed to exit gracefully". The default, 500 ms, is below what workers with
  // these heaps take on a busy VM (one CI run in a dozen warned, and --detectOpenHandles
  // finds no open handle); jest made the delay configurable for exactly that
  // (jestjs/jest#15984, v30.4.0). A worker kept alive by a leaked handle still warns.
  workerGracefulExitTimeout: 5000,
  testTimeout: 120000,
  projects: ["plans", "processes", "program"].map((name) => ({
    ...common,
    displayName: name,
    testMatch: match(testFiles.filter((f) => projectOf(f) === name)),
  })),
};
