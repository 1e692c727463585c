import * as utilities from "../utilities";
import { Kubeconfig } from "./kubeconfig";

export { Kubeconfig };
export type { KubeconfigArgs, KubeconfigState } from "./kubeconfig";
export { getHealth, getHealthOutput } from "./getHealth";
export type { GetHealthArgs, GetHealthOutputArgs, GetHealthResult } from "./getHealth";

utilities.registerResourceClasses({
    [Kubeconfig.__pulumiType]: Kubeconfig,
});
