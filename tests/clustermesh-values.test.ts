/**
 * The Cilium values the program writes in the cluster (Secret
 * kube-system/cilium-clustermesh-values, read by the Cilium HelmRelease's valuesFrom and
 * merged into the bootstrap release): peers with their addresses, this cluster's own CA and
 * a trust bundle of certificates, the native-routing CIDR over every meshed pod CIDR, for
 * two and three clusters, meshed or not.
 */
import { parse } from "yaml";
import { composeValues } from "../bootstrap/values";
import type { Values } from "../lib/values";
import { MAX_CONNECTED_CLUSTERS } from "../components/clustermesh/contract";
import { PROGRAM_WRITE_ANNOTATIONS } from "../bootstrap/handoff-objects";
import { MockSecret, named, ofType, plainOccurrences, reveal, sharedRun, RunResult, secretLeaks } from "../harness";
import { asPeer, deployInfraAppsInfra, deployWithEdge, EDGE_CONTRACT, fq } from "./helpers/mesh";
import { covers as coversRange, parseCidr } from "../lib/net";
import { chartDefaults, describeWithSchemas, validateAgainst, valuesSchemaPath } from "./helpers/schemas";
import { chartPin } from "./helpers/pins";

/** The values schema of the pinned Cilium chart (the test fails when the schemas lack it). */
function ciliumSchema(): string {
  const found = valuesSchemaPath("cilium", chartPin("cilium"));
  if (found === undefined) throw new Error(`no values schema for the pinned cilium chart ${chartPin("cilium")} (add it to schemas/manifest.json)`);
  return found;
}

const SECRET = "kubernetes:core/v1:Secret";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface MeshValues {
  cluster: { name: string; id: number };
  ipv4NativeRoutingCIDR: string;
  tls?: { ca: { cert: string; key: string }; caBundle: { enabled: boolean; content: string } };
  clustermesh?: {
    maxConnectedClusters: number;
    useAPIServer: boolean;
    apiserver: {
      service: { type: string; annotations: Record<string, string> };
      tls: { authMode: string; auto: { enabled: boolean; method: string } };
    };
    config: { enabled: boolean; clusters: { name: string; port: number; ips: string[] }[] };
  };
}

/** The values.yaml of the Secret, which must reach the engine as a secret. */
function valuesOf(result: RunResult): MeshValues {
  expect(result.error).toBeUndefined();
  const secret = named(result, SECRET, "cilium-clustermesh-values");
  // Secret as a whole map or per key; either way nothing of it is in the clear.
  const data = secret.inputs.stringData;
  expect(data instanceof MockSecret || (data as Record<string, unknown>)["values.yaml"] instanceof MockSecret).toBe(true);
  return parse(String((reveal(data) as Record<string, unknown>)["values.yaml"])) as MeshValues;
}

const peersOf = (v: MeshValues) => v.clustermesh?.config.clusters.map((c) => `${c.name}@${c.ips.join(",")}:${c.port}`);

function covers(cidr: string, inner: string): boolean {
  const outer = parseCidr(cidr);
  const net = parseCidr(inner);
  return !!outer && !!net && coversRange([outer], net);
}

describe("two clusters in the documented order: up infra, up apps, up infra", () => {
  let first: RunResult;
  let apps: RunResult;
  let again: RunResult;
  beforeAll(async () => {
    ({ first, apps, again } = await deployInfraAppsInfra());
  });

  it("writes one Secret in kube-system, watched by Flux, with the cluster's provider, kept on delete", () => {
    for (const run of [first, apps, again]) {
      const secrets = ofType(run, SECRET).filter((s) => s.name === "cilium-clustermesh-values");
      expect(secrets).toHaveLength(1);
      const [secret] = secrets;
      expect(secret.inputs.metadata).toEqual({
        name: "cilium-clustermesh-values",
        namespace: "kube-system",
        labels: { "reconcile.fluxcd.io/watch": "Enabled" },
        annotations: PROGRAM_WRITE_ANNOTATIONS,
      });
      expect(secret.inputs.type).toBe("Opaque");
      expect(secret.provider?.startsWith(named(run, "pulumi:providers:kubernetes", "kubernetes").urn)).toBe(true);
      expect(secret.options.retainOnDelete).toBe(true);
    }
  });

  it("first infra run: apiserver and CA in place, no peer yet, its own pod CIDR", () => {
    const v = valuesOf(first);
    expect(v.cluster).toEqual({ name: "infra", id: 1 });
    expect(v.ipv4NativeRoutingCIDR).toBe("10.244.0.0/16");
    expect(v.clustermesh?.useAPIServer).toBe(true);
    expect(v.clustermesh?.apiserver.service).toEqual({ type: "LoadBalancer", annotations: { "lbipam.cilium.io/ips": "10.25.11.100" } });
    expect(v.clustermesh?.apiserver.tls.auto).toMatchObject({ enabled: true, method: "cronJob" });
    expect(v.clustermesh?.apiserver.tls.authMode).toBe("cluster");
    expect(v.clustermesh?.maxConnectedClusters).toBe(MAX_CONNECTED_CLUSTERS);
    expect(peersOf(v)).toEqual([]);
  });

  it("apps sees infra at infra's address; infra, on its second run, sees apps at apps's address", () => {
    expect(peersOf(valuesOf(apps))).toEqual(["infra@10.25.11.100:2379"]);
    expect(peersOf(valuesOf(again))).toEqual(["apps@10.25.11.120:2379"]);
    expect(valuesOf(apps).cluster).toEqual({ name: "apps", id: 2 });
    expect(valuesOf(apps).clustermesh?.apiserver.service.annotations).toEqual({ "lbipam.cilium.io/ips": "10.25.11.120" });
  });

  it("each uses its own CA, base64-encoded as the chart expects, and trusts the peers' certificates by bundle", () => {
    const ownCa = (run: RunResult) => ({
      cert: b64(run.world.pem("CERTIFICATE", "clustermesh-ca")),
      key: b64(run.world.pem("RSA PRIVATE KEY", "clustermesh-ca-key-tls-key")),
    });
    const caCertOf = (run: RunResult) => (run.outputs.clustermesh.value as { caCert: string }).caCert;
    for (const run of [first, apps, again]) expect(valuesOf(run).tls?.ca).toEqual(ownCa(run));
    // Own certificate first, then each meshed peer's, exactly as the peer exported it.
    expect(valuesOf(first).tls?.caBundle).toEqual({ enabled: true, content: caCertOf(first) });
    expect(valuesOf(apps).tls?.caBundle).toEqual({ enabled: true, content: caCertOf(apps) + caCertOf(first) });
    expect(valuesOf(again).tls?.caBundle).toEqual({ enabled: true, content: caCertOf(again) + caCertOf(apps) });
    for (const run of [first, apps, again]) expect(valuesOf(run).tls?.caBundle.content).not.toMatch(/PRIVATE KEY/);
  });

  it("once meshed, the native-routing CIDR covers both pod CIDRs, on both sides", () => {
    for (const run of [apps, again]) {
      const cidr = valuesOf(run).ipv4NativeRoutingCIDR;
      expect(cidr).toBe("10.244.0.0/14");
      expect(covers(cidr, "10.244.0.0/16") && covers(cidr, "10.246.0.0/16")).toBe(true);
    }
  });

  it("the CA key appears nowhere outside a secret", () => {
    const key = first.world.pem("RSA PRIVATE KEY", "clustermesh-ca-key-tls-key");
    const needle = new RegExp([key, b64(key), key.split("\n")[1]].map(escape).join("|"));
    for (const run of [first, apps, again]) {
      expect(secretLeaks(run).filter((l) => /clustermesh/.test(l))).toEqual([]);
      const plain = [
        ...run.resources.flatMap((r) => plainOccurrences(r.inputs, needle, `${r.type}::${r.name}`)),
        ...run.invokes.flatMap((i) => plainOccurrences(i.inputs, needle, `invoke ${i.token}`)),
        ...Object.entries(run.outputs).flatMap(([k, o]) => (o.secret ? [] : plainOccurrences(o.value, needle, `output ${k}`))),
      ];
      expect(plain).toEqual([]);
      expect(run.warnings.filter((w) => needle.test(w))).toEqual([]);
    }
    // The needle does match the key where it is (inside the secret), so the scan is able to fail.
    expect(needle.test(JSON.stringify(reveal(named(apps, SECRET, "cilium-clustermesh-values").inputs.stringData)))).toBe(true);
  });

  describeWithSchemas(`against the pinned Cilium chart (${chartPin("cilium")})`, () => {
    it("the written values validate against values.schema.json over the chart defaults", () => {
      const defaults = chartDefaults("cilium", chartPin("cilium")) as Values;
      for (const run of [first, apps, again]) {
        expect(validateAgainst(ciliumSchema(), composeValues([defaults], valuesOf(run) as unknown as Values))).toEqual([]);
      }
    });
  });
});

describe("three clusters", () => {
  const edge = EDGE_CONTRACT;

  it("infra and apps each list both other clusters; the native-routing CIDR covers all three pod CIDRs", async () => {
    const { apps, again: infra2 } = await deployWithEdge();
    expect(peersOf(valuesOf(apps))).toEqual(["infra@10.25.11.100:2379", "edge@10.25.11.140:2379"]);
    expect(peersOf(valuesOf(infra2))).toEqual(["apps@10.25.11.120:2379", "edge@10.25.11.140:2379"]);
    for (const run of [apps, infra2]) {
      const cidr = valuesOf(run).ipv4NativeRoutingCIDR;
      expect(cidr).toBe("10.240.0.0/12");
      for (const pods of ["10.244.0.0/16", "10.246.0.0/16", "10.248.0.0/16"]) expect(covers(cidr, pods)).toBe(true);
    }
    // edge's certificate reaches both bundles; its contract never carried a key.
    for (const run of [apps, infra2]) expect(valuesOf(run).tls?.caBundle.content).toContain(edge.caCert);
  });

  it("a third stack that does not list this one yet is left out of the values (and the CIDR)", async () => {
    const infra = await sharedRun({ stack: "infra", config: { "k8s-gitops:clustermesh.peers": ["apps", "edge"] } });
    const apps = await sharedRun({
      stack: "apps",
      config: { "k8s-gitops:clustermesh.peers": ["infra", "edge"] },
      stackReferences: { [fq("infra")]: asPeer(infra), [fq("edge")]: { outputs: { clustermesh: { ...edge, peers: [fq("infra")] } } } },
    });
    expect(peersOf(valuesOf(apps))).toEqual(["infra@10.25.11.100:2379"]);
    expect(valuesOf(apps).ipv4NativeRoutingCIDR).toBe("10.244.0.0/14");
  });
});

describe("not meshed", () => {
  it("mesh off: the Secret carries the cluster identity, its own pod CIDR, the node devices and the pinned maxConnectedClusters", async () => {
    const r = await sharedRun({ stack: "apps", config: { "k8s-gitops:clustermesh": { enabled: false } } });
    expect(valuesOf(r)).toEqual({
      cluster: { name: "apps", id: 2 },
      ipv4NativeRoutingCIDR: "10.246.0.0/16",
      devices: "bond0",
      clustermesh: { maxConnectedClusters: MAX_CONNECTED_CLUSTERS },
    });
  });

  it("no peer deployed yet: own CA and apiserver, no peer, a bundle of its own certificate, its own pod CIDR", async () => {
    const r = await sharedRun({ stack: "apps" });
    const v = valuesOf(r);
    expect(peersOf(v)).toEqual([]);
    expect(v.ipv4NativeRoutingCIDR).toBe("10.246.0.0/16");
    expect(v.tls?.caBundle.content).toBe((r.outputs.clustermesh.value as { caCert: string }).caCert);
  });
});
