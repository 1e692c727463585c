/**
 * `npm run migration -- compare <stack> (--inventory FILE | --live [--context C]
 * [--kubeconfig K] [--save FILE]) [--acknowledge FILE]`: what Flux would delete when the
 * running cluster's sync switches to this tree. The running state comes from a saved file or
 * is read live (get only, tools/migration/live.ts); both go through one parser. Exit 0 only
 * when nothing would be deleted that is not acknowledged; 1 otherwise (the runbook's switch
 * step stops there); 2 on bad arguments or a state that cannot be read.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, runProgram } from "../../harness";
import { checkedStackArgs, consoleIo, type Io } from "../cli";
import { readFluxTree } from "../../bootstrap/flux-tree";
import { compareInventories, formatComparison, parseAcknowledgements } from "./compare";
import { InventoryError, parseInventory } from "./inventory";
import { LiveReadError, bundleCrdNames, readLive } from "./live";
import { spawnKubectl, type Talosctl as Tool } from "../../components/talos/day2/runner";
import { programWrites } from "./program";
import { formatStages, loadUpgradePaths, versionStages } from "./stages";
import { CRD_WORDING, bundleStages } from "./crd-bundles";
import { loadBootstrapPlan } from "../../bootstrap/plan";

export type { Io } from "../cli";

const USAGE = `usage: npm run migration -- compare <stack> --inventory FILE [--acknowledge FILE]
       npm run migration -- compare <stack> --live [--context NAME] [--kubeconfig PATH] [--save FILE] [--acknowledge FILE]

FILE is the running Flux's state, saved read-only from the cluster:
  kubectl get kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io,fluxinstances.fluxcd.controlplane.io -A -o yaml > FILE
  echo --- >> FILE; kubectl get customresourcedefinitions.apiextensions.k8s.io <the CRDs of bootstrap/crds.yaml> --ignore-not-found -o yaml >> FILE
--live reads the same objects through kubectl (get only, with a request timeout) from the
context given, or kubectl's current one; --save writes what it read in that format.
Runs the program offline (as npm run render does) for the stack's cluster-settings, builds
the tree at its sync path, and lists per Kustomization every object Flux would prune after
the switch, and every chart and CRD bundle whose running version is more than one
supported step from its pin (or that the pin must never overwrite: a newer bundle, another
channel, mixed or unreadable versions). Exits 1 while that list holds anything not acknowledged.
The acknowledge FILE lists accepted deletions, one per line: <namespace>/<kustomization> <id>, or <id>.
`;

/** Where the running state comes from: a saved file, or the cluster itself. */
export type Source =
  | { readonly kind: "file"; readonly file: string }
  | { readonly kind: "live"; readonly context?: string; readonly kubeconfig?: string; readonly save?: string };

export interface Args {
  readonly stack: string;
  readonly source: Source;
  readonly acknowledge?: string;
}

export function parseArgs(argv: readonly string[]): Args | string {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  let live = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return USAGE;
    if (arg === "--live") {
      live = true;
      continue;
    }
    const m = /^--(inventory|acknowledge|save|context|kubeconfig)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === "" || value.startsWith("--")) return `--${m[1]} needs a ${m[1] === "context" ? "name" : "file"}\n\n${USAGE}`;
      flags[m[1]] = value;
    } else if (arg.startsWith("-")) return `unknown option ${arg}\n\n${USAGE}`;
    else positional.push(arg);
  }
  if (positional.length !== 2 || positional[0] !== "compare") return USAGE;
  const liveOnly = ["save", "context", "kubeconfig"].filter((f) => flags[f] !== undefined);
  if (live && flags.inventory !== undefined) return `--live and --inventory exclude each other: read the cluster, or a saved file\n\n${USAGE}`;
  if (!live && liveOnly.length > 0) return `${liveOnly.map((f) => `--${f}`).join(", ")} only with --live\n\n${USAGE}`;
  if (!live && flags.inventory === undefined) return USAGE;
  const source: Source = live
    ? { kind: "live", context: flags.context, kubeconfig: flags.kubeconfig, save: flags.save }
    : { kind: "file", file: flags.inventory };
  return { stack: positional[1], source, acknowledge: flags.acknowledge };
}

/** How kubectl runs for --live: the one on PATH, or a test's fake. */
export interface LiveTools {
  readonly kubectl: Tool;
  readonly env: NodeJS.ProcessEnv;
}

export async function main(
  argv: readonly string[],
  io: Io = consoleIo,
  projectRoot: string = PROJECT_ROOT,
  tools: LiveTools = { kubectl: spawnKubectl, env: process.env },
): Promise<number> {
  const args = checkedStackArgs(parseArgs(argv), argv, USAGE, io, projectRoot);
  if (typeof args === "number") return args;
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(path.resolve(file), "utf8");
    } catch {
      io.err(`migration: cannot read ${file}\n`);
      return undefined;
    }
  };
  const ackText = args.acknowledge === undefined ? "" : read(args.acknowledge);
  if (ackText === undefined) return 2;
  const { source } = args;
  let running;
  try {
    let text: string | undefined;
    let name: string;
    if (source.kind === "file") {
      text = read(source.file);
      name = source.file;
    } else {
      const live = readLive({ context: source.context, kubeconfig: source.kubeconfig }, tools.kubectl, tools.env, bundleCrdNames(projectRoot));
      for (const note of live.notes) io.err(`migration: note: ${note}\n`);
      if (source.save !== undefined) {
        fs.writeFileSync(path.resolve(source.save), live.text, { mode: 0o600 });
        io.err(`migration: saved what ${live.source} read to ${source.save}\n`);
      }
      text = live.text;
      name = live.source;
    }
    if (text === undefined) return 2;
    running = parseInventory(text, name);
  } catch (err) {
    if (err instanceof InventoryError || err instanceof LiveReadError) {
      io.err(`migration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const result = await runProgram({ stack: args.stack, projectRoot });
  if (result.error) {
    io.err(`migration: the program failed for stack ${args.stack}:\n${result.error.message}\n`);
    return 1;
  }
  const writes = programWrites(result);
  const syncPath = writes.settings.FLUX_SYNC_PATH;
  const tree = readFluxTree(projectRoot, syncPath, writes.settings);
  if (tree.problems.length > 0) {
    io.err(`migration: Flux cannot build ${syncPath} with the stack's cluster-settings:\n${tree.problems.map((p) => `  - ${p.file}: ${p.message}`).join("\n")}\n`);
    return 1;
  }
  const protectedIds = new Set([...writes.objects].filter(([, o]) => o.pruneDisabled).map(([id]) => id));
  const hasFolder = (repoPath: string) => fs.existsSync(path.join(projectRoot, repoPath, "kustomization.yaml"));
  const comparison = compareInventories(running, { ...tree, hasFolder }, { protected: protectedIds, acknowledged: parseAcknowledgements(ackText) });
  io.out(`Switching stack ${args.stack} to ${syncPath}: what Flux would delete\n\n`);
  io.out(formatComparison(comparison));
  const paths = loadUpgradePaths(projectRoot);
  const stages = versionStages(running.releases, tree, running.flux, paths);
  io.out(`\n${formatStages(stages)}`);
  // The CRD bundles the adopt up writes: compared before it (the runbook's first step prints this too).
  const bundles = bundleStages(projectRoot, loadBootstrapPlan(projectRoot).crdSets, running.crds, paths);
  io.out(`\n${formatStages(bundles, CRD_WORDING)}`);
  const jumps = [...stages, ...bundles].filter((s) => s.steps.length > 1 || s.problem !== undefined);
  return comparison.unacknowledged.length === 0 && jumps.length === 0 ? 0 : 1;
}
