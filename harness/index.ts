export * from "./run";
export * from "./queries";
export * from "./values";
export { MockWorld, MOCK_SECRET_MARKER, TALOS_PKI_FIELDS } from "./mocks";
export type { MockWorldOptions, StackReferenceState } from "./mocks";
export { readProjectConfig, stackNames, deployedStacks, applyOverrides } from "./project-config";
export { sharedRun, runKey } from "./shared-run";
