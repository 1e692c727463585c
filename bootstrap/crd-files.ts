/**
 * The vendored phase-0 CRDs, read and verified before anything is registered: every file
 * of a set must hash to its pinned sha256, hold only apiextensions.k8s.io/v1
 * CustomResourceDefinitions (and the admission policies with their bindings the set lists
 * in `admissionPolicies`), and together they must define exactly the CRDs the set
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
const ADMISSION_API = "admissionregistration.k8s.io/v1";

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

/** A ValidatingAdmissionPolicy a set ships and its binding of the same name, as vendored. */
export interface VendoredPolicy {
  readonly name: string;
  readonly set: string;
  /** Repo-relative path of the vendored file that holds both. */
  readonly file: string;
  readonly policy: KubeObject;
  readonly binding: KubeObject;
}

export interface VendoredSets {
  /** In file order. */
  readonly crds: VendoredCrd[];
  /** In the order of each set's `admissionPolicies`. */
  readonly policies: VendoredPolicy[];
}

const POLICY_KINDS = ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"] as const;
type PolicyKind = (typeof POLICY_KINDS)[number];

function policyKindOf(object: KubeObject): PolicyKind | undefined {
  return object.apiVersion === ADMISSION_API ? POLICY_KINDS.find((k) => k === object.kind) : undefined;
}

/**
 * The CRDs of `sets`, in file order, and the admission policies they list. Throws one
 * ManifestError naming every problem (missing file, checksum mismatch, a document that is
 * neither a CRD nor a listed policy or binding, CRDs not matching `provides`, a listed
 * policy without exactly one policy and one binding bound to it).
 */
export function loadVendoredSets(repoRoot: string, sets: readonly CrdSet[]): VendoredSets {
  const problems: string[] = [];
  const crds: VendoredCrd[] = [];
  const policies: VendoredPolicy[] = [];
  for (const set of sets) {
    const names: string[] = [];
    const found = new Map<string, Array<{ kind: PolicyKind; file: string; object: KubeObject }>>();
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
        const isCrd = object.apiVersion === CRD_API && object.kind === "CustomResourceDefinition";
        const policyKind = policyKindOf(object);
        const listedPolicy = policyKind !== undefined && set.admissionPolicies.includes(object.metadata.name);
        if (!isCrd && !listedPolicy) {
          const policyNote = set.admissionPolicies.length > 0 ? ` nor a ${ADMISSION_API} ValidatingAdmissionPolicy or binding of admissionPolicies` : "";
          problems.push(`${rel}: ${object.kind} ${object.metadata.name} is not a ${CRD_API} CustomResourceDefinition${policyNote}`);
          continue;
        }
        const stamped = object.metadata.annotations?.[set.versionAnnotation];
        if (stamped === undefined || stamped.replace(/^v/, "") !== set.version.replace(/^v/, "")) {
          problems.push(
            `${rel}: vendored from ${set.versionAnnotation}=${stamped ?? "(none)"}, but CRD set ${set.name} pins ${set.version}; run npm run vendor-crds`,
          );
          continue;
        }
        if (policyKind !== undefined) {
          found.set(object.metadata.name, [...(found.get(object.metadata.name) ?? []), { kind: policyKind, file: rel, object }]);
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
    for (const name of set.admissionPolicies) {
      const objects = found.get(name) ?? [];
      const [policy, ...morePolicies] = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
      const [binding, ...moreBindings] = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");
      if (policy === undefined || binding === undefined || morePolicies.length > 0 || moreBindings.length > 0) {
        problems.push(`CRD set ${set.name}: admission policy ${name} needs exactly one ValidatingAdmissionPolicy and one ValidatingAdmissionPolicyBinding, files define ${objects.length === 0 ? "neither" : objects.map((o) => o.kind).join(", ")}`);
        continue;
      }
      // A binding of another policy under this name would leave the listed policy unenforced.
      const bound = (binding.object.spec as { policyName?: unknown } | undefined)?.policyName;
      if (bound !== name) {
        problems.push(`${binding.file}: ValidatingAdmissionPolicyBinding ${name} binds ${String(bound ?? "(no policyName)")}, not ${name}`);
        continue;
      }
      policies.push({ name, set: set.name, file: policy.file, policy: policy.object, binding: binding.object });
    }
  }
  const dup = crds.map((c) => c.name).filter((n, i, all) => all.indexOf(n) !== i);
  if (dup.length > 0) problems.push(`CRDs defined more than once: ${[...new Set(dup)].join(", ")}`);
  const dupPolicies = policies.map((p) => p.name).filter((n, i, all) => all.indexOf(n) !== i);
  if (dupPolicies.length > 0) problems.push(`admission policies listed by more than one set: ${[...new Set(dupPolicies)].join(", ")}`);
  if (problems.length > 0) throw new ManifestError("bootstrap/crds.yaml", problems.join("; "));
  return { crds, policies };
}

/** The CRDs of `sets`, in file order, verified as loadVendoredSets verifies them. */
export function loadVendoredCrds(repoRoot: string, sets: readonly CrdSet[]): VendoredCrd[] {
  return loadVendoredSets(repoRoot, sets).crds;
}
