/**
 * Every pin Renovate manages, bumped by one patch release in a temporary copy of the
 * files that hold it: Renovate's own pattern still finds the bumped version, and the
 * loaders and checks that consume the pin accept it and carry the new version through.
 * (Tests read pins through tests/helpers/pins.ts, which is run on the copy too.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readProjectConfig, runProgram, programResources } from "../harness";
import { loadBootstrapCharts, loadBootstrapPlan } from "../bootstrap/loader";
import { loadVendoredCrds, sha256Hex } from "../bootstrap/crd-files";
import { PINS, readPins } from "./helpers/pins";
import { hasSchemas, schemasRoot, valuesSchemaPath, versionedFile } from "./helpers/schemas";
import { fixtureSettings } from "./helpers/cluster-settings";

const ROOT = path.resolve(__dirname, "..");

interface CustomManager {
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate?: string;
}
const renovate = JSON.parse(fs.readFileSync(path.join(ROOT, "renovate.json"), "utf8")) as { customManagers: CustomManager[]; flux: { managerFilePatterns: string[] } };
const filePattern = (p: string) => new RegExp(/^\/(.*)\/([a-z]*)$/.exec(p)?.[1] ?? "$^");

/** `1.2.3` → `1.2.4`, keeping a leading `v`. */
function bumpPatch(version: string): string {
  const m = /^(v?\d+\.\d+\.)(\d+)$/.exec(version);
  if (!m) throw new Error(`not a plain release version: ${version}`);
  return `${m[1]}${Number(m[2]) + 1}`;
}

/** A copy of the files pins live in and their consumers read. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pin-bump-"));
  for (const entry of ["Pulumi.yaml", "Pulumi.infra.yaml", "Pulumi.apps.yaml", ".pulumi.version", "renovate.json", "kubernetes", "bootstrap", "sdks/talos/utilities.ts", "tools/e2e/versions.env", "talos"]) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

interface Bump {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/** Bumps every version `manager` finds in `file`, at exactly the place Renovate would edit. */
function bumpWithManager(root: string, file: string, manager: CustomManager): Bump[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const bumps: Bump[] = [];
  let out = text;
  for (const source of manager.matchStrings) {
    for (const match of [...text.matchAll(new RegExp(source, "g"))].reverse()) {
      const current = match.groups?.currentValue as string;
      const at = (match.index ?? 0) + match[0].indexOf(current);
      const to = bumpPatch(current);
      out = out.slice(0, at) + to + out.slice(at + current.length);
      bumps.push({ file, from: current, to });
    }
  }
  fs.writeFileSync(path.join(root, file), out);
  return bumps.reverse();
}

/** What `npm run vendor-crds` does after a bump, offline: restamp each file's release and re-pin its sha256. */
function revendor(root: string, bumps: readonly Bump[]): void {
  const crdsFile = path.join(root, "bootstrap", "crds.yaml");
  let crds = fs.readFileSync(crdsFile, "utf8");
  for (const set of loadBootstrapPlan(root).crdSets) {
    for (const { path: rel, sha256 } of set.files) {
      const file = path.join(root, rel);
      let text = fs.readFileSync(file, "utf8");
      for (const bump of bumps) text = text.split(`${set.versionAnnotation}: ${bump.from.replace(/^v/, "")}`).join(`${set.versionAnnotation}: ${bump.to.replace(/^v/, "")}`).split(`${set.versionAnnotation}: ${bump.from}`).join(`${set.versionAnnotation}: ${bump.to}`);
      fs.writeFileSync(file, text);
      crds = crds.replace(sha256, sha256Hex(text));
    }
  }
  fs.writeFileSync(crdsFile, crds);
}

/** What Renovate's patterns find in `root` now. */
function found(root: string, file: string, manager: CustomManager): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  return manager.matchStrings.flatMap((s) => [...text.matchAll(new RegExp(s, "g"))].map((m) => m.groups?.currentValue as string));
}

const managed = renovate.customManagers.map((manager) => {
  const file = ["Pulumi.yaml", "sdks/talos/utilities.ts", "bootstrap/crds.yaml", ".pulumi.version", "tools/e2e/versions.env"].find((f) => manager.managerFilePatterns.some((p) => filePattern(p).test(f)));
  if (!file) throw new Error(`custom manager ${manager.depNameTemplate ?? manager.matchStrings[0]} targets no known pin file`);
  return { name: manager.depNameTemplate ?? file, file, manager };
});

describe("bumping each Renovate-managed pin", () => {
  let root: string;
  beforeEach(() => {
    root = copyProject();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("covers every custom manager", () => {
    expect(managed.map((m) => m.name).sort()).toEqual(expect.arrayContaining(["siderolabs/talos", "kubernetes/kubernetes", "pulumiverse/pulumi-talos", "pulumi/pulumi", "bootstrap/crds.yaml"]));
  });

  it.each(managed)("$name: the pattern finds the bumped version and the pin readers follow", ({ file, manager }) => {
    const before = readPins(root);
    const bumps = bumpWithManager(root, file, manager);
    expect(bumps.length).toBeGreaterThan(0);
    expect(found(root, file, manager)).toEqual(bumps.map((b) => b.to));
    const after = readPins(root);
    expect(after).not.toEqual(before);
    // The bumped file still loads where the program loads it.
    if (file === "bootstrap/crds.yaml") {
      const plan = loadBootstrapPlan(root);
      for (const bump of bumps) expect(plan.crdSets.map((s) => s.version)).toContain(bump.to);
      for (const set of plan.crdSets) expect(set.source).toContain(set.version);
      // The vendored files still carry the old release: the bump is refused, naming the
      // command that re-vendors them, until the files follow (then it loads again).
      expect(() => loadVendoredCrds(root, plan.crdSets)).toThrow(/run npm run vendor-crds/);
      revendor(root, bumps);
      expect(loadVendoredCrds(root, loadBootstrapPlan(root).crdSets).length).toBeGreaterThan(0);
    }
  });

  it.each(["talos", "kubernetes"] as const)("versions.%s in Pulumi.yaml: the program runs with the bumped version", async (key) => {
    const manager = managed.find((m) => m.file === "Pulumi.yaml" && m.manager.matchStrings.some((s) => s.includes(`${key}:`)))?.manager as CustomManager;
    const [bump] = bumpWithManager(root, "Pulumi.yaml", manager);
    const config = readProjectConfig(root, "infra").values["k8s-gitops:versions"] as Record<string, string>;
    expect(config[key]).toBe(bump.to);
    const result = await runProgram({ stack: "infra", config: { "k8s-gitops:versions": config } });
    expect(result.error).toBeUndefined();
    expect(programResources(result).length).toBeGreaterThan(0);
    // The bumped version reaches what the program hands the engine (resources or invokes).
    const handed = JSON.stringify([...result.resources.map((r) => r.inputs), ...result.invokes.map((i) => i.inputs)]);
    expect({ bumped: bump.to, reaches: handed.includes(bump.to), old: handed.includes(bump.from) }).toEqual({ bumped: bump.to, reaches: true, old: false });
  });

  it("each chart tag under kubernetes/ (flux manager): the bootstrap loader takes the bumped chart version", () => {
    const settings = fixtureSettings("infra", root);
    const before = readPins(root).charts;
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (renovate.flux.managerFilePatterns.some((p) => filePattern(p).test(rel)) && /kind: OCIRepository/.test(fs.readFileSync(path.join(root, rel), "utf8"))) sources.push(rel);
      }
    };
    walk("kubernetes");
    expect(sources.length).toBeGreaterThan(0);
    for (const rel of sources) {
      const text = fs.readFileSync(path.join(root, rel), "utf8");
      fs.writeFileSync(path.join(root, rel), text.replace(/(\btag:\s*"?)([^"\s]+)/, (_m, head: string, tag: string) => `${head}${bumpPatch(tag)}`));
    }
    const after = readPins(root).charts;
    for (const [chart, tag] of Object.entries(before)) expect({ chart, tag: after[chart] }).toEqual({ chart, tag: bumpPatch(tag) });
    const charts = loadBootstrapCharts(root, settings, 3);
    expect(charts.length).toBeGreaterThan(0);
    for (const { chart } of charts) {
      const name = chart.chart.split("/").pop() as string;
      expect({ name, version: chart.version }).toEqual({ name, version: after[name] });
    }
  });
});

(hasSchemas() ? describe : describe.skip)("schema lookups after a patch bump", () => {
  it("a bumped chart or Talos patch validates against its minor's schema until the manifest lists the new one", () => {
    for (const chart of ["cilium", "cert-manager", "external-secrets", "flux-operator", "flux-instance"]) {
      const pinned = PINS.charts[chart];
      expect({ chart, bumped: valuesSchemaPath(chart, bumpPatch(pinned)) }).toEqual({ chart, bumped: valuesSchemaPath(chart, pinned) });
      // flux-operator/flux-instance: no schema of the pinned minor is published in the
      // schema set (bootstrap-loader checks them against the newest one there, with a warning).
      if (!chart.startsWith("flux-")) expect(valuesSchemaPath(chart, pinned)).toBeDefined();
    }
    const talosDir = path.join(schemasRoot(), "talos");
    expect(versionedFile(talosDir, "config.schema.", bumpPatch(PINS.talos), ".json")).toBe(versionedFile(talosDir, "config.schema.", PINS.talos, ".json"));
    // A new minor has no fallback: its schema must be added.
    expect(versionedFile(talosDir, "config.schema.", PINS.talos.replace(/\.(\d+)\.\d+$/, (_m, minor: string) => `.${Number(minor) + 50}.0`), ".json")).toBeUndefined();
  });
});
