/**
 * The benchmark's generated fleets must stay valid stacks as the config schema evolves:
 * a generated cluster runs the real program without a config error, with every node.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT, programResources, runProgram, stackNames } from "../harness";
import { parseBenchArgs } from "../tools/bench/cli";
import { Scenario, copyProject, fleetStacks, writeFleetStack } from "../tools/bench/scenario";
import { markdownTable, stats } from "../tools/bench/stats";

describe("bench statistics", () => {
  it("takes the median of odd and even sample counts", () => {
    expect(stats([5, 1, 3])).toEqual({ runs: 3, median: 3, min: 1, max: 5 });
    expect(stats([4, 1, 3, 2])).toEqual({ runs: 4, median: 2.5, min: 1, max: 4 });
    expect(() => stats([])).toThrow(/no samples/);
    expect(markdownTable(["a", "b"], [[1, "x|y"]])).toBe("| a | b |\n|---|---|\n| 1 | x\\|y |");
  });

  it("parses its options and rejects bad ones", () => {
    expect(parseBenchArgs([], ["apps", "infra"])).toMatchObject({ runs: 7, sizes: [3, 10, 25, 50], clusters: 3, base: "apps", large: true });
    expect(parseBenchArgs(["--runs", "3", "--sizes", "2,4", "--base", "infra", "--no-large"], ["apps", "infra"])).toMatchObject({
      runs: 3,
      sizes: [2, 4],
      base: "infra",
      large: false,
    });
    expect(parseBenchArgs(["--runs", "0"], ["infra"])).toMatch(/positive whole number/);
    expect(parseBenchArgs(["--base", "nope"], ["infra"])).toMatch(/--base needs one of: infra/);
  });
});

describe.each(stackNames(PROJECT_ROOT).slice(0, 1))("a fleet generated from stack %s", (base) => {
  let scenario: Scenario;

  beforeAll(() => {
    scenario = copyProject(PROJECT_ROOT);
  });
  afterAll(() => scenario.remove());

  it("writes a stack file, any per-node Talos overrides and a Flux cluster directory for each cluster", () => {
    const fleet = fleetStacks(5, 2);
    expect(fleet).toEqual(["n5-c1", "n5-c2"]);
    fleet.forEach((stack, k) => writeFleetStack(scenario.root, base, { stack, index: k + 1, nodes: 5, fleet, fleetNumber: 1 }));
    const config = (parse(fs.readFileSync(path.join(scenario.root, "Pulumi.n5-c2.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> }).config;
    const nodes = config["k8s-gitops:nodes"] as unknown as { address: string; hostname: string; role: string }[];
    expect(nodes.map((n) => n.address)).toEqual(["10.12.1.11", "10.12.1.12", "10.12.1.13", "10.12.1.14", "10.12.1.15"]);
    expect(nodes.map((n) => n.role)).toEqual(["controlplane", "controlplane", "controlplane", "worker", "worker"]);
    expect(config["k8s-gitops:cluster"]).toMatchObject({ name: "n5-c2", bootstrapNode: "10.12.1.11" });
    const baseConfig = (parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${base}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
    const baseNode = (baseConfig["k8s-gitops:nodes"] as { address: string; hostname: string }[])[0];
    // Network documents come from the node entries; an override is copied only where the base has one.
    const baseOverride = path.join(PROJECT_ROOT, "talos", base, `${baseNode.address}.yaml`);
    for (const node of nodes) {
      const file = path.join(scenario.root, "talos", "n5-c2", `${node.address}.yaml`);
      expect(fs.existsSync(file)).toBe(fs.existsSync(baseOverride));
      if (!fs.existsSync(file)) continue;
      const patch = fs.readFileSync(file, "utf8");
      expect(patch).not.toContain(baseNode.address);
      expect(patch).not.toContain(baseNode.hostname);
    }
    const baseFlux = path.join(PROJECT_ROOT, "kubernetes", "clusters", base);
    if (fs.existsSync(baseFlux)) expect(fs.readdirSync(path.join(scenario.root, "kubernetes", "clusters", "n5-c2"))).toEqual(fs.readdirSync(baseFlux));
    expect(fs.lstatSync(path.join(scenario.root, "node_modules")).isSymbolicLink()).toBe(true);
  });

  it("runs the real program for a generated cluster with every node", async () => {
    const fleet = fleetStacks(4, 1);
    writeFleetStack(scenario.root, base, { stack: fleet[0], index: 1, nodes: 4, fleet, fleetNumber: 2 });
    const result = await runProgram({ stack: fleet[0], projectRoot: scenario.root });
    expect(result.error).toBeUndefined();
    expect(result.outputs.nodes?.value).toHaveLength(4);
    expect(programResources(result).length).toBeGreaterThan(0);
  });
});
