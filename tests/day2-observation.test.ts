/**
 * The day-2 observation at the runner level (components/talos/day2/cli.ts observeDay2, as
 * tools/day2.ts runs it), with real child processes where the point is the process: the
 * cut-off of talosctl calls that never answer (the fake talosctl on PATH in its hang mode,
 * killed at the call's bound), all nodes at once; and the TLS certificate reader
 * (readPeerCertificate) against real TLS servers presenting certificates made in this run
 * (tests/helpers/test-ca.ts), compared with the adopted CAs by the preflight verdict.
 */
import { ChildProcess, spawn } from "child_process";
import { AddressInfo, createServer, Socket } from "net";
import { durationMs, observeDay2, ObserveSpec } from "../components/talos/day2/cli";
import type { ClusterObservation, PlannedNode } from "../components/talos/day2/plan";
import { preflightVerdict } from "../components/talos/day2/preflight";
import { KUBERNETES_API_PORT, readPeerCertificate, RunnerNode, TALOS_API_PORT, type PeerCertificate } from "../components/talos/day2/runner";
import { OBSERVATION_CALL_TIMEOUT } from "../stacks/preflight";
import { CLUSTER, FakeCluster, FakeState, pinnedVersions } from "./helpers/fake-talos";
import { leafOf, testCa, type TestCa } from "./helpers/test-ca";

const V = pinnedVersions();
const TARGETS = { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract };
const TALOSCONFIG = "context: fake\ncontexts:\n  fake:\n    key: MOCK-SECRET-talosconfig-key\n";
const planned = (nodes: readonly RunnerNode[]): PlannedNode[] => nodes.map((n, i) => ({ ...n, hostname: `node-${i + 1}` }));

let fake: FakeCluster | undefined;
afterEach(() => {
  fake?.dispose();
  fake = undefined;
});

describe("observation cut-off: a talosctl that never answers", () => {
  it("the program's bounds are 5 s per call at preview and 1 min at up (stacks/preflight.ts)", () => {
    expect(durationMs(OBSERVATION_CALL_TIMEOUT.preview)).toBe(5_000);
    expect(durationMs(OBSERVATION_CALL_TIMEOUT.up)).toBe(60_000);
  });

  /** `count` nodes, the first three control planes. */
  const nodesOf = (count: number): RunnerNode[] => Array.from({ length: count }, (_, i) => ({ address: `10.0.0.${i + 1}`, role: i < 3 ? "controlplane" : "worker" }));

  /** The observation with talosctl as processes (the fake on PATH), timed. */
  const observeAsProcesses = async (cluster: FakeCluster, nodes: readonly RunnerNode[], bound: string) => {
    const spec: ObserveSpec = { action: "observe", nodes, timeout: "15m", callTimeout: bound };
    const started = Date.now();
    const observed = JSON.parse(await observeDay2(spec, TALOSCONFIG, cluster.env, () => undefined)) as ClusterObservation;
    return { observed, elapsed: Date.now() - started };
  };

  // The bounds are the spec's callTimeout, which the program sets from OBSERVATION_CALL_TIMEOUT;
  // shorter ones here keep the test fast, in the same ratio (preview the shorter). Asked one
  // after the other, n silent nodes would cost n bounds: all at once they cost one.
  it.each([
    ["preview", "800ms", 3],
    ["preview", "800ms", 6],
    ["up", "1500ms", 3],
    ["up", "1500ms", 6],
  ])("at %s (bound %s per call) %i silent nodes are cut off together at one bound, and the verdict is cannot observe", async (_, bound, count) => {
    const nodes = nodesOf(count);
    const cluster = (fake = new FakeCluster(V.talos, V.kubernetes, nodes));
    cluster.update((s) => (s.hangs = nodes.map((n) => n.address)));
    const { observed, elapsed } = await observeAsProcesses(cluster, nodes, bound);
    const ms = durationMs(bound);
    expect(observed.nodes).toEqual(nodes.map((n) => ({ address: n.address, reason: `no answer within ${ms} ms` })));
    expect(elapsed).toBeGreaterThanOrEqual(ms);
    expect(elapsed).toBeLessThan(2 * ms);
    // Every node was asked its version once (the lock in tests/fakes/talosctl keeps every call's record).
    expect((cluster.read().calls ?? []).map((c) => `${c.command} ${c.node ?? ""}`).sort()).toEqual(nodes.map((n) => `version ${n.address}`).sort());
    const verdict = preflightVerdict(planned(nodes), observed, TARGETS);
    expect(verdict).toMatchObject({ kind: "unobserved", reason: expect.stringContaining(`10.0.0.1: no answer within ${ms} ms`) });
  });

  it("observes the answering nodes fully while one hangs, in the order given, within one bound more than the answers", async () => {
    const cluster = (fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious));
    // The first control plane hangs: its answer comes last, the etcd members come through the second.
    cluster.update((s) => (s.hangs = ["10.0.0.1"]));
    const { observed, elapsed } = await observeAsProcesses(cluster, CLUSTER, "800ms");
    expect(observed.nodes).toEqual([
      { address: "10.0.0.1", reason: "no answer within 800 ms" },
      ...CLUSTER.slice(1).map((n) => ({ address: n.address, talos: V.talosPrevious, kubernetes: V.kubernetesPrevious })),
    ]);
    expect(observed.etcdMembers.map((m) => m.hostname)).toEqual(["node-1", "node-2", "node-3"]);
    expect((cluster.read().calls ?? []).find((c) => c.command === "etcd members")?.node).toBe("10.0.0.2");
    expect(elapsed).toBeLessThan(2 * 800);
  });

  // The fixtures of the observation tests in tests/day2-runner.test.ts, plus a node down. The
  // in-process fake answers each call before the next starts: the sequential observation.
  it.each([
    ["a node ahead of the others", (s: FakeState) => (s.nodes["10.0.0.2"].talos = V.talos)],
    ["a node two minors back", (s: FakeState) => (s.nodes["10.0.0.3"].talos = V.talosTwoBack)],
    ["the first control plane down", (s: FakeState) => (s.nodes["10.0.0.1"].down = true)],
    ["a worker down and a learner", (s: FakeState) => ((s.nodes["10.0.0.4"].down = true), (s.etcd[2].learner = true))],
  ])("with %s the concurrent observation (processes) answers what the sequential one (in-process) does, and makes the same calls", async (_, fixture) => {
    const cluster = (fake = new FakeCluster(V.talosPrevious, V.kubernetesPrevious));
    cluster.update(fixture);
    const spec: ObserveSpec = { action: "observe", nodes: CLUSTER, timeout: "15m", callTimeout: "5s" };
    const sequential = await observeDay2(spec, TALOSCONFIG, cluster.env, () => undefined, cluster.talosctl);
    const sequentialCalls = cluster.read().calls ?? [];
    cluster.update((s) => (s.calls = []));
    const concurrent = await observeDay2(spec, TALOSCONFIG, cluster.env, () => undefined);
    expect(JSON.parse(concurrent)).toEqual(JSON.parse(sequential));
    expect((JSON.parse(concurrent) as ClusterObservation).nodes.map((n) => n.address)).toEqual(CLUSTER.map((n) => n.address));
    const calls = (list: NonNullable<FakeState["calls"]>) => list.map((c) => `${c.command} ${c.node ?? ""}`).sort();
    expect(calls(cluster.read().calls ?? [])).toEqual(calls(sequentialCalls));
  });
});

/** A TLS server in a child process, as apid and kube-apiserver are to the observation. */
interface TlsServer {
  readonly port: number;
  readonly child: ChildProcess;
}

/**
 * Like apid and kube-apiserver: presents `leaf`, asks every client for a certificate the
 * `trusted` CA signed and rejects one without (the reader sends none: under TLS 1.3 it has
 * the server's certificate before that rejection).
 */
const SERVER_SCRIPT = `
const tls = require("tls");
const { CERT, KEY, CA } = process.env;
const server = tls.createServer({ cert: CERT, key: KEY, ca: [CA], requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["h2"] });
server.on("tlsClientError", () => undefined);
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
`;

function startTlsServer(leaf: { certificatePem: string; privateKeyPem: string }, trusted: TestCa): Promise<TlsServer> {
  const child = spawn(process.execPath, ["-e", SERVER_SCRIPT], {
    env: { CERT: leaf.certificatePem, KEY: leaf.privateKeyPem, CA: trusted.certificatePem },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`TLS server exited (${String(code)})`)));
    child.stdout?.once("data", (data: Buffer) => resolve({ port: Number(data.toString().trim()), child }));
  });
}

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("readPeerCertificate against real TLS servers (adopted PKI comparison)", () => {
  const osCa = testCa("talos");
  const kubernetesCa = testCa("kubernetes");
  const otherOsCa = testCa("talos");
  const servers: TlsServer[] = [];
  let talosApi: TlsServer;
  let kubernetesApi: TlsServer;
  let foreignTalosApi: TlsServer;
  let closed: number;
  const node: RunnerNode[] = [{ address: "10.0.0.1", role: "controlplane" }];
  const adopted = {
    MACHINE_CA_CRT: Buffer.from(osCa.certificatePem).toString("base64"),
    CLUSTER_CA_CRT: Buffer.from(kubernetesCa.certificatePem).toString("base64"),
  };

  beforeAll(async () => {
    [talosApi, kubernetesApi, foreignTalosApi] = await Promise.all([
      startTlsServer(leafOf(osCa, "node-1"), osCa),
      startTlsServer(leafOf(kubernetesCa, "kube-apiserver"), kubernetesCa),
      startTlsServer(leafOf(otherOsCa, "node-1"), otherOsCa),
    ]);
    servers.push(talosApi, kubernetesApi, foreignTalosApi);
    closed = await closedPort();
  });
  afterAll(() => {
    for (const s of servers) s.child.kill();
  });

  /** The real reader, with the node's ports 50000 and 6443 mapped to the local servers. */
  const reader =
    (ports: Record<number, number>): PeerCertificate =>
    (_host, port, timeoutMs) =>
      readPeerCertificate("127.0.0.1", ports[port], timeoutMs);

  const observe = async (ports: Record<number, number>, nodes = node, callTimeout = "5s") => {
    const cluster = (fake = new FakeCluster(V.talos, V.kubernetes, nodes));
    const spec: ObserveSpec = { action: "observe", nodes, timeout: "15m", callTimeout, certificates: true };
    return JSON.parse(await observeDay2(spec, TALOSCONFIG, cluster.env, () => undefined, cluster.talosctl, reader(ports))) as ClusterObservation;
  };

  it("probes every endpoint at once: endpoints that accept and never answer on two nodes cost one bound", async () => {
    // Accepts the TCP connection and says nothing: no ServerHello, the probe waits out its bound.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, "127.0.0.1", () => resolve((silent.address() as AddressInfo).port)));
    try {
      const two = CLUSTER.slice(0, 2);
      const started = Date.now();
      const observed = await observe({ [TALOS_API_PORT]: port, [KUBERNETES_API_PORT]: port }, two, "800ms");
      const elapsed = Date.now() - started;
      // Two control planes, two ports each: four probes, one after the other four bounds.
      expect(observed.certificates).toEqual(
        two.flatMap((n) => [TALOS_API_PORT, KUBERNETES_API_PORT].map((p) => ({ address: n.address, port: p, error: "no answer within 800 ms" }))),
      );
      expect(elapsed).toBeGreaterThanOrEqual(800);
      expect(elapsed).toBeLessThan(2 * 800);
      expect(sockets).toHaveLength(4);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("reads the leaf certificate each endpoint presents, from servers that require a client certificate", async () => {
    const observed = await observe({ [TALOS_API_PORT]: talosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    expect(observed.certificates?.map((c) => [c.port, c.error])).toEqual([
      [TALOS_API_PORT, undefined],
      [KUBERNETES_API_PORT, undefined],
    ]);
    expect(observed.certificates?.[0].certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it("goes when the nodes present certificates the adopted CAs signed", async () => {
    const observed = await observe({ [TALOS_API_PORT]: talosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    expect(preflightVerdict(planned(node), observed, TARGETS, adopted)).toMatchObject({ kind: "go" });
  });

  it("refuses, naming the item's fields, when the Talos API presents a certificate another CA signed", async () => {
    const observed = await observe({ [TALOS_API_PORT]: foreignTalosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    const verdict = preflightVerdict(planned(node), observed, TARGETS, adopted);
    expect(verdict.kind).toBe("refused");
    const problems = verdict.kind === "refused" ? verdict.problems : [];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^node 10\.0\.0\.1 \(node-1\): its Talos API \(port 50000\) presents a certificate issued by "CN=talos"/);
    expect(problems[0]).toContain("the item's MACHINE_CA_CRT and MACHINE_CA_KEY are not this cluster's");
  });

  it("cannot observe when no endpoint answers, and says why", async () => {
    const observed = await observe({ [TALOS_API_PORT]: closed, [KUBERNETES_API_PORT]: closed });
    expect(observed.certificates?.map((c) => c.error)).toEqual([expect.stringMatching(/ECONNREFUSED/), expect.stringMatching(/ECONNREFUSED/)]);
    const verdict = preflightVerdict(planned(node), observed, TARGETS, adopted);
    expect(verdict).toMatchObject({ kind: "unobserved", reason: expect.stringContaining("the adopted PKI could not be compared") });
  });
});
