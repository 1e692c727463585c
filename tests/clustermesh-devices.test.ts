/**
 * Cilium's `devices`, pinned from config: the links that carry the node addresses (the
 * bond, or the nodes' interfaces), the same ones the L2 announcement policies announce on,
 * written into the values Secret both the bootstrap release and Flux read; left to Cilium's
 * detection when the platform configures the network. Checked against the pinned Cilium
 * chart's values schema, and the config rules that keep the list right for every node.
 */
import * as path from "path";
import { parse } from "yaml";
import { loadChartSpec } from "../bootstrap/loader";
import { composeValues, type Values } from "../bootstrap/values";
import { named, programResources, reveal, sharedRun, RunResult } from "../harness";
import { chartPin } from "./helpers/pins";
import { chartDefaults, describeWithSchemas, validateAgainst, valuesSchemaPath } from "./helpers/schemas";

const ROOT = path.resolve(__dirname, "..");
const HELMRELEASE = "kubernetes/infrastructure/networking/cilium/core/app/helmrelease.yaml";
const SECRET = "kubernetes:core/v1:Secret";

const secretValues = (r: RunResult): Values => {
  expect(r.error).toBeUndefined();
  return parse(String((reveal(named(r, SECRET, "cilium-clustermesh-values").inputs.stringData) as Record<string, unknown>)["values.yaml"])) as Values;
};
const settingsOf = (r: RunResult) => reveal(named(r, "kubernetes:core/v1:ConfigMap", "cluster-settings").inputs.data) as Record<string, string>;
/** What Flux hands Helm: the Secret's values, then the HelmRelease's inline values over them. */
const fluxValues = (r: RunResult): Values => composeValues([secretValues(r)], loadChartSpec(ROOT, HELMRELEASE, settingsOf(r)).values);

/** Three nodes carrying their address on a plain interface each (no bond, no VLAN). */
function interfaceNodes(links: (string | undefined)[]): Record<string, unknown> {
  return {
    "k8s-gitops:network.bond": undefined,
    "k8s-gitops:network.vlans": [],
    "k8s-gitops:nodes": links.map((link, i) => ({
      address: `10.25.11.${11 + i}`,
      hostname: `infra-0${i + 1}`,
      role: "controlplane",
      installDiskModel: "Samsung SSD 860",
      ...(link ? { interface: link } : {}),
    })),
  };
}

describe.each(["infra", "apps"])("the %s stack", (stack) => {
  let up: RunResult;
  beforeAll(async () => {
    up = await sharedRun({ stack });
  });

  it("pins devices to the bond that carries every node address, never a member link or the VLAN", () => {
    const values = fluxValues(up);
    expect(values.devices).toBe("bond0");
    expect(String(values.devices)).not.toMatch(/enp|\.2512|eno1/);
  });

  it("the L2 announcement interface is one of the devices, as L2 announcements require", () => {
    const announce = new RegExp(`^${settingsOf(up).CILIUM_L2_INTERFACE}$`);
    const devices = String(fluxValues(up).devices).split(",");
    expect(devices.filter((d) => announce.test(d))).toEqual(devices);
  });

  it("the bootstrap release installs the same devices as Flux", async () => {
    const fresh = await sharedRun({ stack, config: { "k8s-gitops:talos.bootstrapped": false } });
    expect((reveal(named(fresh, "kubernetes:helm.sh/v3:Release", "cilium").inputs.values) as Values).devices).toBe(fluxValues(up).devices);
  }, 60_000);
});

describe("other link layouts", () => {
  it("nodes on their own interfaces: every distinct interface, comma-separated; the L2 policy matches each", async () => {
    const r = await sharedRun({ stack: "infra", config: interfaceNodes(["enp1s0", "enp1s0", "eth0"]) });
    expect(secretValues(r).devices).toBe("enp1s0,eth0");
    const announce = new RegExp(`^${settingsOf(r).CILIUM_L2_INTERFACE}$`);
    expect(["enp1s0", "eth0"].every((d) => announce.test(d))).toBe(true);
  });

  it("the platform configures the links (the e2e stack): devices is left to Cilium's detection", async () => {
    const r = await sharedRun({ stack: "e2e" });
    expect(secretValues(r)).not.toHaveProperty("devices");
  });

  it("a node without an interface beside nodes that name theirs: no pin (one list for every node), and a warning naming it", async () => {
    const r = await sharedRun({ stack: "infra", config: interfaceNodes(["enp1s0", undefined, "enp1s0"]) });
    expect(secretValues(r)).not.toHaveProperty("devices");
    const warnings = r.warnings.filter((w) => w.includes("Cilium's devices"));
    expect(warnings).toEqual([expect.stringContaining("k8s-gitops:nodes: nodes[1] name no interface while other nodes do")]);
    // Every node named: pinned, and no warning.
    const all = await sharedRun({ stack: "infra", config: interfaceNodes(["enp1s0", "enp1s0", "enp1s0"]) });
    expect(secretValues(all).devices).toBe("enp1s0");
    expect(all.warnings.filter((w) => w.includes("Cilium's devices"))).toEqual([]);
  });

  it("the bond listed among the ignored interfaces is refused, before anything registers", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:network.ignoredInterfaces": ["eno1", "bond0"] } });
    expect(r.error?.name).toBe("ConfigError");
    expect(r.error?.message).toContain("k8s-gitops:network.ignoredInterfaces: lists bond0");
    expect(programResources(r)).toEqual([]);
  });
});

describeWithSchemas(`against the pinned Cilium chart (${chartPin("cilium")})`, () => {
  const schema = (): string => {
    const found = valuesSchemaPath("cilium", chartPin("cilium"));
    if (found === undefined) throw new Error(`no values schema for cilium ${chartPin("cilium")}`);
    return found;
  };
  const defaults = (): Values => (chartDefaults("cilium", chartPin("cilium")) ?? {}) as Values;

  it.each(["infra", "apps"])("%s: the composed values with devices validate", async (stack) => {
    const values = fluxValues(await sharedRun({ stack }));
    expect(values.devices).toBeDefined();
    expect(validateAgainst(schema(), composeValues([defaults()], values))).toEqual([]);
  });

  it("the schema would catch devices of the wrong type", () => {
    expect(validateAgainst(schema(), composeValues([defaults()], { devices: 1 })).join("\n")).toContain("/devices");
  });
});
