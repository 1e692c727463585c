/**
 * `npm run bench`: evaluation time of each stack under the mock runtime, and of
 * generated fleets of growing size, as Markdown tables on stdout (progress on stderr).
 */
import * as os from "os";
import { PROJECT_ROOT, stackNames } from "../../harness";
import { Measurement, measureGroup } from "./measure";
import { copyProject, fleetStacks, writeFleetStack } from "./scenario";
import { markdownTable, ms, stats } from "./stats";

export interface BenchOptions {
  readonly runs: number;
  readonly largeRuns: number;
  readonly sizes: readonly number[];
  readonly clusters: number;
  readonly base: string;
  readonly large: boolean;
}

const USAGE = `usage: npm run bench -- [--runs N] [--large-runs N] [--sizes 3,10,25,50] [--clusters 3] [--base STACK] [--no-large]`;

export function parseBenchArgs(argv: readonly string[], stacks: readonly string[]): BenchOptions | string {
  const options = { runs: 7, largeRuns: 5, sizes: [3, 10, 25, 50], clusters: 3, base: stacks[0] ?? "", large: true };
  const positive = (text: string | undefined) => (text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) : undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--no-large") options.large = false;
    else if (arg === "--runs" || arg === "--large-runs" || arg === "--clusters") {
      const n = positive(value);
      if (n === undefined) return `${arg} needs a positive whole number\n${USAGE}`;
      if (arg === "--runs") options.runs = n;
      else if (arg === "--large-runs") options.largeRuns = n;
      else options.clusters = n;
      i++;
    } else if (arg === "--sizes") {
      const sizes = (value ?? "").split(",").map((s) => positive(s));
      if (sizes.length === 0 || sizes.some((s) => s === undefined)) return `--sizes needs a list such as 3,10,25,50\n${USAGE}`;
      options.sizes = sizes as number[];
      i++;
    } else if (arg === "--base") {
      if (!value || !stacks.includes(value)) return `--base needs one of: ${stacks.join(", ")}\n${USAGE}`;
      options.base = value;
      i++;
    } else return `unknown argument ${arg}\n${USAGE}`;
  }
  if (options.clusters > 3) return "--clusters: the generated networks allow at most 3 clusters per fleet";
  return options;
}

export function machine(): string {
  const cpus = os.cpus();
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${memory} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}; load average at start ${load}`;
}

function range(values: readonly number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function stackTable(measurements: readonly Measurement[]): string {
  return markdownTable(
    ["stack", "runs", "median ms", "min ms", "max ms", "median CPU ms", "resources", "invokes", "longest chain", "chain from → to"],
    measurements.map((m) => [
      m.stack,
      m.time.runs,
      ms(m.time.median),
      ms(m.time.min),
      ms(m.time.max),
      ms(m.cpu.median),
      m.resources,
      m.invokes,
      m.chain,
      `${m.chainFrom} → ${m.chainTo}`,
    ]),
  );
}

function fleetRow(nodes: number, group: readonly Measurement[]): (string | number)[] {
  const median = stats(group.map((m) => m.time.median)).median;
  return [
    nodes,
    group.length,
    group[0].time.runs,
    ms(median),
    `${ms(Math.min(...group.map((m) => m.time.min)))}–${ms(Math.max(...group.map((m) => m.time.max)))}`,
    ms(stats(group.map((m) => m.cpu.median)).median),
    ms(group.reduce((sum, m) => sum + m.time.median, 0)),
    range(group.map((m) => m.resources)),
    range(group.map((m) => m.invokes)),
    range(group.map((m) => m.chain)),
    (median / nodes).toFixed(1),
  ];
}

export async function bench(options: BenchOptions, progress: (line: string) => void): Promise<string> {
  const stacks = stackNames(PROJECT_ROOT);
  progress(`stacks ${stacks.join(", ")}: ${options.runs} timed runs each`);
  const real = await measureGroup(PROJECT_ROOT, stacks, options.runs);
  const sections = [
    "# Evaluation under the mock runtime",
    "",
    `Machine: ${machine()}`,
    "",
    "Each run evaluates the whole program for one stack (config, every resource and invoke, outputs)",
    "under Pulumi's mock runtime; stacks that mesh see each other's outputs. Wall times are medians;",
    "CPU time (all threads) is less affected by other load on the machine.",
    "",
    "## Stacks",
    "",
    stackTable(real),
  ];
  if (options.large) {
    const scenario = copyProject(PROJECT_ROOT);
    try {
      const rows: (string | number)[][] = [];
      for (const [i, nodes] of options.sizes.entries()) {
        const fleet = fleetStacks(nodes, options.clusters);
        fleet.forEach((stack, k) => writeFleetStack(scenario.root, options.base, { stack, index: k + 1, nodes, fleet, fleetNumber: i + 1 }));
        progress(`fleet of ${options.clusters} × ${nodes} nodes: ${options.largeRuns} timed runs per cluster`);
        rows.push(fleetRow(nodes, await measureGroup(scenario.root, fleet, options.largeRuns)));
      }
      sections.push(
        "",
        `## Generated fleets (${options.clusters} meshed clusters derived from stack ${options.base})`,
        "",
        markdownTable(
          ["nodes per cluster", "clusters", "runs per cluster", "median ms per cluster", "min–max ms", "median CPU ms per cluster", "ms for all clusters", "resources per cluster", "invokes per cluster", "longest chain", "ms per node"],
          rows,
        ),
      );
    } finally {
      scenario.remove();
    }
  }
  return `${sections.join("\n")}\n`;
}
