/**
 * The Image Factory schematic ID, computed offline. Pure: no Pulumi import.
 *
 * Image Factory (siderolabs/image-factory pkg/schematic) parses a posted schematic into its
 * Go struct and names it by the SHA-256 of that struct re-marshalled with its YAML library
 * (`yaml.Marshal`: 4-space indent, sequences indented under their key, struct field order,
 * `omitempty` fields left out, an empty `customization` written `{}`). The same bytes, built
 * here, give the same ID, so the installer image is known before the factory is asked.
 *
 * Only what marshals without YAML quoting is modelled: a string that YAML would quote is
 * quoted differently by the library versions Image Factory has used, so its ID cannot be
 * known offline. `plainScalarProblem` says which strings those are; the schematic reader
 * refuses them.
 */
import { createHash } from "crypto";

/** The parts of Image Factory's schematic this program supports, in the factory's field order. */
export interface Schematic {
  readonly overlay?: { readonly image: string; readonly name: string };
  readonly customization: {
    readonly extraKernelArgs?: readonly string[];
    readonly meta?: readonly { readonly key: number; readonly value: string }[];
    readonly systemExtensions?: { readonly officialExtensions?: readonly string[] };
    readonly secureboot?: { readonly enrollKeys?: string; readonly includeWellKnownCertificates?: boolean };
    readonly diskImage?: { readonly sectorSize?: number };
  };
}

// Plain scalars that YAML would read back as something other than a string (null, bool,
// number, timestamp, merge key) or that the encoder quotes for YAML 1.1 readers.
const RESERVED = new Set([
  ...["", "~", "null", "Null", "NULL", "<<"],
  ...["true", "True", "TRUE", "false", "False", "FALSE"],
  ...["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"],
]);
// Conservative: anything starting like a number and built only of characters a number,
// a base-60 float or a timestamp can hold may resolve to one.
const NUMBER_LIKE = /^[-+.0-9][-+._0-9a-fA-FxXoObBtTzZ: ]*$/;
// Indicators that forbid a plain scalar in block context (the emitter's analyze_scalar).
const LEADING_INDICATOR = /^[#,[\]{}&*!|>'"%@`]/;

/** Why `value` would not marshal as a plain YAML scalar, or undefined when it does. */
export function plainScalarProblem(value: string): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(value)) return "holds a character outside printable ASCII";
  if (RESERVED.has(value) || NUMBER_LIKE.test(value)) return "reads as a YAML null, boolean, number or date unless quoted";
  if (/^\s|\s$/.test(value)) return "starts or ends with a space";
  if (LEADING_INDICATOR.test(value) || /^[-?:]( |$)/.test(value) || /^(---|\.\.\.)/.test(value)) return "starts with a YAML indicator";
  if (/: |:$| #/.test(value)) return "holds `: `, a trailing `:` or ` #`";
  return undefined;
}

const INDENT = "    ";

/** A Go struct field as yaml.Marshal sees it: name, value, and whether `omitempty` is set. */
type Field = readonly [key: string, value: Value | undefined, omitEmpty: boolean];
type Value = string | number | boolean | readonly Value[] | { readonly fields: readonly Field[] };

/** Go's zero value: what `omitempty` leaves out (a struct is zero when all its fields are). */
function isZero(value: Value | undefined): boolean {
  if (value === undefined || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && (value as { fields: readonly Field[] }).fields.every(([, v]) => isZero(v));
}

function scalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const problem = plainScalarProblem(value);
  if (problem) throw new Error(`schematic string ${JSON.stringify(value)} ${problem}: its Image Factory ID cannot be computed offline`);
  return value;
}

/** The struct's fields as block-mapping lines at `depth`; "" when every field is omitted. */
function struct(fields: readonly Field[], depth: number): string {
  return fields
    .filter(([, value, omitEmpty]) => !(omitEmpty ? isZero(value) : value === undefined))
    .map(([key, value]) => entry(key, value as Value, depth))
    .join("");
}

function entry(key: string, value: Value, depth: number): string {
  const pad = INDENT.repeat(depth);
  if (Array.isArray(value)) return value.length === 0 ? `${pad}${key}: []\n` : `${pad}${key}:\n${sequence(value, depth + 1)}`;
  if (typeof value === "object") {
    const body = struct((value as { fields: readonly Field[] }).fields, depth + 1);
    return body === "" ? `${pad}${key}: {}\n` : `${pad}${key}:\n${body}`;
  }
  return `${pad}${key}: ${scalar(value as string | number | boolean)}\n`;
}

/** Sequence items at `depth` (not compact: indented under their key); a struct item starts after its dash. */
function sequence(items: readonly Value[], depth: number): string {
  const pad = INDENT.repeat(depth);
  return items
    .map((item) => {
      if (typeof item !== "object" || Array.isArray(item)) return `${pad}- ${scalar(item as string | number | boolean)}\n`;
      const lines = struct((item as { fields: readonly Field[] }).fields, 0).split("\n").filter((l) => l !== "");
      return lines.map((line, i) => `${pad}${i === 0 ? "- " : "  "}${line}\n`).join("");
    })
    .join("");
}

/** The bytes Image Factory hashes: its `Schematic.Marshal()` of this schematic. */
export function canonicalSchematic(schematic: Schematic): string {
  const c = schematic.customization;
  const fields = (...list: Field[]) => ({ fields: list });
  const top: Field[] = [
    ["overlay", schematic.overlay && fields(["image", schematic.overlay.image, false], ["name", schematic.overlay.name, false]), true],
    [
      "customization",
      fields(
        ["extraKernelArgs", c.extraKernelArgs, true],
        ["meta", c.meta?.map((m) => fields(["key", m.key, false], ["value", m.value, false])), true],
        ["systemExtensions", fields(["officialExtensions", c.systemExtensions?.officialExtensions, true]), true],
        [
          "secureboot",
          fields(["enrollKeys", c.secureboot?.enrollKeys, true], ["includeWellKnownCertificates", c.secureboot?.includeWellKnownCertificates, true]),
          true,
        ],
        ["diskImage", fields(["sectorSize", c.diskImage?.sectorSize, true]), true],
      ),
      false,
    ],
  ];
  return struct(top, 0);
}

/** The schematic ID Image Factory answers for this schematic. */
export function schematicId(schematic: Schematic): string {
  return createHash("sha256").update(canonicalSchematic(schematic)).digest("hex");
}
