/**
 * Reading the Flux tree as Flux does: YAML manifests (one or more documents per
 * file), kustomize `kustomization.yaml` resource lists, and per-document
 * postBuild substitution.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { substitute, type Settings } from "./substitute";
import { ProjectError } from "../lib/problems";

/** The part of every Kubernetes object the bootstrap looks at. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** An error about one file of the tree; `file` is relative to the repo root. */
export class ManifestError extends ProjectError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** kustomize-controller skips substitution for objects carrying this. */
const SUBSTITUTE_KEY = "kustomize.toolkit.fluxcd.io/substitute";

export function relativeTo(repoRoot: string, file: string): string {
  return path.relative(repoRoot, file).split(path.sep).join("/");
}

export function readText(repoRoot: string, file: string, what: string): string {
  const rel = relativeTo(repoRoot, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new ManifestError(rel, `${what} lies outside the repository`);
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new ManifestError(rel, `${what} not found`);
  }
  return fs.readFileSync(file, "utf8");
}

interface RawDocument {
  readonly object: unknown;
  readonly source: string;
  /** Line of the file where `source` starts. */
  readonly line: number;
}

function parseDocuments(text: string, file: string): RawDocument[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) {
      const at = doc.errors[0].linePos?.[0];
      throw new ManifestError(file, `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${doc.errors[0].message.split("\n")[0]}`);
    }
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return [];
    const [start, , end] = doc.range;
    return [{ object, source: text.slice(start, end), line: text.slice(0, start).split("\n").length }];
  });
}

function asKubeObject(value: unknown, file: string): KubeObject {
  const v = value as Partial<KubeObject> | null;
  if (
    typeof v !== "object" ||
    v === null ||
    Array.isArray(v) ||
    typeof v.apiVersion !== "string" ||
    typeof v.kind !== "string" ||
    typeof v.metadata !== "object" ||
    v.metadata === null ||
    typeof v.metadata.name !== "string"
  ) {
    throw new ManifestError(file, "every document must be an object with apiVersion, kind and metadata.name");
  }
  return v as KubeObject;
}

function substitutionDisabled(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[SUBSTITUTE_KEY] === "disabled" || obj.metadata.labels?.[SUBSTITUTE_KEY] === "disabled";
}

/** Parses a manifest file without substitution. */
export function parseManifests(text: string, file: string): KubeObject[] {
  return parseDocuments(text, file).map((d) => asKubeObject(d.object, file));
}

/**
 * Parses a manifest file the way Flux applies it: each object's text is
 * substituted from `settings` before it is parsed, unless the object opts out
 * with the `kustomize.toolkit.fluxcd.io/substitute: disabled` annotation/label.
 */
export function parseSubstitutedManifests(text: string, settings: Settings, file: string): KubeObject[] {
  return parseDocuments(text, file).map((raw) => {
    const plain = asKubeObject(raw.object, file);
    if (substitutionDisabled(plain)) return plain;
    const docs = parseDocuments(substitute(raw.source, settings, file, raw.line), file);
    if (docs.length !== 1) throw new ManifestError(file, "substitution changed the document structure");
    return asKubeObject(docs[0].object, file);
  });
}

/** A kustomize kustomization.yaml, reduced to what the bootstrap needs. */
export interface KustomizeFile {
  readonly file: string;
  /** Absolute paths of `resources` entries (files or folders). */
  readonly resources: readonly string[];
  /** The `namespace:` override kustomize applies to namespaced objects. */
  readonly namespace?: string;
}

export function readKustomization(repoRoot: string, dir: string): KustomizeFile {
  const file = path.join(dir, "kustomization.yaml");
  const rel = relativeTo(repoRoot, file);
  const text = readText(repoRoot, file, "kustomization.yaml");
  const docs = parseDocuments(text, rel);
  const k = docs[0]?.object as { apiVersion?: unknown; kind?: unknown; resources?: unknown; namespace?: unknown } | undefined;
  if (docs.length !== 1 || k === undefined || k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") {
    throw new ManifestError(rel, "expected one kustomize.config.k8s.io/v1beta1 Kustomization");
  }
  const resources = k.resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r): r is string => typeof r === "string")) {
    throw new ManifestError(rel, "resources must be a list of paths");
  }
  if (k.namespace !== undefined && typeof k.namespace !== "string") {
    throw new ManifestError(rel, "namespace must be a string");
  }
  return { file, resources: resources.map((r) => path.resolve(dir, r)), namespace: k.namespace };
}
