/**
 * The day-2 preflight as the whole program runs it (stacks/preflight.ts): before anything
 * but providers and reads is registered, at a first preview (every output of a resource
 * created in the run unknown) as at up. The running clusters are on Talos 1.11 and
 * Kubernetes 1.34 (../shared/reference/seed-environment.md); the pins come from where they
 * are pinned (tests/helpers/pins.ts, tests/helpers/fake-talos.ts).
 */
import { X509Certificate } from "crypto";
import { parse } from "yaml";
import { asStackReference, MockSecret, ORGANIZATION, PROJECT_ROOT, readProjectConfig, reveal, runProgram, RunOptions, RunResult, secretLeaks } from "../harness";
import { DAY2_RECORD_OUTPUT, DAY2_RECORD_REVISION } from "../components/talos/day2/record";
import { talosPkiFixtures } from "../harness/pki-fixtures";
import { OBSERVATION_CALL_TIMEOUT } from "../stacks/preflight";
import { pinnedVersions } from "./helpers/fake-talos";

const RUN = "command:local:run";
const V = pinnedVersions();
/** What the clusters run today (seed-environment.md): two Talos and two Kubernetes minors behind the pins. */
const LIVE = { talos: "v1.11.2", kubernetes: "v1.34.1" };

type Node = { address: string; hostname: string; role: string };
const nodesOf = (stack: string) => readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:nodes"] as Node[];
const at = (stack: string, versions: { talos: string; kubernetes: string }) => Object.fromEntries(nodesOf(stack).map((n) => [n.address, versions]));

/** Registered resources that write something: anything but providers, StackReferences and the stack itself. */
const writes = (result: RunResult) =>
  result.resources.filter((r) => !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:StackReference" && r.type !== "pulumi:pulumi:Stack");

const observation = (result: RunResult) => {
  const invokes = result.invokes.filter((i) => i.token === RUN);
  expect(invokes).toHaveLength(1);
  const env = invokes[0].inputs.environment as Record<string, string>;
  return { invoke: invokes[0], spec: JSON.parse(env.DAY2_SPEC) as { action: string; callTimeout?: string; certificates?: boolean; nodes: { address: string }[] } };
};

const run = (stack: string, options: Partial<RunOptions>) => runProgram({ stack, ...options });

/** getItem invokes of the stack's adopted Talos PKI item (onepassword.talosItem). */
const pkiItemReads = (stack: string, result: RunResult) => {
  const { talosItem } = readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:onepassword"] as { talosItem: string };
  return result.invokes.filter((i) => i.token === "onepassword:index/getItem:getItem" && i.inputs.title === talosItem).length;
};

describe.each(["infra", "apps"])("%s against the running cluster (Talos 1.11, Kubernetes 1.34)", (stack) => {
  const first = nodesOf(stack)[0];

  it("a first preview fails with the preflight refusal and the upgrade path, having registered only providers and reads", async () => {
    const result = await run(stack, { firstPreview: true, talosNodes: at(stack, LIVE) });
    const message = result.error?.message ?? "";
    expect(message.split("\n")[0]).toBe("day-2 preflight refused the run:");
    expect(message).toContain(`node ${first.address} (${first.hostname}) runs Talos ${LIVE.talos}; ${V.talos} skips v1.12`);
    expect(message).toContain("set versions.talos to the latest v1.12 patch");
    expect(message).toContain(`the cluster runs Kubernetes ${LIVE.kubernetes}`);
    expect(message).not.toMatch(/error serializing property/);
    expect(writes(result)).toEqual([]);
    // The observation ran at preview, before anything that writes, with the preview's short bound.
    expect(observation(result).spec).toMatchObject({ action: "observe", callTimeout: OBSERVATION_CALL_TIMEOUT.preview, certificates: true });
  }, 60_000);

  it("a refused pulumi up registers nothing beyond providers and reads", async () => {
    const result = await run(stack, { talosNodes: at(stack, LIVE) });
    expect(result.error?.name).toBe("Day2PreflightError");
    expect(writes(result)).toEqual([]);
    expect(observation(result).spec.callTimeout).toBe(OBSERVATION_CALL_TIMEOUT.up);
  }, 60_000);
});

describe("a cluster one minor behind the pins, at a first preview", () => {
  let result: RunResult;
  const stack = "infra";
  const nodes = nodesOf(stack);
  beforeAll(async () => {
    result = await run(stack, { firstPreview: true, talosNodes: at(stack, { talos: V.talosPrevious, kubernetes: V.kubernetesPrevious }) });
  }, 60_000);

  it("goes, and the preview logs the verdict with every upgrade and the PKI comparison", () => {
    expect(result.error).toBeUndefined();
    const verdict = result.infos.find((line) => line.startsWith("day-2 preflight: go."));
    expect(verdict).toBeDefined();
    for (const node of nodes) expect(verdict).toContain(`${node.address} ${V.talosPrevious} → ${V.talos}`);
    expect(verdict).toContain(`Kubernetes upgrade: ${V.kubernetesPrevious} → ${V.kubernetes}`);
    const fixture = talosPkiFixtures()[stack];
    const os = new X509Certificate(Buffer.from(fixture.MACHINE_CA_CRT, "base64").toString("utf8"));
    expect(verdict).toContain(`OS CA sha256 ${os.fingerprint256}`);
  });

  it("observes before the first resource that writes", () => {
    const firstWrite = writes(result).map((r) => r.seq).sort((a, b) => a - b)[0];
    expect(observation(result).invoke.seq).toBeLessThan(firstWrite);
  });

  it("observes with an os:reader talosconfig derived from the adopted OS CA, as a secret", () => {
    const { invoke } = observation(result);
    expect(invoke.inputs.stdin).toBeInstanceOf(MockSecret);
    const talosconfig = parse(String(reveal(invoke.inputs.stdin))) as { context: string; contexts: Record<string, { crt: string; ca: string; endpoints: string[] }> };
    const context = talosconfig.contexts[talosconfig.context];
    const client = new X509Certificate(Buffer.from(context.crt, "base64").toString("utf8"));
    const ca = new X509Certificate(Buffer.from(talosPkiFixtures()[stack].MACHINE_CA_CRT, "base64").toString("utf8"));
    expect(client.subject).toBe("O=os:reader");
    expect(client.checkIssued(ca) && client.verify(ca.publicKey)).toBe(true);
    expect(context.endpoints).toEqual(nodes.filter((n) => n.role === "controlplane").map((n) => n.address));
  });

  it("leaks no secret", () => {
    expect(secretLeaks(result)).toEqual([]);
  });

  it("reads the adopted PKI item once: the preflight's read is the one TalosCluster adopts", () => {
    expect(pkiItemReads(stack, result)).toBe(1);
  });
});

describe("the adopted PKI item at pulumi up of a running cluster", () => {
  it.each(["infra", "apps"])("%s: is read once per run, and the cluster adopts what the preflight read", async (stack) => {
    const result = await run(stack, { talosNodes: at(stack, { talos: V.talos, kubernetes: V.kubernetes }) });
    expect(result.error).toBeUndefined();
    expect(pkiItemReads(stack, result)).toBe(1);
    // The one read fed both: the observation's os:reader talosconfig and the cluster's admin credentials.
    expect(observation(result).spec.certificates).toBe(true);
    expect(result.resources.some((r) => r.type === "talos:machine/configurationApply:ConfigurationApply")).toBe(true);
  }, 60_000);
});

describe("an adopted PKI that is not the running cluster's", () => {
  it("is refused before anything is written, naming the fields of both CAs", async () => {
    const result = await run("infra", { firstPreview: true, runningPki: "other-cluster" });
    const message = result.error?.message ?? "";
    expect(message.split("\n")[0]).toBe("day-2 preflight refused the run:");
    expect(message).toMatch(/node 10\.25\.11\.11 \(infra-01\): its Talos API \(port 50000\) presents a certificate .* MACHINE_CA_CRT and MACHINE_CA_KEY are not this cluster's/);
    expect(message).toMatch(/its Kubernetes API \(port 6443\) presents a certificate .* CLUSTER_CA_CRT and CLUSTER_CA_KEY are not this cluster's/);
    expect(writes(result)).toEqual([]);
  }, 60_000);
});

describe("a cluster the preflight cannot reach", () => {
  const silent = Object.fromEntries(nodesOf("infra").map((n) => [n.address, null]));

  it("warns at a first preview, with the short per-call bound, and the preview goes on assuming the pins", async () => {
    const result = await run("infra", { firstPreview: true, talosNodes: silent });
    expect(result.error).toBeUndefined();
    expect(result.warnings.join("\n")).toMatch(/day-2 preflight: cannot observe the running cluster: no node answered the Talos API; this preview assumes/);
    expect(observation(result).spec.callTimeout).toBe(OBSERVATION_CALL_TIMEOUT.preview);
  }, 60_000);

  it("fails pulumi up before anything is written", async () => {
    const result = await run("infra", { talosNodes: silent });
    expect(result.error?.name).toBe("PreflightUnobservedError");
    expect(result.error?.message).toMatch(/^day-2 preflight could not observe the running cluster: no node answered the Talos API/);
    expect(writes(result)).toEqual([]);
  }, 60_000);
});

describe("a failure of tools/day2.ts itself", () => {
  it("warns at preview", async () => {
    const result = await run("infra", { preview: true, observeTool: "fails" });
    expect(result.error).toBeUndefined();
    expect(result.warnings.join("\n")).toMatch(/day-2 preflight: cannot observe the running cluster: tools\/day2\.ts failed: .*Cannot find module/);
  }, 60_000);

  it("fails pulumi up before anything is written", async () => {
    const result = await run("infra", { observeTool: "fails" });
    expect(result.error?.message).toMatch(/^day-2 preflight could not observe the running cluster: tools\/day2\.ts failed/);
    expect(writes(result)).toEqual([]);
  }, 60_000);
});

describe("a generated PKI on a running cluster", () => {
  it("observes with the talosconfig the previous run exported (a self StackReference read), comparing no adopted CA", async () => {
    const previous = "context: infra\ncontexts: {infra: {endpoints: [10.25.11.11]}}\n# MOCK-SECRET-previous-talosconfig\n";
    const self = "organization/k8s-gitops/infra";
    const result = await run("infra", {
      config: { "k8s-gitops:talos.pki": "generate", "k8s-gitops:talos.bootstrapped": true },
      stackReferences: {
        [self]: { outputs: { lifecycle: { fluxOwnsReleases: true, pki: "generate", pkiItem: "infra-talos", onepasswordItems: [{ vault: "Prod", title: "infra-talos" }] }, talosconfig: previous }, secretOutputNames: ["talosconfig"] },
      },
      preview: true,
    });
    expect(result.error).toBeUndefined();
    const { invoke, spec } = observation(result);
    expect(invoke.inputs.stdin).toBeInstanceOf(MockSecret);
    expect(reveal(invoke.inputs.stdin)).toBe(previous);
    expect(spec.certificates).toBeUndefined();
  }, 60_000);
});

describe("the day-2 record: exported, read back, telling an upgrade from drift", () => {
  const stack = "infra";
  const nodes = nodesOf(stack);
  const self = `${ORGANIZATION}/k8s-gitops/${stack}`;
  const COMMAND = "command:local:Command";
  const triggersOf = (result: RunResult, name: string) =>
    JSON.parse(String((reveal(result.resources.find((r) => r.type === COMMAND && r.name === name)?.inputs.triggers) as string[])[0])) as Record<string, unknown>;
  let recorded: RunResult;
  beforeAll(async () => {
    recorded = await run(stack, { talosNodes: at(stack, { talos: V.talos, kubernetes: V.kubernetes }) });
    expect(recorded.error).toBeUndefined();
  }, 60_000);

  it("is exported in the clear with every node at this run's targets", () => {
    expect(recorded.outputs[DAY2_RECORD_OUTPUT].secret).toBe(false);
    expect(recorded.outputs[DAY2_RECORD_OUTPUT].value).toEqual({
      revision: DAY2_RECORD_REVISION,
      nodes: Object.fromEntries(nodes.map((n) => [n.address, { talos: V.talos, kubernetes: V.kubernetes }])),
    });
    expect(secretLeaks(recorded)).toEqual([]);
  });

  it("is read back by the next run: a node found elsewhere is drift, logged, counted in its step's triggers and in the new record", async () => {
    const drifted = nodes[2];
    const result = await run(stack, {
      talosNodes: { ...at(stack, { talos: V.talos, kubernetes: V.kubernetes }), [drifted.address]: { talos: V.talosPrevious, kubernetes: V.kubernetes } },
      stackReferences: { [self]: asStackReference(recorded) },
    });
    expect(result.error).toBeUndefined();
    expect(result.infos.join("\n")).toContain(`drift, re-run: ${drifted.address} Talos ${V.talosPrevious} (the previous run left ${V.talos})`);
    expect(triggersOf(result, `talos-upgrade-${drifted.address}`)).toMatchObject({ target: V.talos, repairs: 1 });
    for (const n of nodes.filter((x) => x !== drifted)) expect(triggersOf(result, `talos-upgrade-${n.address}`)).not.toHaveProperty("repairs");
    expect(result.outputs[DAY2_RECORD_OUTPUT].value).toMatchObject({ nodes: { [drifted.address]: { talos: V.talos, talosRepairs: 1 } } });
  }, 60_000);

  it("is known at a first preview (the previous run's output, not this run's): drift is planned before anything exists", async () => {
    const drifted = nodes[0];
    const result = await run(stack, {
      firstPreview: true,
      talosNodes: { [drifted.address]: { talos: V.talos, kubernetes: V.kubernetesPrevious } },
      stackReferences: { [self]: asStackReference(recorded) },
    });
    expect(result.error).toBeUndefined();
    expect(result.infos.join("\n")).toContain(`drift, re-run: ${drifted.address} Kubernetes ${V.kubernetesPrevious} (the previous run left ${V.kubernetes})`);
  }, 60_000);

  it("is not read when it is not one this program wrote: no drift, as on a first day-2 run", async () => {
    const result = await run(stack, {
      talosNodes: { [nodes[0].address]: { talos: V.talosPrevious, kubernetes: V.kubernetes } },
      stackReferences: { [self]: { outputs: { [DAY2_RECORD_OUTPUT]: { revision: DAY2_RECORD_REVISION + 1, nodes: {} } } } },
    });
    expect(result.error).toBeUndefined();
    expect(result.infos.join("\n")).not.toContain("drift");
  }, 60_000);
});
