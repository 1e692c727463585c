/**
 * `npm run migration -- compare <stack> --inventory FILE [--acknowledge FILE]`: what Flux
 * would delete when the running cluster's sync switches to this tree. Exit 0 only when
 * nothing would be deleted that is not acknowledged; 1 otherwise (the runbook's switch
 * step stops there); 2 on bad arguments.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, runProgram } from "../../harness";
import { checkedStackArgs, consoleIo, type Io } from "../cli";
import { readFluxTree } from "../../bootstrap/flux-tree";
import { compareInventories, formatComparison, parseAcknowledgements } from "./compare";
import { InventoryError, parseInventory } from "./inventory";
import { programWrites } from "./program";
import { formatStages, versionStages } from "./stages";

export type { Io } from "../cli";

const USAGE = `usage: npm run migration -- compare <stack> --inventory FILE [--acknowledge FILE]

FILE is the running Flux's state, saved read-only from the cluster:
  kubectl get kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io -A -o yaml > FILE
Runs the program offline (as npm run render does) for the stack's cluster-settings, builds
the tree at its sync path, and lists per Kustomization every object Flux would prune after
the switch, and every chart whose running version is more than one supported step from
its pin. Exits 1 while that list holds anything not acknowledged.
The acknowledge FILE lists accepted deletions, one per line: <namespace>/<kustomization> <id>, or <id>.
`;

export interface Args {
  readonly stack: string;
  readonly inventory: string;
  readonly acknowledge?: string;
}

export function parseArgs(argv: readonly string[]): Args | string {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return USAGE;
    const m = /^--(inventory|acknowledge)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === "" || value.startsWith("--")) return `--${m[1]} needs a file\n\n${USAGE}`;
      flags[m[1]] = value;
    } else if (arg.startsWith("-")) return `unknown option ${arg}\n\n${USAGE}`;
    else positional.push(arg);
  }
  if (positional.length !== 2 || positional[0] !== "compare" || flags.inventory === undefined) return USAGE;
  return { stack: positional[1], inventory: flags.inventory, acknowledge: flags.acknowledge };
}

export async function main(argv: readonly string[], io: Io = consoleIo, projectRoot: string = PROJECT_ROOT): Promise<number> {
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
  const inventoryText = read(args.inventory);
  const ackText = args.acknowledge === undefined ? "" : read(args.acknowledge);
  if (inventoryText === undefined || ackText === undefined) return 2;
  let running;
  try {
    running = parseInventory(inventoryText, args.inventory);
  } catch (err) {
    if (err instanceof InventoryError) {
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
  const stages = versionStages(running.releases, tree, running.flux);
  io.out(`\n${formatStages(stages)}`);
  const jumps = stages.filter((s) => s.steps.length > 1 || s.problem !== undefined);
  return comparison.unacknowledged.length === 0 && jumps.length === 0 ? 0 : 1;
}
