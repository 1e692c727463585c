/**
 * Patch files under talos/: cluster-wide patches (talos/patches/*.yaml for every node,
 * talos/patches/<role>/*.yaml for one role) and the optional per-node override
 * (talos/<cluster>/<ip>.yaml). Loading, and the parse checks the config check runs before
 * any resource is registered: every problem names its file and the reason.
 */
import * as fs from "fs";
import * as path from "path";
import { parsePatch, PatchDocument } from "./documents";
import { ProjectError } from "../../lib/problems";

export const CLUSTER_PATCHES_DIR = path.join("talos", "patches");

export interface PatchFile {
  /** Relative to the project root, as errors and reviewers name it. */
  readonly file: string;
  readonly text: string;
  readonly documents: PatchDocument[];
}

/** A patch file that cannot be used; the message names the file and every reason. */
export class PatchError extends ProjectError {
  constructor(
    readonly file: string,
    readonly reasons: readonly string[],
  ) {
    super(`${file}: ${reasons.join("; ")}`);
  }
}

function yamlFiles(projectRoot: string, dir: string): string[] {
  const full = path.join(projectRoot, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** Cluster-wide patch files for a node of `role`, in the order they apply. */
export function clusterPatchFiles(projectRoot: string, role: "controlplane" | "worker"): string[] {
  return [...yamlFiles(projectRoot, CLUSTER_PATCHES_DIR), ...yamlFiles(projectRoot, path.join(CLUSTER_PATCHES_DIR, role))];
}

function read(projectRoot: string, file: string): { text?: string; problems: string[] } {
  try {
    return { text: fs.readFileSync(path.join(projectRoot, file), "utf8"), problems: [] };
  } catch (err) {
    return { problems: [`cannot be read: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/** Reads and parses a patch file; problems are reasons (without the file name). */
export function readPatchFile(projectRoot: string, file: string): { patch?: PatchFile; problems: string[] } {
  const { text, problems } = read(projectRoot, file);
  if (text === undefined) return { problems };
  const parsed = parsePatch(text);
  return { patch: { file, text, documents: parsed.documents }, problems: parsed.problems };
}

/** Loads a patch file for use, failing with the file and every reason. */
export function loadPatchFile(projectRoot: string, file: string): PatchFile {
  const { patch, problems } = readPatchFile(projectRoot, file);
  if (!patch || problems.length > 0) throw new PatchError(file, problems);
  return patch;
}

/** `file: reason` for every problem of every cluster-wide patch file. */
export function checkClusterPatches(projectRoot: string): string[] {
  const dirs = [CLUSTER_PATCHES_DIR, ...["controlplane", "worker"].map((role) => path.join(CLUSTER_PATCHES_DIR, role))];
  return dirs
    .flatMap((dir) => yamlFiles(projectRoot, dir))
    .flatMap((file) => readPatchFile(projectRoot, file).problems.map((reason) => `${file}: ${reason}`));
}
