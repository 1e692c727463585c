// Jest gives each test file its own `process` object, and jest-circus takes over the
// real process's unhandledRejection listeners while tests run. The harness must hear a
// failure inside an `apply` (`pulumi up` reports those as the run's error), so it is
// handed the real process to listen on for the duration of a run.
const { TestEnvironment } = require("jest-environment-node");

class PulumiMockEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.global.__hostProcess = process;
  }
}

module.exports = PulumiMockEnvironment;
