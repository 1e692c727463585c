export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
export type { GetConfigurationArgs, GetConfigurationOutputArgs, GetConfigurationResult } from "./getConfiguration";
