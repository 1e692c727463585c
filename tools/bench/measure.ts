/**
 * Evaluation time of stacks under the mock runtime. Stacks that mesh read each other's
 * outputs through StackReferences, so a group is first run twice to collect every
 * member's outputs (this also loads and compiles the program), then timed with all of
 * them present, as `pulumi preview` sees a deployed fleet.
 */
import { asStackReference, ORGANIZATION, RunResult, StackReferenceState, programResources, readProjectConfig, runProgram } from "../../harness";
import { longestChain } from "../render/graph";
import { subject } from "../render/names";
import { Stats, stats } from "./stats";
import { ProjectError } from "../../lib/problems";

export interface Measurement {
  readonly stack: string;
  /** Wall-clock time of a run. */
  readonly time: Stats;
  /** CPU time of a run (all threads): steadier than wall time on a busy machine. */
  readonly cpu: Stats;
  readonly resources: number;
  readonly invokes: number;
  readonly chain: number;
  readonly chainFrom: string;
  readonly chainTo: string;
  readonly warnings: number;
}

export class BenchError extends ProjectError {}

async function run(projectRoot: string, stack: string, refs: Record<string, StackReferenceState>): Promise<RunResult> {
  const result = await runProgram({ stack, projectRoot, stackReferences: refs });
  if (result.error) throw new BenchError(`stack ${stack} failed under the mock runtime: ${result.error.message}`);
  return result;
}

/** Times each stack of a group `runs` times (after two priming passes). */
export async function measureGroup(projectRoot: string, stacks: readonly string[], runs: number): Promise<Measurement[]> {
  const refs: Record<string, StackReferenceState> = {};
  const project = readProjectConfig(projectRoot, stacks[0]).project;
  for (let pass = 0; pass < 2; pass++) {
    for (const stack of stacks) refs[`${ORGANIZATION}/${project}/${stack}`] = asStackReference(await run(projectRoot, stack, refs));
  }
  const measurements: Measurement[] = [];
  for (const stack of stacks) {
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    let last: RunResult | undefined;
    for (let i = 0; i < runs; i++) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      last = await run(projectRoot, stack, refs);
      samples.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuSamples.push((cpu.user + cpu.system) / 1000);
    }
    const result = last as RunResult;
    const chain = longestChain(result).resources;
    measurements.push({
      stack,
      time: stats(samples),
      cpu: stats(cpuSamples),
      resources: programResources(result).length,
      invokes: result.invokes.length,
      chain: chain.length,
      chainFrom: chain.length > 0 ? subject(chain[0]) : "",
      chainTo: chain.length > 0 ? subject(chain[chain.length - 1]) : "",
      warnings: result.warnings.length,
    });
  }
  return measurements;
}
