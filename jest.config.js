/** Tests run the real program under Pulumi's mock runtime; see harness/. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "<rootDir>/tests/environment.js",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // The mock runtime is process-global state: one test file per worker process.
  maxWorkers: 2,
  testTimeout: 120000,
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
};
