/**
 * Image Factory: talos/schematic.yaml becomes a schematic, and the installer image of
 * the pinned Talos version comes from its ID. The ID is a content hash computed offline
 * (schematic-id.ts), so the image, and with it every node's machine config, is known at
 * every preview; at `up` the factory's answer must be that same ID.
 */
import * as pulumi from "@pulumi/pulumi";
import * as talos from "../../sdks/talos";
import { ProjectError } from "../../lib/problems";
import { readSchematic, SCHEMATIC_FILE } from "./schematic";

/** Image Factory named the schematic differently from the offline hash: nothing is applied with a guessed image. */
export class SchematicIdError extends ProjectError {
  constructor(computed: string, answered: string) {
    super(
      `Image Factory answered schematic ID ${answered} for ${SCHEMATIC_FILE}, but the program computed ${computed} ` +
        "(components/talos/schematic-id.ts) and every preview showed machine configs with that installer image. " +
        "No machine config was applied with either. Image Factory's canonical form differs from the one schematic-id.ts builds: bring it in line.",
    );
  }
}

export interface InstallerImage {
  readonly schematic: talos.imagefactory.Schematic;
  /** The offline ID; at `up`, resolves only once the factory answered the same. */
  readonly schematicId: pulumi.Output<string>;
  /** e.g. factory.talos.dev/metal-installer/<id>:v1.13.9, known at preview. */
  readonly installerImage: pulumi.Output<string>;
  /** The factory's answer, checked against the offline ID (unknown at a first preview; fails the run on a mismatch). */
  readonly checkedSchematicId: pulumi.Output<string>;
}

export function installerImage(projectRoot: string, talosVersion: string, parent: pulumi.Resource): InstallerImage {
  const { schematic: read, problems } = readSchematic(projectRoot);
  if (read === undefined) throw new Error(`${SCHEMATIC_FILE}: ${problems.join("; ")}`);
  const schematic = new talos.imagefactory.Schematic("schematic", { schematic: read.schematic }, { parent });
  const checkedSchematicId = schematic.id.apply((answered) => {
    if (answered !== read.id) throw new SchematicIdError(read.id, answered);
    return answered;
  });
  // At `up` the ID and image wait for the check, so no apply runs with an image the
  // factory does not serve; a preview shows the computed one, known before the schematic exists.
  const gated = pulumi.runtime.isDryRun() ? pulumi.output(read.id) : checkedSchematicId;
  const urls = talos.imagefactory.getUrlsOutput({ schematicId: gated, talosVersion, platform: "metal" }, { parent });
  return { schematic, schematicId: gated, installerImage: urls.urls.installer, checkedSchematicId };
}
