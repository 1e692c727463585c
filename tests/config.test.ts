/**
 * Stack config validation: both real stacks load; every kind of bad input fails with one
 * error naming each problem's config path, before any resource is registered.
 */
import { programResources, sharedRun, RunResult } from "../harness";

async function failing(stack: string, config: Record<string, unknown>): Promise<RunResult> {
  const result = await sharedRun({ stack, config });
  expect(result.error).toBeDefined();
  expect(result.error?.name).toBe("ConfigError");
  // Nothing but the root stack: no half-applied program.
  expect(programResources(result)).toEqual([]);
  expect(result.invokes).toEqual([]);
  return result;
}

function problemLines(result: RunResult): string[] {
  return (result.error?.message ?? "").split("\n").filter((l) => l.startsWith("  - "));
}

describe("the committed stacks", () => {
  it.each(["infra", "apps"])("%s loads, validates and runs", async (stack) => {
    const result = await sharedRun({ stack });
    expect(result.error).toBeUndefined();
    // Alone, a stack warns only that its mesh peers have not been deployed yet.
    expect(result.warnings.filter((w) => !w.startsWith("clustermesh:"))).toEqual([]);
    expect(programResources(result).length).toBeGreaterThan(0);
  });
});

describe("pull-request previews", () => {
  it.each(["infra", "apps"])("%s evaluates as under `pulumi preview` and registers the same resources", async (stack) => {
    const preview = await sharedRun({ stack, preview: true });
    const up = await sharedRun({ stack });
    expect(preview.error).toBeUndefined();
    const shape = (r: RunResult) => programResources(r).map((x) => `${x.type}::${x.name}`).sort();
    expect(shape(preview)).toEqual(shape(up));
  });
});

describe("bad input", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["malformed IP", { "k8s-gitops:nodes[1].address": "10.25.11.300" }, ["k8s-gitops:nodes[1].address: is not an IPv4 address"]],
    ["malformed CIDR", { "k8s-gitops:network.podCidr": "10.244.0.1/16" }, ["k8s-gitops:network.podCidr: is not an IPv4 CIDR"]],
    ["malformed URL", { "k8s-gitops:flux.repository": "github.com/monosense-io" }, ["k8s-gitops:flux.repository: is not a https:// or ssh:// URL"]],
    ["endpoint not https", { "k8s-gitops:cluster.endpoint": "http://infra-k8s.monosense.io:6443" }, ["k8s-gitops:cluster.endpoint: is not a https:// URL"]],
    ["cluster id 0", { "k8s-gitops:cluster.id": 0 }, ["k8s-gitops:cluster.id: cluster id must be 1-255"]],
    ["cluster id 256", { "k8s-gitops:cluster.id": 256 }, ["k8s-gitops:cluster.id: cluster id must be 1-255"]],
    ["unknown key", { "k8s-gitops:network.podCIDR": "10.244.0.0/16" }, ["k8s-gitops:network.podCIDR: unknown key"]],
    ["unknown top-level key", { "k8s-gitops:clsuter": { name: "x" } }, ["k8s-gitops:clsuter: unknown key"]],
    ["unpinned version latest", { "k8s-gitops:versions.talos": "latest" }, ["k8s-gitops:versions.talos: is not a pinned version"]],
    ["version range", { "k8s-gitops:versions.kubernetes": "^1.36.0" }, ["k8s-gitops:versions.kubernetes: is not a Kubernetes release tag"]],
    ["bare minor", { "k8s-gitops:versions.talos": "v1.13" }, ["k8s-gitops:versions.talos: is not a pinned version"]],
    ["missing required key", { "k8s-gitops:cluster.domain": undefined }, ["k8s-gitops:cluster.domain: is required"]],
    // The held-out class of issue 21: each used to reach resources.
    [
      "pin without its v, endpoint with a path, full ref as branch",
      { "k8s-gitops:versions.talos": "1.13.9", "k8s-gitops:cluster.endpoint": "https://infra-k8s.monosense.io:6443/k8s", "k8s-gitops:flux.branch": "refs/heads/main" },
      ["k8s-gitops:versions.talos: has no leading v", "k8s-gitops:cluster.endpoint: must not have a path", "k8s-gitops:flux.branch: is a full reference, not a branch name"],
    ],
    [
      "two LoadBalancer services on one address, CoreDNS on the kubernetes Service's address",
      { "k8s-gitops:cilium.gateways.internal": "10.25.11.110", "k8s-gitops:cilium.coredns.clusterIp": "10.245.0.1" },
      ["k8s-gitops:cilium.gateways.internal: 10.25.11.110 is already cilium.gateways.external", "k8s-gitops:cilium.coredns.clusterIp: 10.245.0.1 is the first address of network.serviceCidr"],
    ],
  ];

  it.each(cases)("%s", async (_name, config, expected) => {
    const result = await failing("infra", config);
    for (const line of expected) expect(result.error?.message).toContain(line);
  });

  it("duplicate node addresses and hostnames", async () => {
    const result = await failing("infra", {
      "k8s-gitops:nodes[2].address": "10.25.11.11",
      "k8s-gitops:nodes[1].hostname": "infra-01",
    });
    expect(result.error?.message).toContain("k8s-gitops:nodes[2].address: duplicates nodes[0].address (10.25.11.11)");
    expect(result.error?.message).toContain("k8s-gitops:nodes[1].hostname: duplicates nodes[0].hostname (infra-01)");
  });

  it("node outside the node subnet", async () => {
    const result = await failing("infra", { "k8s-gitops:network.nodeSubnet": "10.25.12.0/24", "k8s-gitops:network.gateway": "10.25.12.1" });
    expect(result.error?.message).toContain("k8s-gitops:nodes[0].address: 10.25.11.11 is outside network.nodeSubnet 10.25.12.0/24");
  });

  it("pod, service and node networks overlapping", async () => {
    const result = await failing("infra", {
      "k8s-gitops:network.serviceCidr": "10.244.128.0/17",
      "k8s-gitops:network.podCidr": "10.0.0.0/8",
      "k8s-gitops:cilium.coredns.clusterIp": "10.244.128.10",
    });
    expect(result.error?.message).toContain("k8s-gitops:network.podCidr: 10.0.0.0/8 overlaps network.nodeSubnet 10.25.11.0/24");
    expect(result.error?.message).toContain("k8s-gitops:network.serviceCidr: 10.244.128.0/17 overlaps network.podCidr 10.0.0.0/8");
  });

  it("LB pool overlapping nodes", async () => {
    const result = await failing("infra", { "k8s-gitops:cilium.lbPool.start": "10.25.11.10" });
    expect(result.error?.message).toContain("k8s-gitops:cilium.lbPool: contains nodes[0].address 10.25.11.11");
  });

  it("no control-plane node, so the bootstrap node is no control plane either", async () => {
    const result = await failing("infra", {
      "k8s-gitops:nodes[0].role": "worker",
      "k8s-gitops:nodes[1].role": "worker",
      "k8s-gitops:nodes[2].role": "worker",
    });
    expect(result.error?.message).toContain("k8s-gitops:nodes: no node has role controlplane");
    expect(result.error?.message).toContain("k8s-gitops:cluster.bootstrapNode: 10.25.11.11 is a worker, not a control-plane node");
  });

  it("bootstrap node that is not a node", async () => {
    const result = await failing("apps", { "k8s-gitops:cluster.bootstrapNode": "10.25.11.11" });
    expect(result.error?.message).toContain("k8s-gitops:cluster.bootstrapNode: 10.25.11.11 is not one of the nodes");
  });

  it("a node entry without network.bond's members", async () => {
    const result = await failing("apps", {
      "k8s-gitops:nodes[3]": { address: "10.25.11.17", hostname: "apps-04", role: "worker", installDiskModel: "Samsung SSD 860" },
    });
    expect(result.error?.message).toContain("k8s-gitops:nodes[3].bondMembers: is required: network.bond bond0 carries every node's address");
  });

  it("lists every problem at once, one line each", async () => {
    const result = await failing("infra", {
      "k8s-gitops:cluster.id": 999,
      "k8s-gitops:cluster.endpoint": "http://x",
      "k8s-gitops:nodes[0].address": "nope",
    });
    expect(problemLines(result)).toHaveLength(3);
    expect(result.error?.message).toMatch(/^invalid stack config \(3 problems\):/);
  });

  it("even number of control-plane nodes is a warning, not an error", async () => {
    const result = await sharedRun({ stack: "infra", config: { "k8s-gitops:nodes[2].role": "worker" } });
    expect(result.error).toBeUndefined();
    expect(result.warnings.join("\n")).toContain("k8s-gitops:nodes: 2 control-plane nodes");
  });
});
