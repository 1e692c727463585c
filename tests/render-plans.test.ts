/**
 * "Node X's patches" is one pure function (components/talos/plan.ts nodePatchPlan): the
 * stack's plans come from config alone, and the render draws each node's Talos file from
 * its plan, refusing a program whose patches differ. Talos secret inputs render as secret
 * objects even when a leaf is not a secret the run knows.
 */
import { PROJECT_ROOT, RunResult, readProjectConfig, reveal, runProgram } from "../harness";
import { clusterPatchFiles } from "../components/talos/patches";
import { nodeOverridePath } from "../components/talos/plan";
import { nodePatchPlans, stackConfigFromValues } from "../stacks/plans";
import { ConfigError } from "../stacks/errors";
import { renderResult } from "../tools/render/index";
import { FileNames } from "../tools/render/names";
import { OriginIndex } from "../tools/render/origins";
import { INSTALLER_IMAGE_OUTPUT, stackPlans } from "../tools/render/plans";
import { Redactor } from "../tools/render/redact";
import { CONFIGURATION_APPLY, GET_CONFIGURATION, markTalosSecrets, NodePatchPlans, renderTalos, TalosPlanMismatch } from "../tools/render/talos";

const IMAGE = "factory.talos.dev/metal-installer/test-schematic:v0.0.0";

describe("node patch plans from config alone (no mock runtime)", () => {
  const config = stackConfigFromValues(readProjectConfig(PROJECT_ROOT, "infra").values);
  const plans = nodePatchPlans(config, PROJECT_ROOT, IMAGE);

  it("plans every configured node, by address, in config order", () => {
    expect([...plans.keys()]).toEqual(config.nodes.map((n) => n.address));
  });

  it("orders cluster files, role files, derived documents, network documents, then the override", () => {
    for (const node of config.nodes) {
      const sources = (plans.get(node.address) ?? []).map((p) => p.source);
      const files = clusterPatchFiles(PROJECT_ROOT, node.role);
      expect(sources.slice(0, files.length)).toEqual(files);
      const rest = sources.slice(files.length);
      expect(rest.slice(0, 2)).toEqual(["generated: derived from config", "generated: network"]);
      expect(rest.slice(2)).toEqual(rest.length > 2 ? [nodeOverridePath(config.cluster.name, node.address)] : []);
    }
  });

  it("the generated documents say what they are generated from and carry the node's own values", () => {
    const node = config.nodes[0];
    const [derived, network] = (plans.get(node.address) ?? []).filter((p) => p.source.startsWith("generated:"));
    expect(derived.text.split("\n")[0]).toMatch(new RegExp(`^# Generated from stack config .*node ${node.address.replace(/\./g, "\\.")}`));
    expect(derived.text).toContain(IMAGE);
    expect(network.text.split("\n")[0]).toMatch(/^# Generated from stack config \(network/);
    expect(network.text).toContain(node.hostname);
  });

  it("refuses config values the schema rejects, naming the config path", () => {
    const values = { ...readProjectConfig(PROJECT_ROOT, "infra").values, "k8s-gitops:nodes": [] };
    expect(() => stackConfigFromValues(values)).toThrow(ConfigError);
    expect(() => stackConfigFromValues(values)).toThrow(/k8s-gitops:nodes/);
  });
});

describe("render of a stack's Talos patches from its plans", () => {
  let result: RunResult;

  beforeAll(async () => {
    result = await runProgram({ stack: "e2e" });
    expect(result.error).toBeUndefined();
  });

  const plansOf = (): NodePatchPlans => {
    const plans = stackPlans(result, PROJECT_ROOT);
    if (!plans) throw new Error("the e2e run has no node plans");
    return plans;
  };
  const render = (plans: NodePatchPlans = plansOf()) => {
    const redactor = new Redactor(OriginIndex.build(result), [PROJECT_ROOT]);
    return renderTalos(result, redactor, new FileNames(), plans);
  };

  it("uses the plan of the run's config and exported installer image", () => {
    const plans = stackPlans(result, PROJECT_ROOT);
    const image = result.outputs[INSTALLER_IMAGE_OUTPUT]?.value;
    expect(typeof image).toBe("string");
    expect(plans).toEqual(nodePatchPlans(stackConfigFromValues(result.config), PROJECT_ROOT, image as string));
  });

  it("labels every patch with its source, one file per planned node, paired with the apply addressed to it", () => {
    const plans = plansOf();
    const rendered = render();
    expect(rendered.map((r) => r.node).sort()).toEqual([...plans.keys()].sort());
    for (const node of rendered) {
      const plan = plans.get(node.node) ?? [];
      plan.forEach((patch, i) => expect(node.content).toContain(`# getConfiguration configPatches[${i}] from ${patch.source}\n`));
      const apply = result.resources.find((r) => r.type === CONFIGURATION_APPLY && reveal(r.inputs.node) === node.node);
      expect(node.content).toContain(`Applied by ${CONFIGURATION_APPLY} "${apply?.name}".`);
    }
    expect(renderResult(result, PROJECT_ROOT).files.get(rendered[0].file)).toBe(rendered[0].content);
  });

  it("fails, naming the node, when the program's patches differ from the plan", () => {
    const plans = plansOf();
    const [address, plan] = [...plans][0];
    const edited = new Map(plans);
    edited.set(address, plan.map((p, i) => (i === 0 ? { ...p, text: `${p.text}# edited\n` } : p)));
    expect(() => render(edited)).toThrow(TalosPlanMismatch);
    expect(() => render(edited)).toThrow(new RegExp(`node ${address.replace(/\./g, "\\.")}: no getConfiguration invoke carries its planned patches`));
  });

  it("fails when the program applies to a node the plans do not have", () => {
    expect(() => render(new Map())).toThrow(/applies to a node with no plan/);
  });

  it("renders Talos secret inputs as secret objects: a leaf the run does not know as a secret still becomes a placeholder", () => {
    const redactor = new Redactor(OriginIndex.build(result), [PROJECT_ROOT]);
    const inputs = { machineSecrets: { cluster: { id: "unknown-to-the-run", secret: "also-unknown" } }, clusterName: "e2e" };
    const where = `invoke ${GET_CONFIGURATION}`;
    expect(redactor.clean(inputs, where, "", true)).toEqual(inputs); // what an unmarked invoke argument would show
    const cleaned = redactor.clean(markTalosSecrets(GET_CONFIGURATION, inputs), where, "", true) as typeof inputs;
    expect(cleaned.clusterName).toBe("e2e");
    expect(cleaned.machineSecrets.cluster.id).toMatch(/^<secret at invoke .* machineSecrets\.cluster\.id>$/);
    expect(JSON.stringify(cleaned)).not.toMatch(/unknown-to-the-run|also-unknown/);
  });
});
