/**
 * talos/schematic.yaml, the Image Factory schematic: read, check, canonicalise and name by
 * its ID (no resources here, so the config check can use it).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { isRecord } from "../../lib/guards";
import { canonicalSchematic, plainScalarProblem, Schematic, schematicId } from "./schematic-id";

export const SCHEMATIC_FILE = path.join("talos", "schematic.yaml");

/** A usable schematic: what is posted to Image Factory, and the ID it answers with. */
export interface ReadSchematic {
  /** Image Factory's canonical form (comments and layout dropped, so editing a comment changes nothing). */
  readonly schematic: string;
  readonly id: string;
}

// Fields Image Factory accepts that the offline ID does not model (their encoding needs
// YAML quoting or block scalars, or they need an Enterprise factory).
const UNSUPPORTED = new Set(["owner", "overlay.options", "customization.embeddedMachineConfiguration", "customization.bootloader"]);
const KNOWN: Record<string, readonly string[]> = {
  "": ["owner", "overlay", "customization"],
  overlay: ["image", "name", "options"],
  customization: ["embeddedMachineConfiguration", "extraKernelArgs", "meta", "systemExtensions", "bootloader", "secureboot", "diskImage"],
  "customization.systemExtensions": ["officialExtensions"],
  "customization.secureboot": ["enrollKeys", "includeWellKnownCertificates"],
  "customization.diskImage": ["sectorSize"],
};

/** Reads the schematic into Image Factory's model, every problem with its YAML path. */
class SchematicReader {
  readonly problems: string[] = [];

  /** The mapping at `at`, its unknown and unsupported keys reported. */
  mapping(value: unknown, at: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.problems.push(`${at || "the document"} must be a mapping`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      const child = at ? `${at}.${key}` : key;
      if (!(KNOWN[at] ?? []).includes(key)) this.problems.push(`${child} is not a field of an Image Factory schematic`);
      else if (UNSUPPORTED.has(child)) this.problems.push(`${child} is not supported: the offline schematic ID (components/talos/schematic-id.ts) does not model it`);
    }
    return value;
  }

  string(value: unknown, at: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string") {
      this.problems.push(`${at} must be a string`);
      return undefined;
    }
    const problem = plainScalarProblem(value);
    if (problem) this.problems.push(`${at} ${JSON.stringify(value)} ${problem}: YAML would quote it, and its Image Factory ID then cannot be computed offline`);
    return value;
  }

  strings(value: unknown, at: string): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.problems.push(`${at} must be a list of strings`);
      return undefined;
    }
    return value.map((v, i) => this.string(v, `${at}[${i}]`) ?? "");
  }

  integer(value: unknown, at: string, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
      this.problems.push(`${at} must be an integer from 0 to ${max}`);
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, at: string): boolean | undefined {
    if (value === undefined || typeof value === "boolean") return value;
    this.problems.push(`${at} must be true or false`);
    return undefined;
  }

  read(body: unknown): Schematic {
    const root = this.mapping(body, "") ?? {};
    const overlay = this.mapping(root.overlay, "overlay");
    const c = this.mapping(root.customization, "customization") ?? {};
    const extensions = this.mapping(c.systemExtensions, "customization.systemExtensions");
    const secureboot = this.mapping(c.secureboot, "customization.secureboot");
    const diskImage = this.mapping(c.diskImage, "customization.diskImage");
    let meta: { key: number; value: string }[] | undefined;
    if (Array.isArray(c.meta)) {
      meta = c.meta.map((m: unknown, i) => {
        const at = `customization.meta[${i}]`;
        const item = isRecord(m) ? m : {};
        if (!isRecord(m)) this.problems.push(`${at} must be a mapping of key and value`);
        for (const key of Object.keys(item)) if (key !== "key" && key !== "value") this.problems.push(`${at}.${key} is not a field of a META value`);
        return { key: this.integer(item.key, `${at}.key`, 255) ?? 0, value: this.string(item.value, `${at}.value`) ?? "" };
      });
    } else if (c.meta !== undefined && c.meta !== null) this.problems.push("customization.meta must be a list");
    if (overlay && (typeof overlay.image !== "string" || typeof overlay.name !== "string")) {
      this.problems.push("overlay needs both image and name");
    }
    return {
      overlay: overlay ? { image: this.string(overlay.image, "overlay.image") ?? "", name: this.string(overlay.name, "overlay.name") ?? "" } : undefined,
      customization: {
        extraKernelArgs: this.strings(c.extraKernelArgs, "customization.extraKernelArgs"),
        meta,
        systemExtensions: { officialExtensions: this.strings(extensions?.officialExtensions, "customization.systemExtensions.officialExtensions") },
        secureboot: {
          enrollKeys: this.string(secureboot?.enrollKeys, "customization.secureboot.enrollKeys"),
          includeWellKnownCertificates: this.boolean(secureboot?.includeWellKnownCertificates, "customization.secureboot.includeWellKnownCertificates"),
        },
        diskImage: { sectorSize: this.integer(diskImage?.sectorSize, "customization.diskImage.sectorSize", 2 ** 32 - 1) },
      },
    };
  }
}

/** The schematic of a YAML text, or the reasons it cannot be used. */
export function parseSchematic(text: string): { schematic?: ReadSchematic; problems: string[] } {
  let body: unknown;
  try {
    body = parse(text);
  } catch (err) {
    return { problems: [`invalid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`] };
  }
  if (!isRecord(body)) return { problems: ["must be a mapping (overlay, customization)"] };
  const reader = new SchematicReader();
  const model = reader.read(body);
  if (reader.problems.length > 0) return { problems: reader.problems };
  return { schematic: { schematic: canonicalSchematic(model), id: schematicId(model) }, problems: [] };
}

/** talos/schematic.yaml of the project, or the reasons it cannot be used. */
export function readSchematic(projectRoot: string): { schematic?: ReadSchematic; problems: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(projectRoot, SCHEMATIC_FILE), "utf8");
  } catch (err) {
    return { problems: [`cannot be read: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return parseSchematic(text);
}

/** `talos/schematic.yaml: reason` for every problem; empty when usable. */
export function checkSchematic(projectRoot: string): string[] {
  return readSchematic(projectRoot).problems.map((reason) => `${SCHEMATIC_FILE}: ${reason}`);
}
