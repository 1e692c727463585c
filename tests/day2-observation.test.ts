/**
 * The day-2 observation at the runner level (components/talos/day2/cli.ts runDay2 with an
 * `observe` spec, as tools/day2.ts runs it), with real child processes where the point is
 * the process: the cut-off of a talosctl that never answers (the fake talosctl on PATH in
 * its hang mode, killed at the call's bound), and the TLS certificate reader
 * (spawnPeerCertificate) against real TLS servers presenting certificates made in this
 * run (tests/helpers/test-ca.ts), compared with the adopted CAs by the preflight verdict.
 */
import { ChildProcess, spawn } from "child_process";
import { createServer } from "net";
import { Day2Spec, durationMs, runDay2 } from "../components/talos/day2/cli";
import type { ClusterObservation, PlannedNode } from "../components/talos/day2/plan";
import { preflightVerdict } from "../components/talos/day2/preflight";
import { KUBERNETES_API_PORT, RunnerNode, spawnPeerCertificate, TALOS_API_PORT, type PeerCertificate } from "../components/talos/day2/runner";
import { OBSERVATION_CALL_TIMEOUT } from "../stacks/preflight";
import { CLUSTER, FakeCluster, pinnedVersions } from "./helpers/fake-talos";
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

  // The bounds are the spec's callTimeout, which the program sets from OBSERVATION_CALL_TIMEOUT;
  // shorter ones here keep the test fast, in the same ratio (preview the shorter).
  it.each([
    ["preview", "400ms"],
    ["up", "900ms"],
  ])("at %s (bound %s per call) every call is cut off at the bound and the verdict is cannot observe", (_, bound) => {
    const cluster = (fake = new FakeCluster(V.talos, V.kubernetes));
    cluster.update((s) => (s.hangs = CLUSTER.map((n) => n.address)));
    const spec: Day2Spec = { action: "observe", nodes: CLUSTER, timeout: "15m", callTimeout: bound };
    const started = Date.now();
    // No tools given: talosctl is the fake as a process on PATH, killed by spawnSync at the bound.
    const observed = JSON.parse(runDay2(spec, TALOSCONFIG, cluster.env, () => undefined)) as ClusterObservation;
    const elapsed = Date.now() - started;
    const ms = durationMs(bound);
    expect(observed.nodes).toEqual(CLUSTER.map((n) => ({ address: n.address, reason: `no answer within ${ms} ms` })));
    // One version call per node, each cut off at the bound (and no later than a process start after it).
    expect(elapsed).toBeGreaterThanOrEqual(CLUSTER.length * ms);
    expect(elapsed).toBeLessThan(CLUSTER.length * (ms + 1_500));
    expect((cluster.read().calls ?? []).map((c) => c.command)).toEqual(CLUSTER.map(() => "version"));
    const verdict = preflightVerdict(planned(CLUSTER), observed, TARGETS);
    expect(verdict).toMatchObject({ kind: "unobserved", reason: expect.stringContaining(`10.0.0.1: no answer within ${ms} ms`) });
  });
});

/** A TLS server in a child process (the runner's reader blocks this one while it reads). */
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

describe("spawnPeerCertificate against real TLS servers (adopted PKI comparison)", () => {
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
      spawnPeerCertificate("127.0.0.1", ports[port], timeoutMs);

  const observe = (ports: Record<number, number>) => {
    const cluster = (fake = new FakeCluster(V.talos, V.kubernetes, node));
    const spec: Day2Spec = { action: "observe", nodes: node, timeout: "15m", callTimeout: "5s", certificates: true };
    return JSON.parse(runDay2(spec, TALOSCONFIG, cluster.env, () => undefined, cluster.tools, reader(ports))) as ClusterObservation;
  };

  it("reads the leaf certificate each endpoint presents, from servers that require a client certificate", () => {
    const observed = observe({ [TALOS_API_PORT]: talosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    expect(observed.certificates?.map((c) => [c.port, c.error])).toEqual([
      [TALOS_API_PORT, undefined],
      [KUBERNETES_API_PORT, undefined],
    ]);
    expect(observed.certificates?.[0].certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it("goes when the nodes present certificates the adopted CAs signed", () => {
    const observed = observe({ [TALOS_API_PORT]: talosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    expect(preflightVerdict(planned(node), observed, TARGETS, adopted)).toMatchObject({ kind: "go" });
  });

  it("refuses, naming the item's fields, when the Talos API presents a certificate another CA signed", () => {
    const observed = observe({ [TALOS_API_PORT]: foreignTalosApi.port, [KUBERNETES_API_PORT]: kubernetesApi.port });
    const verdict = preflightVerdict(planned(node), observed, TARGETS, adopted);
    expect(verdict.kind).toBe("refused");
    const problems = verdict.kind === "refused" ? verdict.problems : [];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^node 10\.0\.0\.1 \(node-1\): its Talos API \(port 50000\) presents a certificate issued by "CN=talos"/);
    expect(problems[0]).toContain("the item's MACHINE_CA_CRT and MACHINE_CA_KEY are not this cluster's");
  });

  it("cannot observe when no endpoint answers, and says why", () => {
    const observed = observe({ [TALOS_API_PORT]: closed, [KUBERNETES_API_PORT]: closed });
    expect(observed.certificates?.map((c) => c.error)).toEqual([expect.stringMatching(/ECONNREFUSED/), expect.stringMatching(/ECONNREFUSED/)]);
    const verdict = preflightVerdict(planned(node), observed, TARGETS, adopted);
    expect(verdict).toMatchObject({ kind: "unobserved", reason: expect.stringContaining("the adopted PKI could not be compared") });
  });
});
