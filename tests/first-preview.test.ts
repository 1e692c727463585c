/**
 * The program as a first `pulumi preview` of the running clusters sees it: every output of a
 * resource created in the run is unknown (harness `firstPreview`). What a reviewer must
 * still get at that preview is asserted here.
 */
import { MockSecret, named, programResources, readProjectConfig, PROJECT_ROOT, RunResult, sharedRun } from "../harness";
import { readSchematic } from "../components/talos/schematic";
import { PINS } from "./helpers/pins";
import { generatingPki } from "./helpers/generated-pki";

const APPLY = "talos:machine/configurationApply:ConfigurationApply";
const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
const UNKNOWN = { __pulumiUnknown: true };

const nodesOf = (stack: string) =>
  readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:nodes"] as unknown as { address: string; hostname: string; role: string }[];
const installer = () => `factory.talos.dev/metal-installer/${readSchematic(PROJECT_ROOT).schematic?.id ?? "?"}:${PINS.talos}`;
const applyOf = (run: RunResult, address: string) => named(run, APPLY, address);

describe.each(["infra", "apps"])("first preview of %s (adopted PKI)", (stack) => {
  const run = () => sharedRun({ stack, firstPreview: true });

  it("evaluates without error and registers the whole graph", async () => {
    const first = await run();
    const up = await sharedRun({ stack });
    expect(first.error).toBeUndefined();
    // Registration order differs (nothing waits on unknown values), the set does not.
    const names = (r: typeof first) => programResources(r).map((x) => `${x.type}::${x.name}`).sort();
    expect(names(first)).toEqual(names(up));
  });

  it("gives the Kubernetes provider a kubeconfig known at preview, as a secret, so previews diff the live objects", async () => {
    const first = await run();
    const provider = first.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider?.inputs.kubeconfig).toBeInstanceOf(MockSecret);
    expect(String((provider?.inputs.kubeconfig as MockSecret).value)).toMatch(/client-certificate-data/);
  });

  it("computes every node's machine config, with the installer image, as the apply's known (secret) input", async () => {
    const first = await run();
    const up = await sharedRun({ stack });
    const nodes = nodesOf(stack);
    expect(first.invokes.filter((i) => i.token === GET_CONFIGURATION)).toHaveLength(nodes.length);
    for (const node of nodes) {
      const input = applyOf(first, node.address).inputs.machineConfigurationInput;
      expect(input).toBeInstanceOf(MockSecret);
      const config = String((input as MockSecret).value);
      expect(config).toContain(`hostname: ${node.hostname}`);
      expect(config).toContain(`image: ${installer()}`);
      // The same config `up` applies: a preview shows the real per-node change.
      expect(input).toEqual(applyOf(up, node.address).inputs.machineConfigurationInput);
    }
  });

  it("leaves unknown only the Talos admin credentials the run issues (a fresh client certificate), not the configs", async () => {
    const first = await run();
    for (const node of nodesOf(stack)) {
      const inputs = applyOf(first, node.address).inputs;
      const unknown = Object.keys(inputs).filter((k) => JSON.stringify(inputs[k]) === JSON.stringify(UNKNOWN));
      expect([node.address, unknown]).toEqual([node.address, ["clientConfiguration"]]);
    }
  });
});

describe("first preview of a stack that generates its PKI", () => {
  const stack = "infra";
  const run = () => sharedRun({ stack, firstPreview: true, ...generatingPki(stack) });

  it("knows the installer image, but no machine config: the machine secrets are created by the run", async () => {
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.outputs.installerImage).toEqual({ value: installer(), secret: false });
    // getConfiguration waits on talos:machine/secrets:Secrets, created in the run: not called.
    expect(first.invokes.filter((i) => i.token === GET_CONFIGURATION)).toEqual([]);
    for (const node of nodesOf(stack)) expect(applyOf(first, node.address).inputs.machineConfigurationInput).toEqual(UNKNOWN);
  });
});
