/** Tests run the real program under Pulumi's mock runtime; see harness/. */
module.exports = {
  testEnvironment: "<rootDir>/tests/environment.js",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // The mock runtime is process-global state: one test file per worker process.
  maxWorkers: 2,
  testTimeout: 120000,
  // Transpile only (swc): type-checking is `npm run typecheck`, not the test run's job.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
};
