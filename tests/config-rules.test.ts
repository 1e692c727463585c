/**
 * The config rules for the class of input that used to reach resources (issue 21): version
 * pins, URL and endpoint shapes, assigned addresses, branch names, per-node overrides and
 * CEL selectors. Each rule has a failing fixture (the committed stack with one value
 * changed: the rule's config path and reason appear) and a passing one (a value the rule
 * accepts: no problem at that path). The checks are the program's own schema and
 * checkStackConfig over the stack's real config; tests/config.test.ts shows the program
 * refusing such input before any resource.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyOverrides, readProjectConfig } from "../harness/project-config";
import { stackConfigSchema } from "../stacks/schema";
import { checkStackConfig } from "../stacks/validate";
import { branchProblem } from "../stacks/strings";
import { readPins } from "./helpers/pins";

const ROOT = path.resolve(__dirname, "..");
const NS = "k8s-gitops:";

/** `path: message` of every problem the stack has with `overrides` applied. */
function problemsOf(stack: string, overrides: Record<string, unknown>, projectRoot = ROOT): string[] {
  const values = applyOverrides(readProjectConfig(ROOT, stack).values, overrides);
  const raw = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`);
  return checkStackConfig(parsed.data, projectRoot).problems.map((p) => `${p.path}: ${p.message}`);
}

const pins = readPins();

/** [rule, stack, failing overrides, passing overrides, config path, reason]. */
const RULES: [string, string, Record<string, unknown>, Record<string, unknown>, string, string][] = [
  ["Talos pin carries its v", "infra", { [`${NS}versions.talos`]: pins.talos.replace(/^v/, "") }, {}, "versions.talos", "has no leading v"],
  ["Kubernetes pin carries its v", "infra", { [`${NS}versions.kubernetes`]: pins.kubernetes.replace(/^v/, "") }, {}, "versions.kubernetes", "has no leading v"],
  ["a pin is exact (no build metadata)", "infra", { [`${NS}versions.talos`]: `${pins.talos}+build.1` }, { [`${NS}versions.talos`]: `${pins.talos}-rc.1` }, "versions.talos", "is not a pinned version"],
  ["cluster.endpoint has no path", "infra", { [`${NS}cluster.endpoint`]: "https://infra-k8s.monosense.io:6443/api" }, {}, "cluster.endpoint", "must not have a path"],
  ["cluster.endpoint has not even a trailing /", "infra", { [`${NS}cluster.endpoint`]: "https://infra-k8s.monosense.io:6443/" }, {}, "cluster.endpoint", "must not have a path"],
  ["cluster.endpoint has no query", "infra", { [`${NS}cluster.endpoint`]: "https://infra-k8s.monosense.io:6443?x=1" }, {}, "cluster.endpoint", "must not carry a query"],
  ["cluster.endpoint port is not 0", "infra", { [`${NS}cluster.endpoint`]: "https://infra-k8s.monosense.io:0" }, {}, "cluster.endpoint", "port 0"],
  ["tunnel service has no path (cloudflared ingress)", "infra", { [`${NS}cloudflare.tunnel.service`]: "https://gw.kube-system.svc.cluster.local:443/" }, {}, "cloudflare.tunnel.service", "must not have a path"],
  ["flux.repository names a repository", "infra", { [`${NS}flux.repository`]: "https://github.com/" }, { [`${NS}flux.repository`]: "ssh://git@github.com/monosense-io/k8s-gitops" }, "flux.repository", "must name a path"],
  ["flux.branch is a branch name, not a full ref", "infra", { [`${NS}flux.branch`]: "refs/heads/main" }, { [`${NS}flux.branch`]: "release/v1.2" }, "flux.branch", "is a full reference, not a branch name: use \"main\""],
  ["flux.branch follows git check-ref-format", "infra", { [`${NS}flux.branch`]: "feature/.hidden" }, { [`${NS}flux.branch`]: "feature/visible" }, "flux.branch", "has a component starting with ."],
  ["two LoadBalancer services on one address", "infra", { [`${NS}cilium.gateways.internal`]: "10.25.11.110" }, { [`${NS}cilium.gateways.internal`]: "10.25.11.112" }, "cilium.gateways.internal", "is already cilium.gateways.external"],
  ["the mesh apiserver has its own address", "infra", { [`${NS}clustermesh.apiserverIp`]: "10.25.11.111" }, { [`${NS}clustermesh.apiserverIp`]: "10.25.11.101" }, "clustermesh.apiserverIp", "is already cilium.gateways.internal"],
  ["CoreDNS is not the kubernetes Service's address", "infra", { [`${NS}cilium.coredns.clusterIp`]: "10.245.0.1" }, { [`${NS}cilium.coredns.clusterIp`]: "10.245.0.2" }, "cilium.coredns.clusterIp", "the kubernetes Service takes"],
  ["CoreDNS is not the service CIDR's network address", "infra", { [`${NS}cilium.coredns.clusterIp`]: "10.245.0.0" }, {}, "cilium.coredns.clusterIp", "network or broadcast address of network.serviceCidr"],
  ["the service CIDR is at most a /12", "infra", { [`${NS}network.serviceCidr`]: "10.0.0.0/11", [`${NS}network.podCidr`]: "10.244.0.0/16", [`${NS}cilium.coredns.clusterIp`]: "10.0.0.10", [`${NS}network.nodeSubnet`]: "192.168.0.0/24", [`${NS}network.gateway`]: "192.168.0.1" }, { [`${NS}network.serviceCidr`]: "10.240.0.0/12", [`${NS}network.podCidr`]: "10.224.0.0/16", [`${NS}cilium.coredns.clusterIp`]: "10.240.0.10" }, "network.serviceCidr", "wider than /12"],
  ["a node is not the node subnet's broadcast address", "e2e", { [`${NS}network.nodeSubnet`]: "10.5.0.0/30", [`${NS}cilium.bgp.peerAddress`]: "10.5.0.1", [`${NS}nodes[0].address`]: "10.5.0.3", [`${NS}cluster.bootstrapNode`]: "10.5.0.3" }, { [`${NS}network.nodeSubnet`]: "10.5.0.0/30", [`${NS}cilium.bgp.peerAddress`]: "10.5.0.1" }, "nodes[0].address", "network or broadcast address of network.nodeSubnet"],
  ["the gateway is not a node", "infra", { [`${NS}network.gateway`]: "10.25.11.12" }, { [`${NS}network.gateway`]: "10.25.11.254" }, "network.gateway", "is already nodes[1].address"],
  ["the BGP peer is on the node subnet", "infra", { [`${NS}cilium.bgp.peerAddress`]: "10.25.10.1" }, { [`${NS}cilium.bgp.peerAddress`]: "10.25.11.254" }, "cilium.bgp.peerAddress", "is outside network.nodeSubnet"],
  ["the BGP peer is not a node", "infra", { [`${NS}cilium.bgp.peerAddress`]: "10.25.11.13" }, {}, "cilium.bgp.peerAddress", "the BGP peer is the upstream router, not a node"],
  ["the BGP peer is outside the LB pool", "infra", { [`${NS}cilium.bgp.peerAddress`]: "10.25.11.105" }, {}, "cilium.bgp.peerAddress", "is inside cilium.lbPool"],
  ["the LB pool leaves the broadcast address alone", "infra", { [`${NS}cilium.lbPool.end`]: "10.25.11.255" }, { [`${NS}cilium.lbPool.end`]: "10.25.11.254" }, "cilium.lbPool", "contains the network or broadcast address"],
];

describe("config rules, one failing and one passing fixture each", () => {
  it.each(["infra", "apps", "e2e"])("the committed %s stack has none of these problems", (stack) => {
    expect(problemsOf(stack, {})).toEqual([]);
  });

  it.each(RULES)("%s", (_rule, stack, failing, passing, configPath, reason) => {
    const failed = problemsOf(stack, failing);
    expect(failed).toContainEqual(expect.stringMatching(new RegExp(`^${configPath.replace(/[.[\]]/g, "\\$&")}: .*${reason.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)));
    expect(problemsOf(stack, passing).filter((p) => p.startsWith(`${configPath}:`))).toEqual([]);
  });

  it("all problems of one config come together, each at its path", () => {
    const problems = problemsOf("infra", {
      [`${NS}cilium.gateways.internal`]: "10.25.11.110",
      [`${NS}cilium.coredns.clusterIp`]: "10.245.0.1",
      [`${NS}cilium.bgp.peerAddress`]: "10.25.11.13",
    });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["cilium.bgp.peerAddress", "cilium.coredns.clusterIp", "cilium.gateways.internal"]);
  });

  it("branch names as git check-ref-format --branch takes them", () => {
    for (const ok of ["main", "release/1.2", "renovate/cilium-1.x", "v1.2.3"]) expect(branchProblem(ok)).toBeUndefined();
    for (const bad of ["refs/heads/main", "refs/pull/1/head", "HEAD", "-x", "a..b", "a//b", "a/", "a.lock", "a/.b", "a."]) expect(branchProblem(bad)).toBeDefined();
  });
});

describe("per-node overrides: the Talos rules on the override and on what it merges into", () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  /** A project root whose talos/ is the committed one plus `talos/infra/10.25.11.12.yaml`. */
  function withOverride(text: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "config-rules-"));
    roots.push(root);
    fs.cpSync(path.join(ROOT, "talos"), path.join(root, "talos"), { recursive: true });
    fs.mkdirSync(path.join(root, "talos", "infra"), { recursive: true });
    fs.writeFileSync(path.join(root, "talos", "infra", "10.25.11.12.yaml"), text);
    return root;
  }

  it("an override valid alone but refused once merged over the generated hostname fails at the node", () => {
    const root = withOverride("apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n");
    const problems = problemsOf("infra", {}, root);
    expect(problems).toContainEqual(expect.stringMatching(/^nodes\[1\]: node infra-02: HostnameConfig as merged from generated: network \+ talos\/infra\/10\.25\.11\.12\.yaml: auto: 'auto' and 'hostname' cannot be set/));
    // Only that node.
    expect(problems.filter((p) => !p.startsWith("nodes[1]:"))).toEqual([]);
  });

  it("an override with a CEL disk selector that does not parse fails with the document and field", () => {
    const root = withOverride("apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: scratch\nprovisioning:\n  diskSelector:\n    match: disk.model == \n");
    expect(problemsOf("infra", {}, root)).toContainEqual(
      expect.stringMatching(/^nodes\[1\]: node infra-02: talos\/infra\/10\.25\.11\.12\.yaml: document 1 \(UserVolumeConfig scratch\): provisioning\.diskSelector\.match: does not parse as CEL/),
    );
  });

  it("an override that merges cleanly passes", () => {
    const root = withOverride("apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: scratch\nprovisioning:\n  diskSelector:\n    match: disk.size >= 100u * GB && !system_disk\n");
    expect(problemsOf("infra", {}, root)).toEqual([]);
  });
});
