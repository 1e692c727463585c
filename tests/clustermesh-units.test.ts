/**
 * The pure parts of ClusterMesh: the covering native-routing CIDR, the cross-stack checks
 * for any number of clusters, the contract parser, stack names, the Cilium values (checked
 * against the pinned Cilium chart's schema over its defaults) and Flux's values merge.
 */
import { checkMesh, GuardedRange, Member } from "../components/clustermesh/checks";
import { coveringCidr } from "../components/clustermesh/cidr";
import { MAX_CONNECTED_CLUSTERS, MeshContract, parseContract } from "../components/clustermesh/contract";
import { qualifyStack } from "../components/clustermesh/names";
import { ciliumMeshValues, trustBundle } from "../components/clustermesh/values";
import type { Values } from "../lib/values";
import { composeValues } from "../bootstrap/values";
import { intToIp, ipToInt, parseCidr, Range } from "../lib/net";
import { chartDefaults, describeWithSchemas, validateAgainst, valuesSchemaPath } from "./helpers/schemas";
import { chartPin } from "./helpers/pins";

/** The values schema of the pinned Cilium chart (the test fails when the schemas lack it). */
function ciliumSchema(): string {
  const found = valuesSchemaPath("cilium", chartPin("cilium"));
  if (found === undefined) throw new Error(`no values schema for the pinned cilium chart ${chartPin("cilium")} (add it to schemas/manifest.json)`);
  return found;
}

const ORG = "organization/k8s-gitops";
const fq = (s: string) => `${ORG}/${s}`;

const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(`ca of ${name}`).toString("base64")}\n-----END CERTIFICATE-----\n`;

/** The pool starts at the apiserver's address and holds 20 (as on the real clusters). */
function member(stack: string, name: string, id: number, podCidr: string, address: string, peers: string[]): Member {
  const start = ipToInt(address);
  const contract: MeshContract = {
    name,
    id,
    podCidr,
    apiserver: { address, port: 2379 },
    peers: peers.map(fq),
    caCert: pem(name),
    maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
    lbPool: { start: address, end: intToIp(start + 19) },
  };
  return { stack: fq(stack), contract };
}

const infra = member("infra", "infra", 1, "10.244.0.0/16", "10.25.11.100", ["apps", "edge"]);
const apps = member("apps", "apps", 2, "10.246.0.0/16", "10.25.11.120", ["infra", "edge"]);
const edge = member("edge", "edge", 3, "10.248.0.0/16", "10.25.11.140", ["infra", "apps"]);
const guarded: GuardedRange[] = [{ label: "network.nodeSubnet 10.25.11.0/24", range: parseCidr("10.25.11.0/24") as Range }];

describe("coveringCidr", () => {
  it("is the smallest block that covers every pod CIDR", () => {
    expect(coveringCidr(["10.244.0.0/16"]).text).toBe("10.244.0.0/16");
    expect(coveringCidr(["10.244.0.0/16", "10.246.0.0/16"]).text).toBe("10.244.0.0/14");
    expect(coveringCidr(["10.244.0.0/16", "10.245.0.0/16"]).text).toBe("10.244.0.0/15");
    expect(coveringCidr(["10.244.0.0/16", "10.246.0.0/16", "10.248.0.0/16"]).text).toBe("10.240.0.0/12");
    expect(coveringCidr(["10.0.0.0/16", "192.168.0.0/16"]).text).toBe("0.0.0.0/0");
  });

  it("contains each input", () => {
    const inputs = ["172.16.4.0/22", "172.16.9.0/24", "172.17.0.0/20"];
    const c = coveringCidr(inputs);
    for (const text of inputs) {
      const n = parseCidr(text) as Range;
      expect(c.first <= n.first && n.last <= c.last).toBe(true);
    }
    expect(c.text).toBe("172.16.0.0/15");
  });
});

describe("checkMesh", () => {
  it("accepts the two real clusters and a third, each seeing the others", () => {
    for (const [self, peers] of [
      [infra, [apps, edge]],
      [apps, [infra, edge]],
      [edge, [infra, apps]],
    ] as const) {
      const check = checkMesh(self, peers, guarded);
      expect(check.problems).toEqual([]);
      expect(check.warnings).toEqual([]);
      expect(check.reciprocal.map((m) => m.stack)).toEqual(peers.map((p) => p.stack));
    }
  });

  it("fails a duplicate cluster id, naming both stacks", () => {
    const clash = member("edge", "edge", 2, "10.248.0.0/16", "10.25.11.140", ["infra"]);
    const { problems } = checkMesh(infra, [apps, clash], guarded);
    expect(problems).toEqual([`${fq("apps")} and ${fq("edge")} both use cluster id 2`]);
  });

  it("fails a duplicate cluster name and overlapping pod CIDRs, naming both stacks", () => {
    const clash = member("edge", "apps", 3, "10.246.128.0/17", "10.25.11.140", ["infra"]);
    const { problems } = checkMesh(infra, [apps, clash], guarded);
    expect(problems).toContain(`${fq("apps")} and ${fq("edge")} both use cluster name "apps"`);
    expect(problems).toContain(`${fq("apps")} and ${fq("edge")} have overlapping pod CIDRs (10.246.0.0/16 and 10.246.128.0/17)`);
  });

  it("fails a peer with another maxConnectedClusters", () => {
    const other: Member = { ...apps, contract: { ...apps.contract, maxConnectedClusters: MAX_CONNECTED_CLUSTERS === 255 ? 511 : 255 } };
    const { problems } = checkMesh(infra, [other], guarded);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${fq("infra")} and ${fq("apps")} set different clustermesh.maxConnectedClusters`);
  });

  it("fails a covering CIDR that would swallow the node network or a peer's apiserver", () => {
    const far = member("edge", "edge", 3, "10.26.0.0/16", "10.25.11.140", ["infra"]);
    const { problems } = checkMesh(infra, [far], guarded);
    expect(problems.some((p) => p.includes("10.0.0.0/8") && p.includes("network.nodeSubnet 10.25.11.0/24"))).toBe(true);
    expect(problems.some((p) => p.includes(`the clustermesh-apiserver of ${fq("edge")} (10.25.11.140)`))).toBe(true);
  });

  it("fails LoadBalancer pools that overlap, naming both stacks' config paths and ranges", () => {
    const clash: Member = { ...edge, contract: { ...edge.contract, lbPool: { start: "10.25.11.135", end: "10.25.11.150" } } };
    const { problems } = checkMesh(infra, [apps, clash], guarded);
    expect(problems).toEqual([
      `${fq("apps")} k8s-gitops:cilium.lbPool (10.25.11.120-10.25.11.139) overlaps ${fq("edge")} k8s-gitops:cilium.lbPool (10.25.11.135-10.25.11.150): ` +
        "LB-IPAM would give the same LoadBalancer address to a Service in each cluster; give each cluster of the mesh its own range",
    ]);
    // Adjacent pools share no address.
    const adjacent: Member = { ...edge, contract: { ...edge.contract, lbPool: { start: "10.25.11.140", end: "10.25.11.150" } } };
    expect(checkMesh(infra, [apps, adjacent], guarded).problems).toEqual([]);
    // This stack's own pool is compared too.
    const overInfra: Member = { ...apps, contract: { ...apps.contract, lbPool: { start: "10.25.11.119", end: "10.25.11.139" } } };
    expect(checkMesh(infra, [overInfra], guarded).problems[0]).toContain(`${fq("infra")} k8s-gitops:cilium.lbPool (10.25.11.100-10.25.11.119) overlaps ${fq("apps")}`);
  });

  it("warns about a peer whose contract has no pool yet (an earlier program), and still meshes it", () => {
    const { lbPool: _dropped, ...older } = apps.contract;
    const check = checkMesh(infra, [{ ...apps, contract: older }], guarded);
    expect(check.problems).toEqual([]);
    expect(check.reciprocal.map((m) => m.stack)).toEqual([fq("apps")]);
    expect(check.warnings).toEqual([expect.stringContaining(`${fq("apps")} exports no lbPool in its clustermesh output`)]);
  });

  it("leaves out, with a warning, a peer that does not list this stack", () => {
    const oneWay = member("apps", "apps", 2, "10.246.0.0/16", "10.25.11.120", ["edge"]);
    const check = checkMesh(infra, [oneWay, edge], guarded);
    expect(check.problems).toEqual([]);
    expect(check.reciprocal.map((m) => m.stack)).toEqual([fq("edge")]);
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toContain(`${fq("apps")} does not list ${fq("infra")}`);
  });
});

describe("contract and names", () => {
  it("reads a contract and names what is wrong with a bad one", () => {
    expect(parseContract(infra.contract)).toEqual(infra.contract);
    expect(parseContract({ ...infra.contract, extra: "from a newer program" })).toEqual(infra.contract);
    expect(parseContract({ ...infra.contract, id: 0 })).toMatch(/^id /);
    expect(parseContract({ ...infra.contract, podCidr: "10.244.0.1/16" })).toMatch(/^podCidr is not an IPv4 CIDR/);
  });

  it("refuses a contract whose CA certificate carries a private key, without echoing it", () => {
    const leaked = `${pem("infra")}-----BEGIN RSA PRIVATE KEY-----\nS0VZ\n-----END RSA PRIVATE KEY-----\n`;
    const bad = parseContract({ ...infra.contract, caCert: leaked });
    expect(bad).toBe("caCert must not contain a private key");
    expect(parseContract({ ...infra.contract, caCert: "not pem" })).toBe("caCert is not a PEM certificate");
  });

  it("reads a contract without a pool (an earlier program's) and refuses a reversed pool", () => {
    const { lbPool: _dropped, ...older } = infra.contract;
    expect(parseContract(older)).toEqual(older);
    expect(parseContract({ ...infra.contract, lbPool: { start: "10.25.11.119", end: "10.25.11.100" } })).toBe("lbPool start is after end");
    expect(parseContract({ ...infra.contract, lbPool: { start: "10.25.11.300", end: "10.25.11.100" } })).toBe("lbPool.start is not an IPv4 address");
  });

  it("refuses a maxConnectedClusters Cilium does not support", () => {
    expect(parseContract({ ...infra.contract, maxConnectedClusters: 300 })).toMatch(/^maxConnectedClusters /);
  });

  it("qualifies short stack names in this organization and project", () => {
    const self = { organization: "organization", project: "k8s-gitops", stack: "infra" };
    expect(qualifyStack("apps", self)).toBe(fq("apps"));
    expect(qualifyStack("acme/other/edge", self)).toBe("acme/other/edge");
    expect(() => qualifyStack("other/edge", self)).toThrow(/not a stack name/);
  });
});

describe("composeValues (Flux: valuesFrom in order, then spec.values)", () => {
  it("merges maps key by key and lets later layers win", () => {
    const merged = composeValues(
      [
        { a: { x: 1, y: 1 }, list: [1, 2], keep: "from-first" },
        { a: { y: 2, z: 2 }, list: [3] },
      ],
      { a: { z: 3 }, inline: true },
    );
    expect(merged).toEqual({ a: { x: 1, y: 2, z: 3 }, list: [3], keep: "from-first", inline: true });
  });

  it("replaces lists and scalars whole, maps by scalars and scalars by maps, and keeps null", () => {
    const merged = composeValues([{ l: [{ n: 1 }, { n: 2 }], m: { k: 1 }, s: "x", gone: { k: 1 } }], { l: [{ n: 3 }], m: "flat", s: { now: "map" }, gone: null });
    expect(merged).toEqual({ l: [{ n: 3 }], m: "flat", s: { now: "map" }, gone: null });
  });

  it("shares no object with its inputs", () => {
    const from = { a: { b: { c: 1 } } };
    const merged = composeValues([from], {});
    (merged.a as { b: { c: number } }).b.c = 2;
    expect(from.a.b.c).toBe(1);
  });

  it("is the inline value that wins over the Secret, so the HelmRelease must not set what the Secret owns", () => {
    const secret = ciliumMeshValues({ cluster: { name: "infra", id: 1 }, nativeRoutingCidr: "10.244.0.0/14" });
    expect(composeValues([secret], { ipv4NativeRoutingCIDR: "10.244.0.0/16" }).ipv4NativeRoutingCIDR).toBe("10.244.0.0/16");
    expect(composeValues([secret], { routingMode: "native" }).ipv4NativeRoutingCIDR).toBe("10.244.0.0/14");
  });
});

const CA = { cert: pem("infra"), key: "-----BEGIN RSA PRIVATE KEY-----\nS0VZ\n-----END RSA PRIVATE KEY-----\n" };
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("ciliumMeshValues", () => {
  const meshed = ciliumMeshValues({
    cluster: { name: "infra", id: 1 },
    nativeRoutingCidr: "10.244.0.0/14",
    mesh: { apiserverIp: "10.25.11.100", ca: CA, peers: [{ name: "apps", address: "10.25.11.120", port: 2379, caCert: pem("apps") }] },
  });

  it("unmeshed: identity, the native-routing CIDR and the pinned maxConnectedClusters only", () => {
    expect(ciliumMeshValues({ cluster: { name: "apps", id: 2 }, nativeRoutingCidr: "10.246.0.0/16" })).toEqual({
      cluster: { name: "apps", id: 2 },
      ipv4NativeRoutingCIDR: "10.246.0.0/16",
      clustermesh: { maxConnectedClusters: MAX_CONNECTED_CLUSTERS },
    });
  });

  it("meshed: own CA, a trust bundle of own and peers' CA certificates, authMode cluster, the peers", () => {
    expect(meshed).toEqual({
      cluster: { name: "infra", id: 1 },
      ipv4NativeRoutingCIDR: "10.244.0.0/14",
      tls: { ca: { cert: b64(CA.cert), key: b64(CA.key) }, caBundle: { enabled: true, content: pem("infra") + pem("apps") } },
      clustermesh: {
        maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
        useAPIServer: true,
        apiserver: {
          service: { type: "LoadBalancer", annotations: { "lbipam.cilium.io/ips": "10.25.11.100" } },
          tls: {
            authMode: "cluster",
            auto: { enabled: true, method: "cronJob", schedule: "0 0 1 */4 *", server: { extraIpAddresses: ["10.25.11.100"] } },
          },
        },
        config: { enabled: true, clusters: [{ name: "apps", port: 2379, ips: ["10.25.11.120"] }] },
      },
    });
  });

  it("holds exactly one private key, this cluster's own: peers contribute certificates only", () => {
    const text = JSON.stringify(meshed);
    const decoded = [text, Buffer.from(((meshed.tls as { ca: { key: string } }).ca.key), "base64").toString()].join("\n");
    expect(decoded.match(/BEGIN [A-Z ]*PRIVATE KEY/g)).toHaveLength(1);
  });

  it("builds the trust bundle with a newline between certificates", () => {
    expect(trustBundle("A", ["B\n", "C"])).toBe("A\nB\nC\n");
  });

  describeWithSchemas(`against the pinned Cilium chart (${chartPin("cilium")})`, () => {
    const defaults = chartDefaults("cilium", chartPin("cilium")) as Values;

    /** Every leaf path of `values` that the chart's defaults do not have. */
    function unknownPaths(values: unknown, base: unknown, at: string): string[] {
      if (typeof values !== "object" || values === null || Array.isArray(values)) return [];
      if (typeof base !== "object" || base === null) return [at];
      return Object.entries(values).flatMap(([k, v]) =>
        k in (base as object) ? unknownPaths(v, (base as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k}`],
      );
    }

    it("uses only keys the chart defines (annotation maps aside)", () => {
      const paths = unknownPaths(meshed, defaults, "");
      // caBundle.content is documented in the chart's values.yaml but commented out there.
      expect(paths.sort()).toEqual([".clustermesh.apiserver.service.annotations.lbipam.cilium.io/ips", ".tls.caBundle.content"]);
    });

    it("validates against values.schema.json when merged over the chart defaults, meshed or not", () => {
      const unmeshed = ciliumMeshValues({ cluster: { name: "apps", id: 2 }, nativeRoutingCidr: "10.246.0.0/16" });
      for (const values of [meshed, unmeshed]) {
        expect(validateAgainst(ciliumSchema(), composeValues([defaults], values))).toEqual([]);
      }
    });

    it("is rejected by the schema when a value has the wrong type (the check can fail)", () => {
      const broken = composeValues([defaults, meshed], { clustermesh: { useAPIServer: "yes" } });
      expect(validateAgainst(ciliumSchema(), broken).join("\n")).toContain("/clustermesh/useAPIServer");
    });
  });
});
