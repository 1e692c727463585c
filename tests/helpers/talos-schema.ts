/**
 * Validates Talos config patches against the upstream machine-config schema of the
 * pinned Talos version (../shared/schemas/talos), one document at a time: the schema's
 * root is a oneOf over every document kind, so each document is checked against the
 * sub-schema of its own kind (v1alpha1.Config for the machine/cluster document).
 */
import * as fs from "fs";
import * as path from "path";
import type { ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parsePatch } from "../../components/talos/documents";
import { schemasRoot, versionedFile } from "./schemas";
import { PINS } from "./pins";

/** The schema of the Talos release Pulumi.yaml pins (or of an earlier patch of its minor). */
export const TALOS_SCHEMA_FILE = path.relative(
  schemasRoot(),
  versionedFile(path.join(schemasRoot(), "talos"), "config.schema.", PINS.talos, ".json") ?? path.join(schemasRoot(), "talos", `config.schema.${PINS.talos}.json`),
);

interface TalosSchema {
  readonly $id: string;
  readonly $defs: Record<string, { properties?: { kind?: { enum?: string[] } } }>;
  readonly oneOf: { $ref: string }[];
}

export function hasTalosSchema(): boolean {
  return fs.existsSync(path.join(schemasRoot(), TALOS_SCHEMA_FILE));
}

let loaded: { schema: TalosSchema; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

function talosSchema(): { schema: TalosSchema; ajv: Ajv2020 } {
  if (!loaded) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemasRoot(), TALOS_SCHEMA_FILE), "utf8")) as TalosSchema;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(schema);
    loaded = { schema, ajv };
  }
  return loaded;
}

/** Every document kind the schema knows, by its `$defs` name. */
export function schemaKinds(): Map<string, string> {
  const { schema } = talosSchema();
  const kinds = new Map<string, string>();
  for (const { $ref } of schema.oneOf) {
    const def = $ref.replace("#/$defs/", "");
    for (const kind of schema.$defs[def]?.properties?.kind?.enum ?? []) kinds.set(kind, def);
  }
  return kinds;
}

function validatorFor(kind: string): ValidateFunction | undefined {
  const def = kind === "v1alpha1" ? "v1alpha1.Config" : schemaKinds().get(kind);
  if (def === undefined) return undefined;
  let validate = validators.get(def);
  if (!validate) {
    const { schema, ajv } = talosSchema();
    validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
    if (!validate) throw new Error(`schema ${TALOS_SCHEMA_FILE} has no $defs/${def}`);
    validators.set(def, validate);
  }
  return validate;
}

/**
 * Every reason the schema rejects a document of `text`, as
 * `<file>: document <n> (<kind> <name>): <path> <message>`; empty when all validate.
 */
export function validatePatchText(text: string, file: string): string[] {
  const { documents, problems } = parsePatch(text);
  const errors = problems.map((p) => `${file}: ${p}`);
  for (const doc of documents) {
    const where = `${file}: document ${doc.index} (${doc.kind}${doc.name ? ` ${doc.name}` : ""})`;
    const validate = validatorFor(doc.kind);
    if (!validate) {
      errors.push(`${where}: kind is not in ${TALOS_SCHEMA_FILE}`);
      continue;
    }
    if (!validate(doc.body)) {
      for (const e of validate.errors ?? []) {
        errors.push(`${where}: ${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`);
      }
    }
  }
  return errors;
}
