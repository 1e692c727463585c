/**
 * Talos patches: every document the program sends (cluster-wide files, config-derived
 * documents, per-node files) validates against the Talos 1.13 schema, per kind; and the
 * runtime checks (no schema at runtime) fail with the file and the reason before any
 * resource is registered.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, ofType, PROJECT_ROOT, programResources, readProjectConfig, reveal, runProgram, RunResult } from "../harness";
import { TALOS_DOCUMENT_KINDS, parsePatch } from "../components/talos/documents";
import { checkClusterPatches, checkNodePatch } from "../components/talos/patches";
import { checkSchematic } from "../components/talos/schematic";
import { stackConfigSchema } from "../stacks/schema";
import { checkStackConfig } from "../stacks/validate";
import { hasTalosSchema, schemaKinds, TALOS_SCHEMA_FILE, validatePatchText } from "./helpers/talos-schema";
import { schemasRoot } from "./helpers/schemas";
import { PINS } from "./helpers/pins";

const STACKS = ["infra", "apps"] as const;
const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";

function patchFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? patchFiles(full) : /\.ya?ml$/.test(e.name) ? [full] : [];
  });
}

/** Every YAML file under talos/ except the schematic (which is no machine config). */
const TALOS_FILES = patchFiles(path.join(PROJECT_ROOT, "talos"))
  .filter((f) => path.basename(f) !== "schematic.yaml")
  .map((f) => path.relative(PROJECT_ROOT, f));

const runs = new Map<string, RunResult>();
async function run(stack: string): Promise<RunResult> {
  if (!runs.has(stack)) runs.set(stack, await runProgram({ stack }));
  return runs.get(stack) as RunResult;
}

function sentPatches(result: RunResult): { node: string; patches: string[] }[] {
  return result.invokes
    .filter((i) => i.token === GET_CONFIGURATION)
    .map((i) => ({ node: String(i.inputs.machineType), patches: reveal(i.inputs.configPatches) as string[] }));
}

// In CI (K8S_GITOPS_REQUIRE_SCHEMAS=1) a missing schema fails instead of skipping.
const withSchema = hasTalosSchema() || process.env.K8S_GITOPS_REQUIRE_SCHEMAS === "1" ? describe : describe.skip;
if (!hasTalosSchema()) console.warn(`skipping Talos schema validation: ${path.join(schemasRoot(), TALOS_SCHEMA_FILE)} not found`);

withSchema("against the Talos 1.13 schema", () => {
  it("the runtime's list of document kinds is the schema's", () => {
    expect([...TALOS_DOCUMENT_KINDS].sort()).toEqual([...schemaKinds().keys()].sort());
  });

  it.each(TALOS_FILES)("%s validates document by document", (file) => {
    expect(validatePatchText(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"), file)).toEqual([]);
  });

  it.each(STACKS)("%s: every document of every patch sent for every node validates", async (stack) => {
    const result = await run(stack);
    expect(result.error).toBeUndefined();
    const sent = sentPatches(result);
    expect(sent).toHaveLength((readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:nodes"] as unknown[]).length);
    for (const { patches } of sent) {
      expect(patches.length).toBeGreaterThan(3);
      patches.forEach((text, i) => expect(validatePatchText(text, `${stack} patch ${i}`)).toEqual([]));
    }
  });

  it("rejects what the schema rejects, naming the file, the document and the reason", () => {
    const text = [
      "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: infra-01\n",
      "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [a]\nbondMode: lacp\n",
      "machine:\n  sysctls:\n    vm.nr_hugepages: 1024\n",
    ].join("---\n");
    const errors = validatePatchText(text, "talos/infra/bad.yaml");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^talos\/infra\/bad\.yaml: document 2 \(BondConfig bond0\): \/bondMode must be equal to one of the allowed values/);
    expect(errors[1]).toMatch(/^talos\/infra\/bad\.yaml: document 3 \(v1alpha1\): \/machine\/sysctls\/vm\.nr_hugepages must be string/);
  });

  it("rejects removed v1alpha1 fields (machine.network) and unknown keys", () => {
    const errors = validatePatchText("machine:\n  network:\n    hostname: x\n  bogus: 1\n", "p.yaml");
    expect(errors.some((e) => e.includes("machine.network is not in the Talos 1.13 schema"))).toBe(true);
    expect(errors.some((e) => e.includes("/machine must NOT have additional properties"))).toBe(true);
  });
});

describe("what the program sends to getConfiguration", () => {
  it.each(STACKS)("%s: cluster-wide files, role files, derived documents, then the node's own file", async (stack) => {
    const result = await run(stack);
    const config = readProjectConfig(PROJECT_ROOT, stack).values;
    const nodes = config["k8s-gitops:nodes"] as { address: string; hostname: string }[];
    const invokes = result.invokes.filter((i) => i.token === GET_CONFIGURATION);
    expect(invokes).toHaveLength(nodes.length);
    const urls = result.invokes.find((i) => i.token === "talos:imageFactory/getUrls:getUrls");
    const installer = `factory.talos.dev/metal-installer/${String(urls?.inputs.schematicId)}:${PINS.talos}`;
    for (const [i, node] of nodes.entries()) {
      const patches = reveal(invokes[i].inputs.configPatches) as string[];
      const own = fs.readFileSync(path.join(PROJECT_ROOT, "talos", stack, `${node.address}.yaml`), "utf8");
      expect(patches[patches.length - 1]).toBe(own);
      expect(patches.slice(0, 4)).toEqual(
        ["cluster.yaml", "machine.yaml", "storage.yaml", "watchdog.yaml"].map((f) => fs.readFileSync(path.join(PROJECT_ROOT, "talos", "patches", f), "utf8")),
      );
      expect(patches[4]).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "talos", "patches", "controlplane", "controlplane.yaml"), "utf8"));
      const derived = parsePatch(patches[5]).documents;
      const machine = derived.find((d) => d.kind === "v1alpha1")?.body as { machine: Record<string, Record<string, unknown>>; cluster: Record<string, Record<string, unknown>> };
      expect(machine.machine.install).toEqual({ image: installer, diskSelector: { model: "Samsung SSD 860" } });
      expect(machine.machine.nodeLabels).toEqual({ "topology.kubernetes.io/region": stack, "topology.kubernetes.io/zone": "m", cluster: stack });
      expect(machine.machine.kubelet).toEqual({ nodeIP: { validSubnets: ["10.25.11.0/24"] } });
      expect(machine.cluster.apiServer).toEqual({ certSANs: [`${stack}-k8s.monosense.io`] });
      expect(machine.cluster.etcd).toEqual({ advertisedSubnets: ["10.25.11.0/24"] });
      const network = (config["k8s-gitops:network"] as { podCidr: string; serviceCidr: string });
      expect(machine.cluster.network).toEqual({ podSubnets: [network.podCidr], serviceSubnets: [network.serviceCidr] });
      expect(derived.find((d) => d.kind === "ResolverConfig")?.body.nameservers).toEqual([{ address: "10.25.10.30" }]);
      expect(derived.find((d) => d.kind === "TimeSyncConfig")?.body.ntp).toEqual({ servers: ["time.cloudflare.com"] });
    }
  });
});

describe("runtime checks without the schema", () => {
  it.each([
    ["invalid YAML", "a: [1,\n", "document 1: invalid YAML"],
    ["a list, not a mapping", "- a\n", "document 1: is not a mapping"],
    ["kind without apiVersion", "kind: BondConfig\nname: bond0\n", "document 1: kind and apiVersion must both be strings"],
    ["neither form", "hostname: x\n", "document 1: has neither apiVersion and kind nor the v1alpha1 machine/cluster form"],
    ["unknown kind", "apiVersion: v1alpha1\nkind: BondConfg\nname: b\n", "document 1 (BondConfg b): unknown document kind for Talos 1.13"],
    ["removed field", "machine:\n  time:\n    servers: [a]\n", "document 1 (v1alpha1): machine.time is not in the Talos 1.13 schema (use a TimeSyncConfig document)"],
    ["duplicate", "apiVersion: v1alpha1\nkind: LinkConfig\nname: a\n---\napiVersion: v1alpha1\nkind: LinkConfig\nname: a\n", "document 2 (LinkConfig a): duplicates an earlier document"],
    ["hostname without auto: off", "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: x\n", "a static hostname needs auto: off"],
    ["empty", "# nothing\n", "has no documents"],
  ])("%s", (_name, text, reason) => {
    expect(parsePatch(text).problems.join("\n")).toContain(reason);
  });

  it("accepts the committed files", () => {
    expect(checkClusterPatches(PROJECT_ROOT)).toEqual([]);
    expect(checkSchematic(PROJECT_ROOT)).toEqual([]);
  });
});

describe("a missing, malformed or disagreeing patch fails before any resource", () => {
  async function failing(config: Record<string, unknown>): Promise<string> {
    const result = await runProgram({ stack: "infra", config });
    expect(result.error?.name).toBe("ConfigError");
    expect(programResources(result)).toEqual([]);
    expect(ofType(result, "talos:machine/configurationApply:ConfigurationApply")).toEqual([]);
    return result.error?.message ?? "";
  }

  it("missing node patch", async () => {
    const message = await failing({ "k8s-gitops:nodes[2].address": "10.25.11.19" });
    expect(message).toContain("k8s-gitops:nodes[2]: node 10.25.11.19 has no Talos patch file talos/infra/10.25.11.19.yaml");
  });

  it("hostname in the file disagrees with config", async () => {
    const message = await failing({ "k8s-gitops:nodes[1].hostname": "infra-09" });
    expect(message).toContain("k8s-gitops:nodes[1]: talos/infra/10.25.11.12.yaml: HostnameConfig must set hostname infra-09 (config), found infra-02");
  });

  it("bond member selector disagrees with config", async () => {
    const message = await failing({ "k8s-gitops:nodes[0].bondMembers.driver": "ixgbe" });
    expect(message).toContain(
      'k8s-gitops:nodes[0]: talos/infra/10.25.11.11.yaml: no LinkAliasConfig selects the bond members by glob("f8:f2:1e:20:57:*", mac(link.permanent_addr)) && link.driver == "ixgbe"',
    );
  });

  it("bond settings, member links and VLANs disagree with config", async () => {
    const message = await failing({
      "k8s-gitops:network.bond.mtu": 1500,
      "k8s-gitops:network.vlans": [{ id: 2513, mtu: 1500 }],
      "k8s-gitops:nodes[2].bondMembers.links": ["eth0", "eth1"],
    });
    const file = "talos/infra/10.25.11.13.yaml";
    expect(message).toContain(`${file}: document 3 (BondConfig bond0): mtu is 9000, network.bond says 1500`);
    expect(message).toContain(`${file}: no VLANConfig for VLAN 2513 (network.vlans)`);
    expect(message).toContain(`${file}: document 4 (VLANConfig bond0.2512): VLAN 2512 is not in network.vlans`);
    expect(message).toContain(`${file}: EthernetConfig documents must name exactly the member links eth0, eth1`);
  });

  describe("files on disk (config check against a copy of talos/)", () => {
    let root: string;
    const infra = stackConfigSchema.parse(
      Object.fromEntries(
        Object.entries(applyOverrides(readProjectConfig(PROJECT_ROOT, "infra").values, {}))
          .filter(([k]) => k.startsWith("k8s-gitops:"))
          .map(([k, v]) => [k.slice("k8s-gitops:".length), v]),
      ),
    );
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "talos-patches-"));
      fs.cpSync(path.join(PROJECT_ROOT, "talos"), path.join(root, "talos"), { recursive: true });
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("the copy passes", () => {
      expect(checkStackConfig(infra, root).problems).toEqual([]);
    });

    it("malformed node patch", () => {
      fs.writeFileSync(path.join(root, "talos/infra/10.25.11.12.yaml"), "apiVersion: v1alpha1\nkind: HostnameConfig\n  hostname: [\n");
      const problems = checkStackConfig(infra, root).problems;
      expect(problems).toEqual([{ path: "nodes[1]", message: expect.stringMatching(/^talos\/infra\/10\.25\.11\.12\.yaml: document 1: invalid YAML: /) }]);
    });

    it("malformed or outdated cluster-wide patch", () => {
      fs.writeFileSync(path.join(root, "talos/patches/machine.yaml"), "machine:\n  network:\n    nameservers: [10.25.10.30]\n");
      fs.writeFileSync(path.join(root, "talos/patches/controlplane/extra.yaml"), "- not a document\n");
      expect(checkStackConfig(infra, root).problems).toEqual([
        { path: "talos", message: expect.stringContaining("talos/patches/machine.yaml: document 1 (v1alpha1): machine.network is not in the Talos 1.13 schema") },
        { path: "talos", message: "talos/patches/controlplane/extra.yaml: document 1: is not a mapping" },
      ]);
    });

    it("ignored interface configured by a node patch", () => {
      const file = path.join(root, "talos/infra/10.25.11.11.yaml");
      fs.appendFileSync(file, "---\napiVersion: v1alpha1\nkind: LinkConfig\nname: eno1\n");
      expect(checkNodePatch(root, "talos/infra/10.25.11.11.yaml", infra.nodes[0], infra.network)).toEqual([
        "talos/infra/10.25.11.11.yaml: document 7 (LinkConfig eno1): configures eno1, which network.ignoredInterfaces leaves alone",
      ]);
    });

    it("broken schematic", () => {
      fs.writeFileSync(path.join(root, "talos/schematic.yaml"), "customization:\n  extraKernelArgs: mitigations=off\n");
      expect(checkStackConfig(infra, root).problems).toEqual([
        { path: "talos", message: "talos/schematic.yaml: customization.extraKernelArgs must be a list of strings" },
      ]);
    });
  });
});
