/**
 * One run names every problem of a config: schema errors, rule violations, missing
 * credentials and unset substitution variables together, in one ConfigError, before any
 * resource is registered. A rule (or the settings check) that reads a section which failed
 * the schema is skipped, never run on half-parsed input.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, PROJECT_ROOT, programResources, readProjectConfig, runProgram, RunResult } from "../harness";
import { orderedProblems } from "../stacks/config";
import { parseSections, SECTION_NAMES } from "../stacks/sections";
import { checkStackConfig } from "../stacks/validate";

const NS = "k8s-gitops:";

async function failing(config: Record<string, unknown>, env?: Record<string, string | undefined>, projectRoot?: string): Promise<RunResult> {
  const result = await runProgram({ stack: "infra", config, env, projectRoot });
  expect(result.error?.name).toBe("ConfigError");
  expect(programResources(result)).toEqual([]);
  expect(result.invokes).toEqual([]);
  return result;
}

const problemLines = (result: RunResult): string[] => (result.error?.message ?? "").split("\n").filter((l) => l.startsWith("  - "));

/** The mesh off, as a stack without peers has it: CLUSTERMESH_IP is then left out of cluster-settings. */
const MESH_OFF = { [`${NS}clustermesh.enabled`]: false, [`${NS}clustermesh.apiserverIp`]: undefined, [`${NS}clustermesh.peers`]: [] };

describe("every kind of problem in one error", () => {
  let root: string;
  const manifest = "kubernetes/infrastructure/networking/cilium/ipam/app/lb-ip-pool.yaml";
  beforeAll(() => {
    // A copy of the project whose tree, as a user might edit it, uses the mesh address.
    root = fs.mkdtempSync(path.join(os.tmpdir(), "config-one-pass-"));
    for (const entry of fs.readdirSync(PROJECT_ROOT)) {
      if (entry !== "node_modules" && entry !== ".git") fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
    const file = path.join(root, manifest);
    fs.appendFileSync(file, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mesh-address\n  namespace: kube-system\ndata:\n  address: \"${CLUSTERMESH_IP}\"\n");
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("a schema error, a rule violation, a missing credential and an unset variable, each at its path", async () => {
    const result = await failing(
      {
        ...MESH_OFF,
        // schema: the talos section
        [`${NS}talos.applyTimeout`]: "soon",
        // rule: the cilium section (two LoadBalancer Services on one address)
        [`${NS}cilium.gateways.internal`]: "10.25.11.110",
      },
      // credential: Connect host without its token
      { OP_CONNECT_TOKEN: undefined },
      root,
    );
    const lines = problemLines(result);
    expect(result.error?.message).toMatch(/^invalid stack config \(4 problems\):/);
    // One line each, ordered by config path.
    expect(lines.map((l) => l.slice(4, l.indexOf(": ", l.indexOf(NS))))).toEqual([
      `${NS}cilium.gateways.internal`,
      `${NS}clustermesh.apiserverIp`,
      `${NS}onepassword.enabled`,
      `${NS}talos.applyTimeout`,
    ]);
    expect(lines[0]).toContain("10.25.11.110 is already cilium.gateways.external");
    expect(lines[1]).toContain(manifest);
    expect(lines[1]).toContain("CLUSTERMESH_IP");
    expect(lines[2]).toContain("OP_CONNECT_HOST is set but OP_CONNECT_TOKEN is not");
    expect(lines[3]).toContain("is not a duration such as 10m");
  }, 60_000);

  it("the same tree with the mesh address set passes: the variable was the only settings problem", async () => {
    const result = await runProgram({ stack: "infra", projectRoot: root });
    expect(result.error).toBeUndefined();
    expect(programResources(result).length).toBeGreaterThan(0);
  }, 60_000);
});

describe("a check over a section that failed the schema is skipped", () => {
  it("nodes not even a list: the rules over nodes and the settings are skipped, the others still report", async () => {
    const result = await failing({
      [`${NS}nodes`]: "infra-01",
      // Read by the LB pool rule (needs nodes): skipped, so not reported.
      [`${NS}cilium.lbPool.start`]: "10.25.11.250",
      // Read only by the settings check (needs nodes): skipped, so not reported.
      [`${NS}flux.path`]: "docs",
      // Read by a rule over clustermesh alone: reported.
      [`${NS}clustermesh.apiserverPort`]: 2380,
    });
    const lines = problemLines(result);
    expect(lines).toEqual([
      `  - ${NS}clustermesh.apiserverPort: 2380: the Cilium chart's clustermesh-apiserver Service listens on 2379 only`,
      expect.stringMatching(new RegExp(`^  - ${NS}nodes: .*expected array`)),
    ]);
  });

  it.each(SECTION_NAMES)("%s of the wrong type: one ConfigError naming it, every check over it skipped, no crash", async (section) => {
    const result = await failing({ [`${NS}${section}`]: "oops" });
    expect(problemLines(result)).toEqual([expect.stringMatching(new RegExp(`^  - ${NS}${section}: Invalid input: expected (object|array), received string`))]);
  });

  it("checkStackConfig names the rules it skipped and runs every other one", () => {
    const values = applyOverrides(readProjectConfig(PROJECT_ROOT, "infra").values, {
      [`${NS}nodes[0].address`]: "nope",
      [`${NS}cilium.gateways.internal`]: "10.25.11.110",
      [`${NS}network.podCidr`]: "10.25.0.0/16",
    });
    const raw = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
    const { sections, problems } = parseSections(raw);
    expect(problems.map((p) => p.path)).toEqual([`${NS}nodes[0].address`]);
    expect(sections.nodes).toBeUndefined();
    const checks = checkStackConfig(sections, PROJECT_ROOT);
    // Both rule problems need nodes (assigned addresses) or not (overlapping networks).
    expect(checks.problems).toEqual([{ path: "network.podCidr", message: "10.25.0.0/16 overlaps network.nodeSubnet 10.25.11.0/24" }]);
    expect(checks.skipped.length).toBeGreaterThan(0);
    for (const skipped of checks.skipped) expect(skipped).toMatch(/\(reads nodes\)$/);
    expect(checks.skipped).toContain("assigned addresses (reads nodes)");
    // With the whole config, nothing is skipped and the gateway collision is found.
    const whole = parseSections({ ...raw, nodes: readProjectConfig(PROJECT_ROOT, "infra").values[`${NS}nodes`] });
    const all = checkStackConfig(whole.sections, PROJECT_ROOT);
    expect(all.skipped).toEqual([]);
    expect(all.problems.map((p) => p.path)).toContain("cilium.gateways.internal");
  });
});

describe("schema messages", () => {
  it("a value of the wrong type says so; only an absent one is 'required'", async () => {
    const result = await failing({ [`${NS}cluster.id`]: "one", [`${NS}cluster.domain`]: undefined });
    expect(problemLines(result)).toEqual([
      expect.stringMatching(new RegExp(`^  - ${NS}cluster\\.domain: is required$`)),
      expect.stringMatching(new RegExp(`^  - ${NS}cluster\\.id: .*expected number, received string$`)),
    ]);
  });
});

describe("orderedProblems", () => {
  it("drops repeats and orders by config path, indexes as numbers", () => {
    const p = (path: string, message = "m") => ({ path, message });
    expect(orderedProblems([p("k:nodes[10].address"), p("k:cluster.id"), p("k:nodes[2].address"), p("k:cluster.id"), p("k:cluster.id", "other")])).toEqual([
      p("k:cluster.id"),
      p("k:cluster.id", "other"),
      p("k:nodes[2].address"),
      p("k:nodes[10].address"),
    ]);
  });
});
