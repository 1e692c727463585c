/**
 * renovate.json: every custom manager's pattern still finds the version pinned in its
 * target file (so reformatting a file fails here instead of silently stopping updates),
 * the flux manager covers every chart source, and nothing that reaches a cluster
 * automerges.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { TALOS_PROVIDER_VERSION } from "../sdks/talos/utilities";

interface CustomManager {
  customType: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  datasourceTemplate?: string;
  depNameTemplate?: string;
  extractVersionTemplate?: string;
}

interface PackageRule {
  matchPackageNames?: string[];
  matchManagers?: string[];
  matchDepTypes?: string[];
  matchUpdateTypes?: string[];
  automerge?: boolean;
  dependencyDashboardApproval?: boolean;
}

interface RenovateConfig {
  $schema: string;
  extends: string[];
  automerge?: boolean;
  flux: { managerFilePatterns: string[] };
  customManagers: CustomManager[];
  packageRules: PackageRule[];
}

const PROJECT_ROOT = path.resolve(__dirname, "..");
const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "renovate.json"), "utf8")) as RenovateConfig;

/** Renovate's `/regex/` file patterns, as JavaScript regular expressions. */
function filePattern(pattern: string): RegExp {
  const match = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (!match) throw new Error(`not a /regex/ pattern: ${pattern}`);
  return new RegExp(match[1], match[2]);
}

function repoFiles(): string[] {
  const skip = new Set(["node_modules", ".git", "render", "bin", "coverage"]);
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(PROJECT_ROOT, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk("");
  return files.sort();
}

const files = repoFiles();
const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

interface Found {
  readonly file: string;
  readonly groups: Record<string, string>;
}

function extract(manager: CustomManager): Found[] {
  const targets = files.filter((f) => manager.managerFilePatterns.some((p) => filePattern(p).test(f)));
  // Renovate applies each matchString with the global flag only.
  return targets.flatMap((file) =>
    manager.matchStrings.flatMap((s) => [...read(file).matchAll(new RegExp(s, "g"))].map((m) => ({ file, groups: { ...m.groups } as Record<string, string> }))),
  );
}

const versions = (parse(read("Pulumi.yaml")) as { config: { versions: { value: { talos: string; kubernetes: string } } } }).config.versions.value;

describe("renovate.json", () => {
  it("extends the recommended preset and names its schema", () => {
    expect(config.$schema).toBe("https://docs.renovatebot.com/renovate-schema.json");
    expect(config.extends).toContain("config:recommended");
    expect(config.customManagers.every((m) => m.customType === "regex")).toBe(true);
  });

  it.each([
    ["siderolabs/talos", versions.talos],
    ["kubernetes/kubernetes", versions.kubernetes],
    ["pulumiverse/pulumi-talos", TALOS_PROVIDER_VERSION],
    ["pulumi/pulumi", read(".pulumi.version").trim()],
  ])("finds the pinned %s version (%s) where it is pinned", (depName, pinned) => {
    const manager = config.customManagers.find((m) => m.depNameTemplate === depName);
    expect(manager?.datasourceTemplate).toBe("github-releases");
    const found = extract(manager as CustomManager);
    expect(found.map((f) => f.groups.currentValue)).toEqual([pinned]);
  });

  it("finds every phase-0 CRD set's version with its upstream release", () => {
    const manager = config.customManagers.find((m) => m.managerFilePatterns.some((p) => filePattern(p).test("bootstrap/crds.yaml")));
    const crdSets = (parse(read("bootstrap/crds.yaml")) as { crdSets: { name: string; version: string }[] }).crdSets;
    const found = extract(manager as CustomManager);
    expect(found).toHaveLength(crdSets.length);
    expect(found.map((f) => f.groups.currentValue)).toEqual(crdSets.map((s) => s.version));
    expect(found.map((f) => f.groups.datasource)).toEqual(crdSets.map(() => "github-releases"));
    expect(found.map((f) => f.groups.depName)).toEqual(expect.arrayContaining(["kubernetes-sigs/gateway-api", "prometheus-operator/prometheus-operator"]));
  });

  it("points the flux manager at every chart source and release under kubernetes/", () => {
    const sources = files.filter((f) => f.startsWith("kubernetes/") && /\.ya?ml$/.test(f) && /^kind: (OCIRepository|HelmRepository|HelmRelease)$/m.test(read(f)));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) expect({ file, covered: config.flux.managerFilePatterns.some((p) => filePattern(p).test(file)) }).toEqual({ file, covered: true });
  });
});

/** A small model of how Renovate applies packageRules: later matching rules override earlier ones. */
function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("!")) return false;
  const regex = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (regex) return new RegExp(regex[1], regex[2]).test(name);
  if (pattern.includes("*")) {
    const source = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*");
    return new RegExp(`^${source}$`).test(name);
  }
  return pattern === name;
}

interface Update {
  readonly packageName: string;
  readonly manager: string;
  readonly updateType: string;
  readonly depType?: string;
}

function resolve(update: Update): { automerge: boolean; approval: boolean } {
  let automerge = config.automerge ?? false;
  let approval = false;
  for (const rule of config.packageRules) {
    if (rule.matchPackageNames && !rule.matchPackageNames.some((p) => nameMatches(p, update.packageName))) continue;
    if (rule.matchManagers && !rule.matchManagers.includes(update.manager)) continue;
    if (rule.matchDepTypes && !rule.matchDepTypes.includes(update.depType ?? "")) continue;
    if (rule.matchUpdateTypes && !rule.matchUpdateTypes.includes(update.updateType)) continue;
    if (rule.automerge !== undefined) automerge = rule.automerge;
    if (rule.dependencyDashboardApproval !== undefined) approval = rule.dependencyDashboardApproval;
  }
  return { automerge, approval };
}

describe("renovate package rules", () => {
  const clusterDeps = [
    { packageName: "siderolabs/talos", manager: "custom.regex" },
    { packageName: "kubernetes/kubernetes", manager: "custom.regex" },
    { packageName: "quay.io/cilium/charts/cilium", manager: "flux" },
    { packageName: "ghcr.io/coredns/charts/coredns", manager: "flux" },
    { packageName: "pulumiverse/pulumi-talos", manager: "custom.regex" },
    { packageName: "kubernetes-sigs/gateway-api", manager: "custom.regex" },
  ];

  it.each(clusterDeps.flatMap((d) => ["patch", "minor", "major"].map((updateType) => ({ ...d, updateType }))))(
    "never automerge $packageName ($updateType)",
    (update) => {
      expect(resolve(update).automerge).toBe(false);
    },
  );

  it("hold Talos, Kubernetes and Cilium minors and new Talos provider plugins for approval, not their patches", () => {
    for (const packageName of ["siderolabs/talos", "kubernetes/kubernetes", "quay.io/cilium/charts/cilium"]) {
      const manager = packageName.includes("cilium") ? "flux" : "custom.regex";
      expect(resolve({ packageName, manager, updateType: "minor" }).approval).toBe(true);
      expect(resolve({ packageName, manager, updateType: "patch" }).approval).toBe(false);
    }
    expect(resolve({ packageName: "pulumiverse/pulumi-talos", manager: "custom.regex", updateType: "patch" }).approval).toBe(true);
  });

  it("never automerge what `pulumi up` runs: the TypeScript toolchain the Pulumi runtime loads, the Pulumi CLI, the SDKs, the actions", () => {
    for (const packageName of ["typescript", "ts-node", "@types/node"]) {
      expect({ packageName, ...resolve({ packageName, manager: "npm", depType: "devDependencies", updateType: "patch" }) }).toMatchObject({ packageName, automerge: false });
    }
    for (const update of [
      { packageName: "pulumi/pulumi", manager: "custom.regex", updateType: "patch" },
      { packageName: "@pulumi/pulumi", manager: "npm", depType: "dependencies", updateType: "patch" },
      { packageName: "pulumi/actions", manager: "github-actions", updateType: "patch" },
      { packageName: "pulumi/auth-actions", manager: "github-actions", updateType: "minor" },
      { packageName: "actions/checkout", manager: "github-actions", updateType: "patch" },
    ]) {
      expect({ ...update, automerge: resolve(update).automerge }).toEqual({ ...update, automerge: false });
    }
  });

  it("automerge only build and test tooling, below a major", () => {
    expect(resolve({ packageName: "jest", manager: "npm", depType: "devDependencies", updateType: "minor" }).automerge).toBe(true);
    expect(resolve({ packageName: "jest", manager: "npm", depType: "devDependencies", updateType: "major" }).automerge).toBe(false);
    expect(resolve({ packageName: "@pulumi/kubernetes", manager: "npm", depType: "dependencies", updateType: "patch" }).automerge).toBe(false);
  });
});
