/**
 * The Image Factory schematic ID computed offline (components/talos/schematic-id.ts), the
 * schematic reader's refusals, and the program's use of both: the installer image is known
 * at a first preview, and at `up` the factory's answer must be the computed ID.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalSchematic, plainScalarProblem, schematicId } from "../components/talos/schematic-id";
import { parseSchematic, readSchematic } from "../components/talos/schematic";
import { SchematicIdError } from "../components/talos/image";
import { named, PROJECT_ROOT, reveal, runProgram, sharedRun } from "../harness";
import { PINS } from "./helpers/pins";

/**
 * siderolabs/image-factory pkg/schematic/schematic_test.go (TestID and TestUnmarshalID, at
 * 26b95cacb0846378fa5ed75e397eb732d6500c0a): schematics and the IDs the factory gives them.
 */
const UPSTREAM_VECTORS: readonly { name: string; yaml: string; id: string }[] = [
  { name: "no customization 1", yaml: "{}", id: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba" },
  { name: "no customization 2", yaml: "customization: {}", id: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba" },
  { name: "empty kernel args", yaml: 'customization: {"extraKernelArgs": []}', id: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba" },
  { name: "extra args 1", yaml: '{"customization": {"extraKernelArgs": ["noapic", "nolapic"]}}', id: "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c" },
  {
    name: "extra args 2",
    yaml: '{"customization": {"extraKernelArgs": ["noapic", "nolapic"], "systemExtensions": {}}}',
    id: "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c",
  },
  {
    name: "meta",
    yaml: '{"customization": {"meta": [{"key": 10, "value": "foo"}], "extraKernelArgs": [], "systemExtensions": {}}}',
    id: "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f",
  },
  { name: "overlay", yaml: '{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"}}', id: "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9" },
  {
    name: "overlay with empty customization",
    yaml: '{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"},"customization":{}}',
    id: "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9",
  },
  { name: "secureboot", yaml: '{"customization":{"secureboot": {"includeWellKnownCertificates": true}}}', id: "fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6" },
  { name: "4k sector disk image (TestID)", yaml: "customization: {diskImage: {sectorSize: 4096}}", id: "92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea" },
];

/**
 * The running clusters' installer (shared/reference/seed-environment.md):
 * factory.talos.dev/metal-installer/<this id>:<their Talos version>.
 */
const RUNNING_SCHEMATIC_ID = "d60a9a96a6bbc418c786ee44fd5c01137d9a02497012cf080722ee79d3ee6d7e";

const APPLY = "talos:machine/configurationApply:ConfigurationApply";
const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
const installerOf = (id: string) => `factory.talos.dev/metal-installer/${id}:${PINS.talos}`;

describe("schematic ID computed offline", () => {
  it.each(UPSTREAM_VECTORS)("matches Image Factory's ID for $name", ({ yaml, id }) => {
    const read = parseSchematic(yaml);
    expect(read.problems).toEqual([]);
    expect(read.schematic?.id).toBe(id);
  });

  it("matches TestID's structs built as the model", () => {
    const byName = new Map(UPSTREAM_VECTORS.map((v) => [v.name, v.id]));
    expect(schematicId({ customization: {} })).toBe(byName.get("no customization 1"));
    expect(schematicId({ customization: { extraKernelArgs: ["noapic", "nolapic"], systemExtensions: { officialExtensions: [] } } })).toBe(byName.get("extra args 1"));
    expect(schematicId({ customization: { meta: [{ key: 0x0a, value: "foo" }] } })).toBe(byName.get("meta"));
    expect(schematicId({ customization: { secureboot: { includeWellKnownCertificates: true, enrollKeys: undefined } } })).toBe(byName.get("secureboot"));
    expect(schematicId({ customization: { diskImage: { sectorSize: 4096 } } })).toBe(byName.get("4k sector disk image (TestID)"));
  });

  it("is the running clusters' schematic for talos/schematic.yaml, so adopting them changes no installer image", () => {
    const read = readSchematic(PROJECT_ROOT);
    expect(read.problems).toEqual([]);
    expect(read.schematic?.id).toBe(RUNNING_SCHEMATIC_ID);
  });

  it("hashes extension names and order as written: the seed's `i915-ucode` spelling is another schematic", () => {
    const file = fs.readFileSync(path.join(PROJECT_ROOT, "talos/schematic.yaml"), "utf8");
    const renamed = file.replace("siderolabs/i915\n", "siderolabs/i915-ucode\n");
    const reordered = file.replace("      - siderolabs/i915\n      - siderolabs/intel-ucode\n", "      - siderolabs/intel-ucode\n      - siderolabs/i915\n");
    expect(renamed).not.toBe(file);
    expect(reordered).not.toBe(file);
    expect(parseSchematic(renamed).schematic?.id).not.toBe(RUNNING_SCHEMATIC_ID);
    expect(parseSchematic(reordered).schematic?.id).not.toBe(RUNNING_SCHEMATIC_ID);
  });

  it("ignores comments and layout: the canonical form is Image Factory's, 4-space indented", () => {
    const compact = parseSchematic("customization: {extraKernelArgs: [noapic, nolapic]}");
    const commented = parseSchematic("# note\ncustomization:\n  extraKernelArgs:\n  - noapic  # first\n  - nolapic\n");
    expect(commented.schematic).toEqual(compact.schematic);
    expect(compact.schematic?.schematic).toBe("customization:\n    extraKernelArgs:\n        - noapic\n        - nolapic\n");
  });

  it("writes kernel arguments that start with a dash or hold `=` plainly, and refuses strings YAML would quote", () => {
    for (const plain of ["-selinux", "apparmor=0", "console=ttyS0,115200n8", "ip=::::eth0:dhcp", "siderolabs/i915"]) {
      expect(plainScalarProblem(plain)).toBeUndefined();
    }
    for (const quoted of ["1", "on", "no", "true", "null", "0x10", "2026-12-08", "1:30", "a: b", "trailing:", "#x", "- x", " x", "x #y", "é", "", "<<"]) {
      expect([quoted, plainScalarProblem(quoted)]).toEqual([quoted, expect.any(String)]);
    }
    expect(() => canonicalSchematic({ customization: { extraKernelArgs: ["on"] } })).toThrow(/cannot be computed offline/);
  });

  it("refuses unknown fields, fields it does not model and wrong types, each with its path", () => {
    const read = parseSchematic(
      [
        "owner: someone",
        "customization:",
        "  extraKernelArgs: [quiet, 'on']",
        "  bootloader: sd-boot",
        "  systemExtensions: {officialExtensions: siderolabs/i915, extra: 1}",
        "  meta: [{key: 300, value: x}]",
        "  kernelArgs: []",
      ].join("\n"),
    );
    expect(read.schematic).toBeUndefined();
    expect(read.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^owner is not supported/),
        expect.stringMatching(/^customization\.bootloader is not supported/),
        "customization.kernelArgs is not a field of an Image Factory schematic",
        "customization.systemExtensions.extra is not a field of an Image Factory schematic",
        "customization.systemExtensions.officialExtensions must be a list of strings",
        expect.stringMatching(/^customization\.extraKernelArgs\[1\] "on" reads as a YAML/),
        "customization.meta[0].key must be an integer from 0 to 255",
      ]),
    );
  });
});

describe.each(["infra", "apps"])("installer image of %s", (stack) => {
  it("is known at a first preview, from the computed ID, in every node's machine config", async () => {
    const first = await sharedRun({ stack, firstPreview: true });
    expect(first.error).toBeUndefined();
    const schematic = named(first, "talos:imageFactory/schematic:Schematic", "schematic");
    expect(schematic.id).toBeUndefined(); // the factory has not answered at a first preview
    const id = readSchematic(PROJECT_ROOT).schematic?.id ?? "";
    expect(first.outputs.installerImage).toEqual({ value: installerOf(id), secret: false });
    expect(first.outputs.schematicId).toEqual({ value: id, secret: false });
    const configs = first.invokes.filter((i) => i.token === GET_CONFIGURATION);
    expect(configs.length).toBeGreaterThan(0);
    for (const invoke of configs) {
      expect((reveal(invoke.inputs.configPatches) as string[]).filter((p) => p.includes(`image: ${installerOf(id)}`))).toHaveLength(1);
    }
  });

  it("posts the canonical form, whose SHA-256 is the ID, and at `up` waits for the factory's answer before any apply", async () => {
    const up = await sharedRun({ stack });
    expect(up.error).toBeUndefined();
    const schematic = named(up, "talos:imageFactory/schematic:Schematic", "schematic");
    const read = readSchematic(PROJECT_ROOT).schematic;
    expect(schematic.inputs.schematic).toBe(read?.schematic);
    expect(schematic.id).toBe(read?.id);
    for (const apply of up.resources.filter((r) => r.type === APPLY)) {
      // The machine config reaches the apply through the checked ID: Schematic → getUrls → patches.
      expect(apply.propertyDependencies.machineConfigurationInput).toContain(schematic.urn);
    }
  });
});

describe("a factory answer that is not the computed ID", () => {
  const other = "0".repeat(64);

  it("fails `up` with SchematicIdError before any machine config is applied", async () => {
    const up = await runProgram({ stack: "infra", imageFactorySchematicId: other });
    expect(up.error).toBeInstanceOf(SchematicIdError);
    expect(up.error?.message).toContain(other);
    expect(up.error?.message).toContain(readSchematic(PROJECT_ROOT).schematic?.id);
    expect(up.resources.filter((r) => r.type === APPLY)).toEqual([]);
    expect(up.invokes.filter((i) => i.token === GET_CONFIGURATION)).toEqual([]);
  });

  it("fails a later preview too, where the schematic's ID is known from state", async () => {
    const preview = await runProgram({ stack: "infra", preview: true, imageFactorySchematicId: other });
    expect(preview.error).toBeInstanceOf(SchematicIdError);
  });

  it("cannot be seen at a first preview, which shows the computed image", async () => {
    const first = await runProgram({ stack: "infra", firstPreview: true, imageFactorySchematicId: other });
    expect(first.error).toBeUndefined();
    expect(first.outputs.installerImage.value).toBe(installerOf(readSchematic(PROJECT_ROOT).schematic?.id ?? ""));
  });
});
