import * as utilities from "../utilities";
import { Schematic } from "./schematic";

export { Schematic };
export type { SchematicArgs, SchematicState } from "./schematic";
export { getUrls, getUrlsOutput } from "./getUrls";
export type { GetUrlsArgs, GetUrlsOutputArgs, GetUrlsResult } from "./getUrls";

utilities.registerResourceClasses({
    [Schematic.__pulumiType]: Schematic,
});
