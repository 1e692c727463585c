/**
 * The cluster-settings fixtures (tests/fixtures/cluster-settings.<cluster>.yaml: the values
 * the running clusters' maps hold), completed with the one setting that is a version pin,
 * FLUX_OPERATOR_VERSION, read from its OCIRepository so no fixture repeats it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { readPins } from "./pins";

export function fixtureSettings(cluster: string, root: string = path.resolve(__dirname, "..", "..")): Record<string, string> {
  const raw = parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", `cluster-settings.${cluster}.yaml`), "utf8")) as Record<string, string>;
  const operator = readPins(root).charts["flux-operator"];
  if (operator === undefined) throw new Error("no OCIRepository pins the flux-operator chart");
  return { ...raw, FLUX_OPERATOR_VERSION: operator };
}
