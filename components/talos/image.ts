/**
 * Image Factory: talos/schematic.yaml becomes a schematic, and the installer image of
 * the pinned Talos version comes from its ID.
 */
import * as pulumi from "@pulumi/pulumi";
import * as talos from "../../sdks/talos";
import { readSchematic, SCHEMATIC_FILE } from "./schematic";

export interface InstallerImage {
  readonly schematic: talos.imagefactory.Schematic;
  readonly schematicId: pulumi.Output<string>;
  /** e.g. factory.talos.dev/metal-installer/<id>:v1.13.9 */
  readonly installerImage: pulumi.Output<string>;
}

export function installerImage(projectRoot: string, talosVersion: string, parent: pulumi.Resource): InstallerImage {
  const { schematic: content, problems } = readSchematic(projectRoot);
  if (content === undefined) throw new Error(`${SCHEMATIC_FILE}: ${problems.join("; ")}`);
  const schematic = new talos.imagefactory.Schematic("schematic", { schematic: content }, { parent });
  const urls = talos.imagefactory.getUrlsOutput({ schematicId: schematic.id, talosVersion, platform: "metal" }, { parent });
  return { schematic, schematicId: schematic.id, installerImage: urls.urls.installer };
}
