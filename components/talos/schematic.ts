/**
 * talos/schematic.yaml, the Image Factory schematic: read, check and canonicalise (no
 * resources here, so the config check can use it).
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isRecord } from "../../lib/guards";

export const SCHEMATIC_FILE = path.join("talos", "schematic.yaml");

function isStringList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every((v) => typeof v === "string"));
}

/**
 * The schematic as canonical YAML (comments and layout dropped, so editing a comment
 * does not touch the resource), or the reasons it cannot be used.
 */
export function readSchematic(projectRoot: string): { schematic?: string; problems: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(projectRoot, SCHEMATIC_FILE), "utf8");
  } catch (err) {
    return { problems: [`cannot be read: ${err instanceof Error ? err.message : String(err)}`] };
  }
  let body: unknown;
  try {
    body = parse(text);
  } catch (err) {
    return { problems: [`invalid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`] };
  }
  if (!isRecord(body) || !isRecord(body.customization)) return { problems: ["has no customization mapping"] };
  const { customization } = body;
  const extensions = isRecord(customization.systemExtensions) ? customization.systemExtensions.officialExtensions : undefined;
  const problems = [
    ...(isStringList(customization.extraKernelArgs) ? [] : ["customization.extraKernelArgs must be a list of strings"]),
    ...(isStringList(extensions) ? [] : ["customization.systemExtensions.officialExtensions must be a list of strings"]),
  ];
  return problems.length > 0 ? { problems } : { schematic: stringify(body), problems };
}

/** `talos/schematic.yaml: reason` for every problem; empty when usable. */
export function checkSchematic(projectRoot: string): string[] {
  return readSchematic(projectRoot).problems.map((reason) => `${SCHEMATIC_FILE}: ${reason}`);
}
