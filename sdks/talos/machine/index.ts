import * as utilities from "../utilities";
import { Bootstrap } from "./bootstrap";
import { ConfigurationApply } from "./configurationApply";
import { Secrets } from "./secrets";

export { Bootstrap, ConfigurationApply, Secrets };
export type { BootstrapArgs, BootstrapState } from "./bootstrap";
export type { ConfigurationApplyArgs, ConfigurationApplyState } from "./configurationApply";
export type { SecretsArgs, SecretsState } from "./secrets";
export { getConfiguration, getConfigurationOutput } from "./getConfiguration";
export type { GetConfigurationArgs, GetConfigurationOutputArgs, GetConfigurationResult } from "./getConfiguration";

utilities.registerResourceClasses({
    [Bootstrap.__pulumiType]: Bootstrap,
    [ConfigurationApply.__pulumiType]: ConfigurationApply,
    [Secrets.__pulumiType]: Secrets,
});
