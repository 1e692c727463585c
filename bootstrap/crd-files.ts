/**
 * The vendored phase-0 CRDs, read and verified before anything is registered: every file
 * of a set must hash to its pinned sha256, hold only apiextensions.k8s.io/v1
 * CustomResourceDefinitions, and together they must define exactly the CRDs the set
 * `provides`. Reading from the repository (not from release URLs at run time) keeps
 * render and tests offline and makes the applied bytes the reviewed bytes.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ManifestError, parseManifests, relativeTo, type KubeObject } from "./manifests";
import type { CrdSet } from "./plan";
import { deepFreeze } from "../lib/freeze";

const CRD_API = "apiextensions.k8s.io/v1";

/** One CRD as registered: its object and where it came from. */
export interface VendoredCrd {
  /** metadata.name, `<plural>.<group>`. */
  readonly name: string;
  readonly set: string;
  /** Repo-relative path of the vendored file. */
  readonly file: string;
  readonly object: KubeObject;
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Parsed vendored files by content hash. Parsing their 1.3 MB of YAML was about a fifth of a
 * mock run of a stack; the files are pinned by sha256, so one parse per process serves every
 * run (tests, bench). The objects are frozen: whoever needs to change one copies it.
 */
const parsedByHash = new Map<string, readonly KubeObject[]>();

function parsedCrdFile(bytes: Buffer, hash: string, rel: string): readonly KubeObject[] {
  let objects = parsedByHash.get(hash);
  if (objects === undefined) {
    objects = deepFreeze(parseManifests(bytes.toString("utf8"), rel));
    parsedByHash.set(hash, objects);
  }
  return objects;
}

/**
 * The CRDs of `sets`, in file order. Throws one ManifestError naming every problem
 * (missing file, checksum mismatch, non-CRD document, CRDs not matching `provides`).
 */
export function loadVendoredCrds(repoRoot: string, sets: readonly CrdSet[]): VendoredCrd[] {
  const problems: string[] = [];
  const crds: VendoredCrd[] = [];
  for (const set of sets) {
    const names: string[] = [];
    for (const { path: rel, sha256 } of set.files) {
      const file = path.join(repoRoot, rel);
      if (!fs.existsSync(file)) {
        problems.push(`${rel}: missing (CRD set ${set.name} ${set.version}; run npm run vendor-crds)`);
        continue;
      }
      const bytes = fs.readFileSync(file);
      const actual = sha256Hex(bytes);
      if (actual !== sha256) {
        problems.push(`${rel}: sha256 ${actual} differs from the pinned ${sha256}`);
        continue;
      }
      for (const object of parsedCrdFile(bytes, actual, relativeTo(repoRoot, file))) {
        if (object.apiVersion !== CRD_API || object.kind !== "CustomResourceDefinition") {
          problems.push(`${rel}: ${object.kind} ${object.metadata.name} is not a ${CRD_API} CustomResourceDefinition`);
          continue;
        }
        const stamped = object.metadata.annotations?.[set.versionAnnotation];
        if (stamped === undefined || stamped.replace(/^v/, "") !== set.version.replace(/^v/, "")) {
          problems.push(
            `${rel}: vendored from ${set.versionAnnotation}=${stamped ?? "(none)"}, but CRD set ${set.name} pins ${set.version}; run npm run vendor-crds`,
          );
          continue;
        }
        names.push(object.metadata.name);
        crds.push({ name: object.metadata.name, set: set.name, file: rel, object });
      }
    }
    const extra = names.filter((n) => !set.provides.includes(n));
    const missing = set.provides.filter((n) => !names.includes(n));
    if (extra.length > 0) problems.push(`CRD set ${set.name}: files define ${extra.join(", ")}, not listed in provides`);
    if (missing.length > 0 && names.length > 0) problems.push(`CRD set ${set.name}: no file defines ${missing.join(", ")}`);
  }
  const dup = crds.map((c) => c.name).filter((n, i, all) => all.indexOf(n) !== i);
  if (dup.length > 0) problems.push(`CRDs defined more than once: ${[...new Set(dup)].join(", ")}`);
  if (problems.length > 0) throw new ManifestError("bootstrap/crds.yaml", problems.join("; "));
  return crds;
}
