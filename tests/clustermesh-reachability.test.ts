/**
 * The addresses peers and node-subnet clients must reach: the clustermesh-apiserver and
 * the Gateways sit in the node subnet, so a node must answer ARP for them. Checks the
 * config rule (pure), the L2 announcement policies as Flux applies them for both stacks
 * (substituted with the program's own cluster-settings), and the Cilium release values
 * that make them work.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseSubstitutedManifests, readKustomization } from "../bootstrap/manifests";
import { named, runProgram, RunResult } from "../harness";
import { readProjectConfig } from "../harness/project-config";
import { announceInterface, checkReachability } from "../stacks/reachability";
import { RawStackConfig, stackConfigSchema } from "../stacks/schema";
import { contains, parseCidr, Range } from "../lib/net";
import { crdSchemaPath, describeWithSchemas, validateAgainst } from "./helpers/schemas";

const ROOT = path.resolve(__dirname, "..");
const CILIUM = "kubernetes/infrastructure/networking/cilium";
const POLICY_FILE = `${CILIUM}/l2/app/l2-announcement-policy.yaml`;
const HELMRELEASE = `${CILIUM}/core/app/helmrelease.yaml`;

function rawConfig(stack: string): RawStackConfig {
  const { values } = readProjectConfig(ROOT, stack);
  const ours = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith("k8s-gitops:")).map(([k, v]) => [k.slice("k8s-gitops:".length), v]));
  return stackConfigSchema.parse(ours);
}

interface Policy {
  metadata: { name: string };
  spec: {
    serviceSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    interfaces: string[];
    loadBalancerIPs: boolean;
    externalIPs: boolean;
  };
}

/** A label selector's verdict on a Service; the namespace and name keys are L2 announcements' special selectors. */
function selects(selector: Policy["spec"]["serviceSelector"], service: { namespace: string; name: string; labels: Record<string, string> }): boolean {
  const labels: Record<string, string> = { ...service.labels, "io.kubernetes.service.namespace": service.namespace, "io.kubernetes.service.name": service.name };
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    if (e.operator === "In") return has && (e.values ?? []).includes(labels[e.key]);
    return !has || !(e.values ?? []).includes(labels[e.key]);
  });
  return byLabel && byExpression;
}

/** The Services the chart and Cilium's Gateway controller create (label io.cilium.gateway/owning-gateway). */
const MESH_APISERVER = { namespace: "kube-system", name: "clustermesh-apiserver", labels: { "k8s-app": "clustermesh-apiserver" } };
const gatewayService = (gateway: string) => ({ namespace: "kube-system", name: `cilium-gateway-${gateway}`, labels: { "io.cilium.gateway/owning-gateway": gateway } });
const UNRELATED = { namespace: "default", name: "some-app", labels: { app: "some-app" } };

describe.each(["infra", "apps"])("stack %s", (stack) => {
  let result: RunResult;
  let settings: Record<string, string>;
  let policies: Policy[];
  const config = rawConfig(stack);

  beforeAll(async () => {
    result = await runProgram({ stack });
    expect(result.error).toBeUndefined();
    settings = named(result, "kubernetes:core/v1:ConfigMap", "cluster-settings").inputs.data as Record<string, string>;
    policies = parseSubstitutedManifests(fs.readFileSync(path.join(ROOT, POLICY_FILE), "utf8"), settings, POLICY_FILE) as unknown as Policy[];
  });

  it("its mesh apiserver and Gateway addresses sit in the node subnet: reachable only if announced", () => {
    const subnet = parseCidr(config.network.nodeSubnet) as Range;
    for (const ip of [config.clustermesh.apiserverIp ?? "", config.cilium.gateways.external, config.cilium.gateways.internal]) {
      expect([ip, contains(subnet, ip)]).toEqual([ip, true]);
    }
    expect(checkReachability(config)).toEqual([]);
  });

  it("cluster-settings names the interface the config derives, and the policies announce on exactly it", () => {
    expect(settings.CILIUM_L2_INTERFACE).toBe(announceInterface(config.network, config.nodes));
    expect(settings.CILIUM_L2_INTERFACE).not.toBe("");
    for (const policy of policies) expect(policy.spec.interfaces).toEqual([`^${String(announceInterface(config.network, config.nodes))}$`]);
  });

  it("announces the clustermesh-apiserver and both Gateway Services' LoadBalancer addresses, and nothing else", () => {
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(["clustermesh-apiserver", "gateways"]);
    for (const policy of policies) expect([policy.spec.loadBalancerIPs, policy.spec.externalIPs]).toEqual([true, false]);
    const announced = (service: Parameters<typeof selects>[1]) => policies.filter((p) => selects(p.spec.serviceSelector, service)).map((p) => p.metadata.name);
    expect(announced(MESH_APISERVER)).toEqual(["clustermesh-apiserver"]);
    expect(announced(gatewayService("external"))).toEqual(["gateways"]);
    expect(announced(gatewayService("internal"))).toEqual(["gateways"]);
    expect(announced(UNRELATED)).toEqual([]);
  });

  describeWithSchemas("against the CiliumL2AnnouncementPolicy CRD schema", () => {
    it("each policy validates", () => {
      for (const policy of policies as unknown as { apiVersion: string; kind: string }[]) {
        const schema = crdSchemaPath(policy.apiVersion, policy.kind);
        expect(schema).toBeDefined();
        expect(validateAgainst(String(schema), policy)).toEqual([]);
      }
    });
  });
});

describe("the Cilium release", () => {
  const release = parse(fs.readFileSync(path.join(ROOT, HELMRELEASE), "utf8")) as {
    spec: { waitStrategy?: { name: string }; values: Record<string, unknown> };
  };

  it("turns L2 announcements on with their prerequisite, kube-proxy replacement, and a raised client rate limit", () => {
    const values = release.spec.values as { l2announcements: { enabled: boolean }; kubeProxyReplacement: boolean; k8sClientRateLimit: { qps: number; burst: number } };
    expect(values.l2announcements.enabled).toBe(true);
    expect(values.kubeProxyReplacement).toBe(true);
    // Above the agent's documented default of 10 QPS / 20 burst (chart values.yaml).
    expect(values.k8sClientRateLimit.qps).toBeGreaterThan(10);
    expect(values.k8sClientRateLimit.burst).toBeGreaterThan(values.k8sClientRateLimit.qps);
  });

  it("pins the poller wait strategy, which does not wait for LoadBalancer addresses", () => {
    expect(release.spec.waitStrategy).toEqual({ name: "poller" });
  });

  it("the l2 policies are applied by Flux after Cilium, from the cilium tree", () => {
    expect(readKustomization(ROOT, CILIUM).resources).toContain(path.join(ROOT, CILIUM, "l2/ks.yaml"));
    const ks = parse(fs.readFileSync(path.join(ROOT, CILIUM, "l2/ks.yaml"), "utf8")) as { spec: { dependsOn: { name: string }[]; path: string } };
    expect(ks.spec.dependsOn).toEqual([{ name: "cilium" }]);
    expect(ks.spec.path).toBe(`./${CILIUM}/l2/app`);
    expect(readKustomization(ROOT, `${CILIUM}/l2/app`).resources).toEqual([path.join(ROOT, POLICY_FILE)]);
  });
});

describe("checkReachability", () => {
  const config = rawConfig("infra");

  it("announces on the bond, else on the interface(s) the nodes name", () => {
    const bondName = config.network.bond?.name;
    expect(bondName).toBeDefined();
    expect(announceInterface(config.network, config.nodes)).toBe(bondName);
    const network = { ...config.network, bond: undefined };
    const nodes = config.nodes.map((n, i) => ({ ...n, bondMembers: undefined, interface: i === 0 ? "eth0" : "enp1s0.1" }));
    expect(announceInterface(network, nodes)).toBe("(enp1s0\\.1|eth0)");
    expect(announceInterface(network, nodes.map((n) => ({ ...n, interface: "eth0" })))).toBe("eth0");
  });

  it("fails an address in the node subnet when no node interface follows from the network config, naming each key", () => {
    const noBond = {
      ...config,
      network: { ...config.network, bond: undefined },
      nodes: config.nodes.map((n) => ({ ...n, bondMembers: undefined })),
    } as unknown as RawStackConfig;
    expect(announceInterface(noBond.network, noBond.nodes)).toBeUndefined();
    const problems = checkReachability(noBond);
    expect(problems.map((p) => p.path)).toEqual(["clustermesh.apiserverIp", "cilium.gateways.external", "cilium.gateways.internal"]);
    for (const p of problems) expect(p.message).toContain("network.nodeSubnet 10.25.11.0/24");
  });

  it("fails the subnet's network or broadcast address", () => {
    const broadcast = { ...config, cilium: { ...config.cilium, gateways: { ...config.cilium.gateways, external: "10.25.11.255" } } };
    expect(checkReachability(broadcast)).toEqual([{ path: "cilium.gateways.external", message: expect.stringContaining("broadcast") as string }]);
  });

  it("accepts addresses outside the node subnet (routed, announced by BGP) without an interface", () => {
    const noBond = { ...config, network: { ...config.network, bond: undefined } } as unknown as RawStackConfig;
    const routed = {
      ...noBond,
      clustermesh: { ...noBond.clustermesh, apiserverIp: "10.25.12.100" },
      cilium: { ...noBond.cilium, gateways: { external: "10.25.12.110", internal: "10.25.12.111" } },
    };
    expect(checkReachability(routed)).toEqual([]);
  });
});

describe("the whole program", () => {
  it("refuses a Gateway on the node subnet's broadcast address, naming the key, before anything is registered", async () => {
    const r = await runProgram({ stack: "apps", config: { "k8s-gitops:cilium.gateways.external": "10.25.11.255" } });
    expect(r.error?.name).toBe("ConfigError");
    expect(r.error?.message).toContain("k8s-gitops:cilium.gateways.external: 10.25.11.255 is the network or broadcast address");
  });
});
