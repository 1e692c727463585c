/**
 * The versions the project pins, read from where they are pinned, so tests never repeat
 * one and a Renovate bump leaves them green:
 *   Talos, Kubernetes   Pulumi.yaml `versions`
 *   charts              each OCIRepository's `spec.ref.tag` under kubernetes/
 *   CRD sets            bootstrap/crds.yaml
 *   Talos provider      sdks/talos/utilities.ts TALOS_PROVIDER_VERSION
 *   Pulumi CLI          .pulumi.version
 *   e2e-only tools      tools/e2e/versions.env (`NAME_VERSION=`)
 */
import * as fs from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";

export interface Pins {
  readonly talos: string;
  readonly kubernetes: string;
  /** Chart name (last segment of the OCI url) → tag. */
  readonly charts: Readonly<Record<string, string>>;
  /** CRD set name → version. */
  readonly crdSets: Readonly<Record<string, string>>;
  readonly talosProvider: string;
  readonly pulumiCli: string;
  /** `FLUX_CLI_VERSION` and the like, from tools/e2e/versions.env. */
  readonly e2eTools: Readonly<Record<string, string>>;
}

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const child = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(child);
    return /\.ya?ml$/.test(e.name) ? [child] : [];
  });
}

export function readPins(root: string = path.resolve(__dirname, "..", "..")): Pins {
  const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
  const versions = (parse(read("Pulumi.yaml")) as { config: { versions: { value: { talos: string; kubernetes: string } } } }).config.versions.value;
  const charts: Record<string, string> = {};
  for (const file of yamlFiles(path.join(root, "kubernetes"))) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
      const object = doc.toJS() as { kind?: string; spec?: { url?: string; ref?: { tag?: string } } } | null;
      if (object?.kind !== "OCIRepository" || !object.spec?.url || !object.spec.ref?.tag) continue;
      charts[object.spec.url.split("/").pop() as string] = object.spec.ref.tag;
    }
  }
  const crdSets = Object.fromEntries(
    (parse(read("bootstrap/crds.yaml")) as { crdSets: { name: string; version: string }[] }).crdSets.map((s) => [s.name, s.version]),
  );
  const provider = /TALOS_PROVIDER_VERSION\s*=\s*"([^"]+)"/.exec(read("sdks/talos/utilities.ts"));
  if (!provider) throw new Error("TALOS_PROVIDER_VERSION not found in sdks/talos/utilities.ts");
  const e2eTools = Object.fromEntries([...read("tools/e2e/versions.env").matchAll(/^([A-Z_]+_VERSION)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return { talos: versions.talos, kubernetes: versions.kubernetes, charts, crdSets, talosProvider: provider[1], pulumiCli: read(".pulumi.version").trim(), e2eTools };
}

export const PINS = readPins();

/** The pinned tag of one chart; throws when no OCIRepository pins it. */
export function chartPin(chart: string): string {
  const tag = PINS.charts[chart];
  if (tag === undefined) throw new Error(`no OCIRepository under kubernetes/ pins chart ${chart}`);
  return tag;
}
