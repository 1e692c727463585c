/**
 * ClusterMesh through the whole program, with peers as mocked StackReferences: the
 * contract each stack exports (with its own CA's certificate, never a key), the
 * deployment order up infra → up apps → up infra,
 * the first deployment that never fails on a missing peer, and the cross-stack checks that
 * fail before anything is registered.
 */
import { MockSecret, named, ofType, plainOccurrences, programResources, reveal, sharedRun, RunResult, secretLeaks } from "../harness";
import { MAX_CONNECTED_CLUSTERS } from "../components/clustermesh/contract";
import { asPeer, deployInfraAppsInfra, deployWithEdge, fq } from "./helpers/mesh";

const KEY = "tls:index/privateKey:PrivateKey";
const CERT = "tls:index/selfSignedCert:SelfSignedCert";
const ITEM = "onepassword:index/item:Item";
/** The mesh's own CA resources (other components create TLS keys too). */
const meshOfType = (r: RunResult, type: string) => ofType(r, type).filter((x) => x.name.startsWith("clustermesh"));

const meshWarnings = (r: RunResult) => r.warnings.filter((w) => w.startsWith("clustermesh:"));

/** Everything the run handed the engine, outside secrets, plus its warnings and error. */
function plainMentions(result: RunResult, needle: RegExp): string[] {
  return [
    ...result.resources.flatMap((r) => plainOccurrences(r.inputs, needle, `${r.type}::${r.name}`)),
    ...result.invokes.flatMap((i) => plainOccurrences(i.inputs, needle, `invoke ${i.token}`)),
    ...Object.entries(result.outputs).flatMap(([k, o]) => (o.secret ? [] : plainOccurrences(o.value, needle, `output ${k}`))),
    ...[...result.warnings, result.error?.message ?? ""].filter((t) => needle.test(t)).map(() => "log"),
  ];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("deployment order: up infra, up apps, up infra", () => {
  let first: RunResult;
  let apps: RunResult;
  let again: RunResult;
  beforeAll(async () => {
    ({ first, apps, again } = await deployInfraAppsInfra());
  });

  it("first infra run: apps has no contract yet, which warns and does not fail", () => {
    expect(first.error).toBeUndefined();
    expect(meshWarnings(first)).toHaveLength(1);
    expect(meshWarnings(first)[0]).toContain(`${fq("apps")} exports no clustermesh output yet`);
    expect(programResources(first).length).toBeGreaterThan(0);
  });

  it("each stack exports its contract in the clear: identity, peers, its own CA certificate, maxConnectedClusters", () => {
    const caCert = (run: RunResult) => (run.outputs.clustermesh.value as { caCert: string }).caCert;
    expect(first.outputs.clustermesh).toEqual({
      secret: false,
      value: {
        name: "infra",
        id: 1,
        podCidr: "10.244.0.0/16",
        apiserver: { address: "10.25.11.100", port: 2379 },
        peers: [fq("apps")],
        caCert: first.world.pem("CERTIFICATE", "clustermesh-ca"),
        maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
        lbPool: { start: "10.25.11.100", end: "10.25.11.119" },
      },
    });
    expect(apps.outputs.clustermesh).toEqual({
      secret: false,
      value: {
        name: "apps",
        id: 2,
        podCidr: "10.246.0.0/16",
        apiserver: { address: "10.25.11.120", port: 2379 },
        peers: [fq("infra")],
        caCert: apps.world.pem("CERTIFICATE", "clustermesh-ca"),
        maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
        lbPool: { start: "10.25.11.120", end: "10.25.11.139" },
      },
    });
    for (const run of [first, apps, again]) expect(caCert(run)).not.toMatch(/PRIVATE KEY/);
  });

  it("each stack generates its own CA and exports no key: no clustermeshCa output, no CA item in 1Password", () => {
    for (const run of [first, apps, again]) {
      expect(meshOfType(run, KEY).map((r) => r.name)).toEqual(["clustermesh-ca-key"]);
      expect(meshOfType(run, CERT).map((r) => r.name)).toEqual(["clustermesh-ca"]);
      expect(run.outputs.clustermeshCa).toBeUndefined();
      expect(ofType(run, ITEM).filter((r) => String(r.inputs.title).includes("clustermesh"))).toEqual([]);
    }
    // One CA per cluster: its subject names the cluster.
    expect((named(first, CERT, "clustermesh-ca").inputs.subject as { commonName: string }).commonName).toContain("infra");
    expect((named(apps, CERT, "clustermesh-ca").inputs.subject as { commonName: string }).commonName).toContain("apps");
  });

  it("no output of a stack, secret or not, holds its mesh CA key: a peer has nothing to read it from", () => {
    const key = first.world.pem("RSA PRIVATE KEY", "clustermesh-ca-key-tls-key");
    for (const run of [first, apps, again]) {
      const everything = JSON.stringify(reveal(Object.fromEntries(Object.entries(run.outputs).map(([k, o]) => [k, o.value]))));
      expect(everything.includes(JSON.stringify(key).slice(1, -1)) || everything.includes(b64(key))).toBe(false);
    }
    // The scan can fail: the key is in the run's own values Secret.
    expect(JSON.stringify(reveal(named(first, "kubernetes:core/v1:Secret", "cilium-clustermesh-values").inputs.stringData))).toContain(b64(key));
  });

  it("the CA: an RSA key nothing the program changes replaces, a long-lived CA certificate that edits do not re-issue", () => {
    const key = named(first, KEY, "clustermesh-ca-key");
    expect(key.inputs).toMatchObject({ algorithm: "RSA", rsaBits: 4096 });
    // Not protected: turning the mesh off drops it in one run (tests/mode-switches.test.ts).
    expect([key.options.protect, [...key.options.ignoreChanges].sort()]).toEqual([false, ["algorithm", "rsaBits"]]);
    const cert = named(first, CERT, "clustermesh-ca");
    expect(cert.inputs).toMatchObject({ isCaCertificate: true, allowedUses: ["cert_signing", "crl_signing", "digital_signature"], validityPeriodHours: 87600, earlyRenewalHours: 17520 });
    expect(cert.inputs.privateKeyPem).toBeInstanceOf(MockSecret);
    expect([...cert.options.ignoreChanges].sort()).toEqual(["allowedUses", "isCaCertificate", "subject", "validityPeriodHours"]);
    expect(cert.parent).toBe(named(first, "k8s-gitops:clustermesh:ClusterMesh", "clustermesh").urn);
  });

  it("apps and the second infra run see each other without a warning", () => {
    expect(apps.error).toBeUndefined();
    expect(meshWarnings(apps)).toEqual([]);
    expect(again.error).toBeUndefined();
    expect(meshWarnings(again)).toEqual([]);
  });

  it("the second infra run keeps the same CA resources (nothing re-generated)", () => {
    expect(meshOfType(again, KEY).map((r) => r.inputs)).toEqual(meshOfType(first, KEY).map((r) => r.inputs));
    expect(meshOfType(again, CERT).map((r) => r.name)).toEqual(["clustermesh-ca"]);
  });

  it("the CA key appears nowhere outside a secret", () => {
    const key = first.world.pem("RSA PRIVATE KEY", "clustermesh-ca-key-tls-key");
    const needle = new RegExp([key, b64(key), key.split("\n")[1]].map(escape).join("|"));
    for (const run of [first, apps, again]) {
      // The harness's scan, limited to what this component registers and exports.
      expect(secretLeaks(run).filter((l) => /clustermesh/.test(l))).toEqual([]);
      expect(plainMentions(run, needle)).toEqual([]);
    }
  });
});

describe("a peer that is missing or not ready", () => {
  it("apps before infra: no contract yet warns; apps comes up with its own CA and apiserver, no peer, and exports its contract", async () => {
    const r = await sharedRun({ stack: "apps" });
    expect(r.error).toBeUndefined();
    const warnings = meshWarnings(r);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${fq("infra")} exports no clustermesh output yet`);
    expect((r.outputs.clustermesh.value as { name: string }).name).toBe("apps");
    expect(meshOfType(r, KEY)).toHaveLength(1);
  });

  it("a peer whose contract does not list this stack warns and stays out", async () => {
    const infra = await sharedRun({ stack: "infra" });
    const loner = asPeer(infra);
    const contract = loner.outputs.clustermesh as { peers: string[] };
    const r = await sharedRun({
      stack: "apps",
      stackReferences: { [fq("infra")]: { ...loner, outputs: { ...loner.outputs, clustermesh: { ...contract, peers: [fq("edge")] } } } },
    });
    expect(r.error).toBeUndefined();
    expect(meshWarnings(r)).toHaveLength(1);
    expect(meshWarnings(r)[0]).toContain(`${fq("infra")} does not list ${fq("apps")} among its clustermesh peers`);
  });

  it("a stack that was never created fails with what to do, before anything is registered", async () => {
    const r = await sharedRun({ stack: "infra", missingStacks: [fq("apps")] });
    expect(r.error?.message).toContain(`cannot read stack ${fq("apps")}`);
    expect(r.error?.message).toContain(`pulumi stack init ${fq("apps")}`);
    expect(programResources(r)).toHaveLength(0);
  });
});

describe("cross-stack checks fail before anything registers, naming both stacks", () => {
  async function infraWithPeer(change: Record<string, unknown>): Promise<RunResult> {
    const apps = asPeer(await sharedRun({ stack: "apps" }));
    const contract = apps.outputs.clustermesh as Record<string, unknown>;
    return sharedRun({ stack: "infra", stackReferences: { [fq("apps")]: { ...apps, outputs: { clustermesh: { ...contract, ...change } } } } });
  }

  it("an overlapping pod CIDR", async () => {
    const r = await infraWithPeer({ podCidr: "10.244.128.0/17" });
    expect(r.error?.name).toBe("MeshError");
    expect(r.error?.message).toContain(`${fq("infra")} and ${fq("apps")} have overlapping pod CIDRs (10.244.0.0/16 and 10.244.128.0/17)`);
    expect(programResources(r)).toHaveLength(0);
  });

  it("an overlapping LoadBalancer pool, at a first preview as at up, naming both config paths", async () => {
    const apps = asPeer(await sharedRun({ stack: "apps" }));
    // The apps stack as it would be with its pool moved onto infra's: its apiserver inside it.
    const contract = { ...(apps.outputs.clustermesh as Record<string, unknown>), apiserver: { address: "10.25.11.115", port: 2379 }, lbPool: { start: "10.25.11.110", end: "10.25.11.129" } };
    for (const firstPreview of [false, true]) {
      const r = await sharedRun({ stack: "infra", firstPreview, stackReferences: { [fq("apps")]: { ...apps, outputs: { clustermesh: contract } } } });
      expect(r.error?.name).toBe("MeshError");
      expect(r.error?.message).toContain(
        `${fq("infra")} k8s-gitops:cilium.lbPool (10.25.11.100-10.25.11.119) overlaps ${fq("apps")} k8s-gitops:cilium.lbPool (10.25.11.110-10.25.11.129)`,
      );
      expect(programResources(r)).toHaveLength(0);
    }
    // The same pool on this stack's side, from its own config: refused the same way.
    const own = await sharedRun({
      stack: "infra",
      config: { "k8s-gitops:cilium.lbPool": { start: "10.25.11.120", end: "10.25.11.139" }, "k8s-gitops:clustermesh.apiserverIp": "10.25.11.125", "k8s-gitops:cilium.gateways": { external: "10.25.11.126", internal: "10.25.11.127" } },
      stackReferences: { [fq("apps")]: apps },
    });
    expect(own.error?.message).toContain(`${fq("infra")} k8s-gitops:cilium.lbPool (10.25.11.120-10.25.11.139) overlaps ${fq("apps")} k8s-gitops:cilium.lbPool (10.25.11.120-10.25.11.139)`);
    expect(programResources(own)).toHaveLength(0);
  });

  it("a duplicate cluster id", async () => {
    const r = await infraWithPeer({ id: 1 });
    expect(r.error?.message).toContain(`${fq("infra")} and ${fq("apps")} both use cluster id 1`);
    expect(programResources(r)).toHaveLength(0);
  });

  it("a contract this program cannot read", async () => {
    const r = await infraWithPeer({ apiserver: { address: "clustermesh.example", port: 2379 } });
    expect(r.error?.message).toContain(`${fq("apps")} exports a clustermesh output ${fq("infra")} cannot read: apiserver.address is not an IPv4 address`);
    expect(programResources(r)).toHaveLength(0);
  });

  it("another maxConnectedClusters", async () => {
    const other = MAX_CONNECTED_CLUSTERS === 255 ? 511 : 255;
    const r = await infraWithPeer({ maxConnectedClusters: other });
    expect(r.error?.message).toContain(`${fq("infra")} and ${fq("apps")} set different clustermesh.maxConnectedClusters`);
    expect(programResources(r)).toHaveLength(0);
  });

  it("a contract that carries a private key is refused, without echoing it", async () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMOCK-SECRET-leaked\n-----END RSA PRIVATE KEY-----\n";
    const apps = asPeer(await sharedRun({ stack: "apps" }));
    const contract = apps.outputs.clustermesh as { caCert: string };
    const r = await infraWithPeer({ caCert: contract.caCert + key });
    expect(r.error?.message).toContain(`${fq("apps")} exports a clustermesh output ${fq("infra")} cannot read: caCert must not contain a private key`);
    expect(r.error?.message).not.toContain("MOCK-SECRET-leaked");
    expect(programResources(r)).toHaveLength(0);
  });

  it("a stack listed as its own peer", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:clustermesh.peers": ["apps", "infra"] } });
    expect(r.error?.message).toContain(`k8s-gitops:clustermesh.peers[1] names this stack (${fq("infra")}) itself`);
    expect(programResources(r)).toHaveLength(0);
  });
});

describe("three clusters", () => {
  it("infra, apps and a third stack: every run sees both others without a warning", async () => {
    const { apps, again } = await deployWithEdge();
    expect(meshWarnings(apps)).toEqual([]);
    expect(again.error).toBeUndefined();
    expect(meshWarnings(again)).toEqual([]);
    expect((again.outputs.clustermesh.value as { peers: string[] }).peers).toEqual([fq("apps"), fq("edge")]);
  });
});

describe("config", () => {
  it("mesh off: no contract, no CA, no peer reads", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:clustermesh": { enabled: false } }, missingStacks: [fq("apps")] });
    expect(r.error).toBeUndefined();
    expect(r.outputs.clustermesh).toBeUndefined();
    expect(meshOfType(r, KEY)).toHaveLength(0);
    expect(meshWarnings(r)).toEqual([]);
  });

  it("an apiserver port other than the chart's 2379 is a config error", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:clustermesh.apiserverPort": 2380 } });
    expect(r.error?.message).toContain("k8s-gitops:clustermesh.apiserverPort: 2380");
    expect(programResources(r)).toHaveLength(0);
  });

  it("a peer that is not a stack name is a config error", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:clustermesh.peers": ["k8s-gitops/apps"] } });
    expect(r.error?.message).toContain("k8s-gitops:clustermesh.peers[0]: is not a stack name");
  });

  it("without 1Password the stack still generates its CA", async () => {
    const r = await sharedRun({
      stack: "infra",
      config: { "k8s-gitops:onepassword.enabled": false, "k8s-gitops:talos.pki": "generate" },
    });
    expect(r.error).toBeUndefined();
    expect(meshOfType(r, KEY)).toHaveLength(1);
    expect(ofType(r, ITEM).filter((i) => String(i.inputs.title).includes("clustermesh"))).toHaveLength(0);
  });
});
