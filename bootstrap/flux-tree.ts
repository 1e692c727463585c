/**
 * What Flux builds from this tree for one cluster: every Flux Kustomization reachable from
 * the sync root, the objects each applies, and whether it prunes. The sync root
 * (Kustomization flux-system, created by the FluxInstance sync) is built without
 * substitution; a child substitutes only when its spec.postBuild asks for it.
 *
 * Substitution is stricter than Flux 2.7, where an unset variable becomes "" (non-strict
 * envsubst): here a variable that is unset or empty, with no default, is a problem. A
 * suspended Kustomization is never built by Flux, so its objects are not read.
 * Pure: files in, data out.
 */
import * as fs from "fs";
import * as path from "path";
import { ManifestError, parseSubstitutedManifests, parseManifests, readKustomization, readText, relativeTo, type KubeObject } from "./manifests";
import { SubstitutionError, type Settings } from "./substitute";

/** The Kustomization the FluxInstance sync creates on the sync path. */
export const SYNC_ROOT = { name: "flux-system", namespace: "flux-system" } as const;

/** On a live object, kustomize-controller neither deletes it on prune nor garbage-collects it. */
export const PRUNE_ANNOTATION = "kustomize.toolkit.fluxcd.io/prune";
export const PRUNE_DISABLED = "disabled";

export interface TreeKustomization {
  readonly name: string;
  readonly namespace: string;
  /** Repo-relative folder it builds. */
  readonly path: string;
  readonly prune: boolean;
  readonly suspended: boolean;
  /** The objects it applies (none read when suspended), with the file of each. */
  readonly objects: ReadonlyArray<{ readonly file: string; readonly object: KubeObject }>;
  /** Kustomization that applies this one; undefined for the sync root. */
  readonly parent?: string;
}

export interface FluxTree {
  /** By `namespace/name`. */
  readonly kustomizations: ReadonlyMap<string, TreeKustomization>;
  /** Repo-relative file and reason; empty when Flux can build every Kustomization. */
  readonly problems: ReadonlyArray<{ readonly file: string; readonly message: string }>;
}

export const kustomizationKey = (namespace: string, name: string): string => `${namespace}/${name}`;

const get = (obj: unknown, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), obj);

/** Settings without empty values: an empty value counts as unset. */
export function nonEmpty(settings: Settings): Settings {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== ""));
}

function buildFiles(repoRoot: string, dir: string): string[] {
  return readKustomization(repoRoot, dir).resources.flatMap((r) => (fs.existsSync(r) && fs.statSync(r).isDirectory() ? buildFiles(repoRoot, r) : [r]));
}

/**
 * Walks the tree from `syncPath` (repo-relative, e.g. kubernetes/clusters/infra) with the
 * cluster-settings map. Problems (unresolved variables, missing folders, a Kustomization
 * applied twice) are collected, not thrown, so one pass names all of them.
 */
export function readFluxTree(repoRoot: string, syncPath: string, settings: Settings): FluxTree {
  const strict = nonEmpty(settings);
  const kustomizations = new Map<string, TreeKustomization>();
  const problems: Array<{ file: string; message: string }> = [];

  const visit = (name: string, namespace: string, dir: string, opts: { substitute: boolean; prune: boolean; suspended: boolean; parent?: string; from: string }) => {
    const key = kustomizationKey(namespace, name);
    if (kustomizations.has(key)) {
      problems.push({ file: opts.from, message: `Kustomization ${key} is applied more than once` });
      return;
    }
    const relDir = relativeTo(repoRoot, dir);
    if (!fs.existsSync(path.join(dir, "kustomization.yaml"))) {
      problems.push({ file: opts.from, message: `Kustomization ${key}: spec.path ${relDir} has no kustomization.yaml` });
      kustomizations.set(key, { name, namespace, path: relDir, prune: opts.prune, suspended: opts.suspended, objects: [], parent: opts.parent });
      return;
    }
    const objects: Array<{ file: string; object: KubeObject }> = [];
    if (!opts.suspended) {
      for (const file of buildFiles(repoRoot, dir)) {
        const rel = relativeTo(repoRoot, file);
        try {
          const text = readText(repoRoot, file, "resource");
          const parsed = opts.substitute ? parseSubstitutedManifests(text, strict, rel) : parseManifests(text, rel);
          if (!opts.substitute && text.includes("${")) {
            problems.push({ file: rel, message: `applied by ${key}, which substitutes nothing, yet it references a variable` });
          }
          for (const object of parsed) objects.push({ file: rel, object });
        } catch (err) {
          if (err instanceof SubstitutionError) problems.push({ file: rel, message: `${err.message.slice(rel.length + 2)} (in ${key}; cluster-settings must define it, non-empty)` });
          else if (err instanceof ManifestError) problems.push({ file: rel, message: err.message });
          else throw err;
        }
      }
    }
    kustomizations.set(key, { name, namespace, path: relDir, prune: opts.prune, suspended: opts.suspended, objects, parent: opts.parent });
    for (const { file, object } of objects) {
      if (object.kind !== "Kustomization" || !object.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) continue;
      const childPath = get(object, "spec.path");
      if (typeof childPath !== "string") {
        problems.push({ file, message: `Kustomization ${object.metadata.name} has no spec.path` });
        continue;
      }
      visit(object.metadata.name, object.metadata.namespace ?? namespace, path.resolve(repoRoot, childPath), {
        substitute: get(object, "spec.postBuild.substituteFrom") !== undefined || get(object, "spec.postBuild.substitute") !== undefined,
        prune: get(object, "spec.prune") === true,
        suspended: get(object, "spec.suspend") === true,
        parent: key,
        from: file,
      });
    }
  };

  // The FluxInstance sync: prune on, no substitution (flux-operator's sync Kustomization).
  visit(SYNC_ROOT.name, SYNC_ROOT.namespace, path.resolve(repoRoot, syncPath), { substitute: false, prune: true, suspended: false, from: syncPath });
  return { kustomizations, problems };
}
