/**
 * Talos patches: every document the program sends (cluster-wide files, config-derived
 * and generated network documents, optional per-node overrides) validates against the
 * Talos 1.13 schema, per kind, and passes the Talos rules; the runtime checks (no schema at
 * runtime) fail with the node, the patch and the reason before any resource is registered.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, ofType, PROJECT_ROOT, programResources, readProjectConfig, reveal, sharedRun, RunResult } from "../harness";
import { TALOS_DOCUMENT_KINDS, parsePatch } from "../components/talos/documents";
import { checkClusterPatches } from "../components/talos/patches";
import { nodePatchesProblems } from "../components/talos/rules/check";
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

/** Every YAML file under talos/ except the schematic (which is no machine config): cluster-wide files and any override. */
const TALOS_FILES = patchFiles(path.join(PROJECT_ROOT, "talos"))
  .filter((f) => path.basename(f) !== "schematic.yaml")
  .map((f) => path.relative(PROJECT_ROOT, f));

const runs = new Map<string, RunResult>();
async function run(stack: string): Promise<RunResult> {
  if (!runs.has(stack)) runs.set(stack, await sharedRun({ stack }));
  return runs.get(stack) as RunResult;
}

/** Each getConfiguration invoke's patches, named by the hostname its network patch sets (invokes may complete in any order). */
function sentPatches(result: RunResult): { hostname: string; machineType: string; patches: string[] }[] {
  return result.invokes
    .filter((i) => i.token === GET_CONFIGURATION)
    .map((i) => {
      const patches = reveal(i.inputs.configPatches) as string[];
      const hostname = patches.flatMap((p) => parsePatch(p).documents).find((d) => d.kind === "HostnameConfig")?.body.hostname;
      return { hostname: String(hostname), machineType: String(i.inputs.machineType), patches };
    });
}

function sentTo(result: RunResult, hostname: string): { machineType: string; patches: string[] } {
  const found = sentPatches(result).filter((s) => s.hostname === hostname);
  expect(found).toHaveLength(1);
  return found[0];
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

type NetworkConfig = {
  nodeSubnet: string;
  gateway: string;
  podCidr: string;
  serviceCidr: string;
  nameservers: string[];
  timeServers: string[];
  bond: { name: string; mode: string; xmitHashPolicy: string; lacpRate: string; miimon: number; updelay: number; downdelay: number; mtu: number; memberRings: { rx: number; tx: number } };
  vlans: { id: number; mtu: number }[];
};
type NodeEntry = { address: string; hostname: string; role: string; installDiskModel: string; bondMembers: string[] };

function documentsOf(text: string) {
  return parsePatch(text).documents;
}

/** The generated network documents a node with bond members must get, from its entry. */
function expectBondNetwork(text: string, network: NetworkConfig, node: NodeEntry): void {
  const docs = documentsOf(text);
  const prefix = network.nodeSubnet.split("/")[1];
  expect(docs.find((d) => d.kind === "HostnameConfig")?.body).toMatchObject({ auto: "off", hostname: node.hostname });
  const bond = docs.find((d) => d.kind === "BondConfig")?.body;
  const { memberRings, name, mode, ...settings } = network.bond;
  expect(bond).toMatchObject({ name, bondMode: mode, ...settings, links: node.bondMembers, addresses: [{ address: `${node.address}/${prefix}` }] });
  // A default route as Talos documents it: a gateway and no destination.
  expect(bond?.routes).toEqual([{ gateway: network.gateway }]);
  expect(docs.filter((d) => d.kind === "VLANConfig").map((d) => d.body)).toEqual(
    network.vlans.map((v) => ({ apiVersion: "v1alpha1", kind: "VLANConfig", name: `${name}.${v.id}`, vlanID: v.id, parent: name, mtu: v.mtu })),
  );
  expect(docs.filter((d) => d.kind === "EthernetConfig").map((d) => [d.name, d.body.rings])).toEqual(node.bondMembers.map((l) => [l, memberRings]));
  expect(docs.filter((d) => d.kind === "LinkAliasConfig")).toEqual([]);
}

describe("what the program sends to getConfiguration", () => {
  it.each(STACKS)("%s: cluster-wide files, role files, derived documents, then the node's generated network documents", async (stack) => {
    const result = await run(stack);
    const config = readProjectConfig(PROJECT_ROOT, stack).values;
    const nodes = config["k8s-gitops:nodes"] as NodeEntry[];
    const network = config["k8s-gitops:network"] as NetworkConfig;
    const invokes = result.invokes.filter((i) => i.token === GET_CONFIGURATION);
    expect(invokes).toHaveLength(nodes.length);
    const urls = result.invokes.find((i) => i.token === "talos:imageFactory/getUrls:getUrls");
    const installer = `factory.talos.dev/metal-installer/${String(urls?.inputs.schematicId)}:${PINS.talos}`;
    for (const node of nodes) {
      const { patches } = sentTo(result, node.hostname);
      // No override file exists for the committed nodes: everything comes from config.
      expect(fs.existsSync(path.join(PROJECT_ROOT, "talos", stack, `${node.address}.yaml`))).toBe(false);
      expect(patches).toHaveLength(7);
      expect(patches.slice(0, 4)).toEqual(
        ["cluster.yaml", "machine.yaml", "storage.yaml", "watchdog.yaml"].map((f) => fs.readFileSync(path.join(PROJECT_ROOT, "talos", "patches", f), "utf8")),
      );
      expect(patches[4]).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "talos", "patches", "controlplane", "controlplane.yaml"), "utf8"));
      const derived = documentsOf(patches[5]);
      const machine = derived.find((d) => d.kind === "v1alpha1")?.body as { machine: Record<string, Record<string, unknown>>; cluster: Record<string, Record<string, unknown>> };
      expect(machine.machine.install).toEqual({ image: installer, diskSelector: { model: node.installDiskModel } });
      expect(machine.machine.nodeLabels).toEqual({ "topology.kubernetes.io/region": stack, "topology.kubernetes.io/zone": "m", cluster: stack });
      expect(machine.machine.kubelet).toEqual({ nodeIP: { validSubnets: [network.nodeSubnet] } });
      expect(machine.cluster.apiServer).toEqual({ certSANs: [new URL((config["k8s-gitops:cluster"] as { endpoint: string }).endpoint).hostname] });
      expect(machine.cluster.etcd).toEqual({ advertisedSubnets: [network.nodeSubnet] });
      expect(machine.cluster.network).toEqual({ podSubnets: [network.podCidr], serviceSubnets: [network.serviceCidr] });
      expect(derived.find((d) => d.kind === "ResolverConfig")?.body.nameservers).toEqual(network.nameservers.map((address) => ({ address })));
      expect(derived.find((d) => d.kind === "TimeSyncConfig")?.body.ntp).toEqual({ servers: network.timeServers });
      expectBondNetwork(patches[6], network, node);
    }
  });

  it.each(STACKS)("%s: every patch sent to every node passes the Talos rules", async (stack) => {
    const result = await run(stack);
    const ignored = (readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:network"] as { ignoredInterfaces: string[] }).ignoredInterfaces;
    for (const { patches } of sentPatches(result)) {
      expect(nodePatchesProblems(patches.map((text, i) => ({ source: `patch ${i}`, text })), ignored)).toEqual([]);
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
    ["empty", "# nothing\n", "has no documents"],
  ])("%s", (_name, text, reason) => {
    expect(parsePatch(text).problems.join("\n")).toContain(reason);
  });

  it("accepts the committed files", () => {
    expect(checkClusterPatches(PROJECT_ROOT)).toEqual([]);
    expect(checkSchematic(PROJECT_ROOT)).toEqual([]);
  });
});

/**
 * One copy of the project, edited as a user would: a fourth node added to Pulumi.infra.yaml
 * and an override file for infra-02. Both tests that need edited files read one run of it:
 * a copy is a second program to load, which costs seconds.
 */
let edited: { root: string; fourth: NodeEntry; override: { file: string; text: string } } | undefined;
function editedProject(): NonNullable<typeof edited> {
  if (edited) return edited;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "talos-edited-"));
  for (const entry of fs.readdirSync(PROJECT_ROOT)) {
    if (entry !== "node_modules" && entry !== ".git") fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
  const fourth: NodeEntry = { address: "10.25.11.17", hostname: "infra-04", role: "worker", installDiskModel: "Samsung SSD 870", bondMembers: ["eno2", "eno3"] };
  const file = path.join(root, "Pulumi.infra.yaml");
  const line = `    - { address: ${fourth.address}, hostname: ${fourth.hostname}, role: ${fourth.role}, installDiskModel: ${fourth.installDiskModel}, bondMembers: [${fourth.bondMembers.join(", ")}] }\n`;
  const before = fs.readFileSync(file, "utf8");
  const after = before.replace(/(  k8s-gitops:nodes:\n(    - .*\n)+)/, `$1${line}`);
  if (after === before) throw new Error("Pulumi.infra.yaml: no k8s-gitops:nodes list to add a node to");
  fs.writeFileSync(file, after);
  const override = { file: "talos/infra/10.25.11.12.yaml", text: "apiVersion: v1alpha1\nkind: EthernetConfig\nname: enp1s0f0np0\nrings:\n  rx: 4096\n" };
  fs.mkdirSync(path.join(root, path.dirname(override.file)), { recursive: true });
  fs.writeFileSync(path.join(root, override.file), override.text);
  edited = { root, fourth, override };
  return edited;
}
afterAll(() => edited && fs.rmSync(edited.root, { recursive: true, force: true }));

async function failing(config: Record<string, unknown>, root?: string): Promise<string> {
  const result = await sharedRun({ stack: "infra", config, projectRoot: root });
  expect(result.error?.name).toBe("ConfigError");
  expect(programResources(result)).toEqual([]);
  expect(ofType(result, "talos:machine/configurationApply:ConfigurationApply")).toEqual([]);
  return result.error?.message ?? "";
}

describe("a node is one config entry", () => {
  const infra = readProjectConfig(PROJECT_ROOT, "infra").values;
  const network = infra["k8s-gitops:network"] as NetworkConfig;
  const nodes = infra["k8s-gitops:nodes"] as NodeEntry[];

  it("a fourth node added to Pulumi.infra.yaml, with no file of its own, renders with its own network documents", async () => {
    const { root, fourth } = editedProject();
    expect(fs.readdirSync(path.join(root, "talos", "infra")).filter((f) => f.startsWith(fourth.address))).toEqual([]);
    const result = await sharedRun({ stack: "infra", projectRoot: root });
    expect(result.error).toBeUndefined();
    const sent = result.invokes.filter((i) => i.token === GET_CONFIGURATION);
    expect(sent).toHaveLength(nodes.length + 1);
    const { patches, machineType } = sentTo(result, fourth.hostname);
    expect(machineType).toBe("worker");
    expectBondNetwork(patches[patches.length - 1], network, fourth);
    expect(nodePatchesProblems(patches.map((text, i) => ({ source: `patch ${i}`, text })), [])).toEqual([]);
  });

  it("without bond, a node's single interface carries its address; without either, no link document", async () => {
    const result = await sharedRun({
      stack: "infra",
      config: {
        "k8s-gitops:network.bond": undefined,
        "k8s-gitops:network.vlans": undefined,
        "k8s-gitops:nodes[0].bondMembers": undefined,
        "k8s-gitops:nodes[0].interface": "eth0",
        "k8s-gitops:nodes[1].bondMembers": undefined,
        "k8s-gitops:nodes[1].installDiskModel": undefined,
        "k8s-gitops:nodes[2].bondMembers": undefined,
      },
    });
    expect(result.error).toBeUndefined();
    const [first, second] = [nodes[0], nodes[1]].map((n) => documentsOf(sentTo(result, n.hostname).patches[6]));
    expect(first.map((d) => d.kind)).toEqual(["HostnameConfig", "LinkConfig"]);
    expect(first[1].body).toEqual({ apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth0", addresses: [{ address: `${nodes[0].address}/24` }], routes: [{ gateway: network.gateway }] });
    expect(second.map((d) => d.kind)).toEqual(["HostnameConfig"]);
    const machine = documentsOf(sentTo(result, nodes[1].hostname).patches[5]).find((d) => d.kind === "v1alpha1")?.body as { machine: Record<string, unknown> };
    expect(machine.machine.install).toBeUndefined();
  });

  it("a config that leaves the network to the platform needs no gateway", async () => {
    const result = await sharedRun({
      stack: "infra",
      config: {
        "k8s-gitops:network.bond": undefined,
        "k8s-gitops:network.vlans": undefined,
        "k8s-gitops:network.gateway": undefined,
        ...Object.fromEntries(nodes.map((_, i) => [`k8s-gitops:nodes[${i}].bondMembers`, undefined])),
        // No interface follows from config to announce addresses of the node subnet on: the
        // LoadBalancer range moves out of it (checkReachability).
        "k8s-gitops:cilium.lbPool": { start: "10.25.12.100", end: "10.25.12.119" },
        "k8s-gitops:cilium.gateways": { external: "10.25.12.110", internal: "10.25.12.111" },
        "k8s-gitops:clustermesh.apiserverIp": "10.25.12.100",
      },
    });
    expect(result.error).toBeUndefined();
    for (const { patches } of sentPatches(result)) expect(documentsOf(patches[6]).map((d) => d.kind)).toEqual(["HostnameConfig"]);
  });

  it.each([
    ["bond without members", { "k8s-gitops:nodes[1].bondMembers": undefined }, "k8s-gitops:nodes[1].bondMembers: is required: network.bond bond0 carries every node's address"],
    ["members without bond", { "k8s-gitops:network.bond": undefined, "k8s-gitops:network.vlans": undefined }, "k8s-gitops:nodes[0].bondMembers: needs network.bond"],
    ["VLANs without bond", { "k8s-gitops:network.bond": undefined, ...Object.fromEntries([0, 1, 2].map((i) => [`k8s-gitops:nodes[${i}].bondMembers`, undefined])) }, "k8s-gitops:network.vlans: VLANs sit on the bond, but network.bond is not set"],
    ["bond members and interface", { "k8s-gitops:nodes[2].interface": "eth0" }, "k8s-gitops:nodes[2]: sets both bondMembers and interface"],
    ["an ignored member", { "k8s-gitops:network.ignoredInterfaces": ["enp1s0f1np1"] }, "k8s-gitops:nodes[0]: configures enp1s0f1np1, which network.ignoredInterfaces leaves alone"],
    ["a link without gateway", { "k8s-gitops:network.gateway": undefined }, "k8s-gitops:network.gateway: is required: nodes[0] configures its address on enp1s0f0np0, enp1s0f1np1"],
    ["a Kubernetes the pinned Talos does not support", { "k8s-gitops:versions.kubernetes": "v1.99.0" }, "k8s-gitops:versions.kubernetes: Kubernetes v1.99.0 (1.99) is not supported by Talos"],
  ])("%s fails before any resource", async (_name, config, message) => {
    expect(await failing(config)).toContain(message);
  });
});

describe("optional per-node override files", () => {
  let root: string;
  const infra = stackConfigSchema.parse(
    Object.fromEntries(
      Object.entries(applyOverrides(readProjectConfig(PROJECT_ROOT, "infra").values, {}))
        .filter(([k]) => k.startsWith("k8s-gitops:"))
        .map(([k, v]) => [k.slice("k8s-gitops:".length), v]),
    ),
  );
  const override = "talos/infra/10.25.11.12.yaml";
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "talos-patches-"));
    fs.cpSync(path.join(PROJECT_ROOT, "talos"), path.join(root, "talos"), { recursive: true });
    fs.mkdirSync(path.join(root, "talos/infra"), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("the copy passes", () => {
    expect(checkStackConfig(infra, root).problems).toEqual([]);
  });

  it("an override is sent last, after the generated documents", async () => {
    const { root, override } = editedProject();
    const result = await sharedRun({ stack: "infra", projectRoot: root });
    expect(result.error).toBeUndefined();
    const patches = sentTo(result, "infra-02").patches;
    expect(patches).toHaveLength(8);
    expect(patches[7]).toBe(override.text);
    expect(sentTo(result, "infra-01").patches).toHaveLength(7);
  });

  it("an override Talos would reject names the node, the file, the document and the field", () => {
    fs.writeFileSync(path.join(root, override), "apiVersion: v1alpha1\nkind: LinkConfig\nname: eth9\nroutes:\n  - destination: 0.0.0.0/0\n    gateway: 10.25.11.1\n");
    expect(checkStackConfig(infra, root).problems).toEqual([
      {
        path: "nodes[1]",
        message: expect.stringMatching(
          /^node infra-02: talos\/infra\/10\.25\.11\.12\.yaml: document 1 \(LinkConfig eth9\): routes\[0\]\.destination: 0\.0\.0\.0\/0 must be a valid, specified IP prefix \(omit destination for a default route\) \[talos network\/link\.go CommonLinkConfig\.Validate\]$/,
        ),
      },
    ]);
  });

  it("malformed override", () => {
    fs.writeFileSync(path.join(root, override), "apiVersion: v1alpha1\nkind: HostnameConfig\n  hostname: [\n");
    const problems = checkStackConfig(infra, root).problems;
    expect(problems).toEqual([{ path: "nodes[1]", message: expect.stringMatching(/^node infra-02: talos\/infra\/10\.25\.11\.12\.yaml: document 1: invalid YAML: /) }]);
  });

  it("ignored interface configured by an override", () => {
    fs.writeFileSync(path.join(root, override), "apiVersion: v1alpha1\nkind: LinkConfig\nname: eno1\n");
    expect(checkStackConfig(infra, root).problems).toEqual([
      { path: "nodes[1]", message: "node infra-02: talos/infra/10.25.11.12.yaml: document 1 (LinkConfig eno1): configures eno1, which network.ignoredInterfaces leaves alone" },
    ]);
  });

  it("malformed or outdated cluster-wide patch", () => {
    fs.writeFileSync(path.join(root, "talos/patches/machine.yaml"), "machine:\n  network:\n    nameservers: [10.25.10.30]\n");
    fs.writeFileSync(path.join(root, "talos/patches/controlplane/extra.yaml"), "- not a document\n");
    expect(checkStackConfig(infra, root).problems).toEqual([
      { path: "talos", message: expect.stringContaining("talos/patches/machine.yaml: document 1 (v1alpha1): machine.network is not in the Talos 1.13 schema") },
      { path: "talos", message: "talos/patches/controlplane/extra.yaml: document 1: is not a mapping" },
    ]);
  });

  it("a cluster-wide patch Talos would reject is reported once, not per node", () => {
    fs.writeFileSync(path.join(root, "talos/patches/watchdog.yaml"), "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\ntimeout: 5s\n");
    expect(checkStackConfig(infra, root).problems).toEqual([
      { path: "talos", message: expect.stringContaining("talos/patches/watchdog.yaml: document 1 (WatchdogTimerConfig): timeout: minimum value is 10s") },
    ]);
  });

  it("broken schematic", () => {
    fs.writeFileSync(path.join(root, "talos/schematic.yaml"), "customization:\n  extraKernelArgs: mitigations=off\n");
    expect(checkStackConfig(infra, root).problems).toEqual([
      { path: "talos", message: "talos/schematic.yaml: customization.extraKernelArgs must be a list of strings" },
    ]);
  });
});
