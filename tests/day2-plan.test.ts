/**
 * The day-2 preflight plan (components/talos/day2/plan.ts), pure: roll order, skip of
 * current nodes, the one-minor rule for Talos and Kubernetes, the config contract a
 * node understands, and safe etcd removal. Versions derive from the pins in Pulumi.yaml.
 */
import { MINIMUM_TALOS_VERSION as DOCUMENTS_MIN_TALOS } from "../components/talos/rules/versions";
import { ClusterObservation, DECOMMISSION_PATH, Day2PreflightError, EtcdMember, planDay2, PlannedNode, quorum, rollOrder } from "../components/talos/day2/plan";
import { parseVersion, skippedMinors, stepKind } from "../components/talos/day2/versions";
import { DAY2_RECORD_REVISION, day2Record, parseDay2Record } from "../components/talos/day2/record";
import { pinnedVersions } from "./helpers/fake-talos";

const V = pinnedVersions();
const targets = { talos: V.talos, kubernetes: V.kubernetes, contract: V.contract };
const NODES: PlannedNode[] = [
  { address: "10.0.0.4", hostname: "w-1", role: "worker" },
  { address: "10.0.0.1", hostname: "cp-1", role: "controlplane" },
  { address: "10.0.0.2", hostname: "cp-2", role: "controlplane" },
  { address: "10.0.0.3", hostname: "cp-3", role: "controlplane" },
];
const member = (address: string, learner = false): EtcdMember => ({ id: `id-${address}`, hostname: address, peerUrls: [`https://${address}:2380`], learner });
const members = (...addresses: string[]) => addresses.map((a) => member(a));
const observed = (talos: string, kubernetes: string, extra: Partial<ClusterObservation> = {}): ClusterObservation => ({
  nodes: NODES.map((n) => ({ address: n.address, talos, kubernetes })),
  etcdMembers: members("10.0.0.1", "10.0.0.2", "10.0.0.3"),
  ...extra,
});
const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof Day2PreflightError) return err.problems;
    throw err;
  }
  throw new Error("the plan was not refused");
};

describe("version rules", () => {
  it("classifies steps and names skipped minors", () => {
    const t = parseVersion(V.talos);
    expect(stepKind(parseVersion(V.talosPrevious), t)).toBe("minor");
    expect(stepKind(parseVersion(V.talosTwoBack), t)).toBe("skip");
    expect(stepKind(t, parseVersion(V.talosPrevious))).toBe("downgrade");
    expect(stepKind(t, t)).toBe("current");
    expect(skippedMinors(parseVersion(V.talosTwoBack), t)).toEqual([V.talosPrevious.replace(/\.\d+$/, "")]);
  });

  it("quorum of 1, 2, 3, 5 voters", () => {
    expect([1, 2, 3, 5].map(quorum)).toEqual([1, 2, 2, 3]);
  });
});

describe("planDay2", () => {
  it("orders control planes first, then workers, each in config order", () => {
    expect(rollOrder(NODES).map((n) => n.address)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
  });

  it("upgrades only the nodes behind the target, in roll order, and Kubernetes from the lowest node", () => {
    const o = observed(V.talosPrevious, V.kubernetes);
    const nodes = o.nodes.map((n) => (n.address === "10.0.0.2" ? { ...n, talos: V.talos, kubernetes: V.kubernetesPrevious } : n));
    const plan = planDay2(NODES, { ...o, nodes }, targets);
    expect(plan.talosUpgrades.map((u) => u.address)).toEqual(["10.0.0.1", "10.0.0.3", "10.0.0.4"]);
    expect(plan.talosUpgrades[0]).toMatchObject({ from: V.talosPrevious, to: V.talos, hostname: "cp-1" });
    expect(plan.kubernetesUpgrade).toEqual({ from: V.kubernetesPrevious, to: V.kubernetes });
  });

  it("plans nothing on a cluster at the pins", () => {
    const plan = planDay2(NODES, observed(V.talos, V.kubernetes), targets);
    expect(plan.talosUpgrades).toEqual([]);
    expect(plan.kubernetesUpgrade).toBeUndefined();
    expect(plan.leavingMember).toBeUndefined();
  });

  it("refuses skipped minors of Talos and Kubernetes in one error naming nodes, versions and the next step", () => {
    const found = problems(() => planDay2(NODES, observed(V.talosTwoBack, V.kubernetesTwoBack), targets));
    const previousTalosMinor = V.talosPrevious.replace(/\.\d+$/, "");
    expect(found.filter((p) => p.includes(`runs Talos ${V.talosTwoBack}`))).toHaveLength(NODES.length);
    expect(found[0]).toContain("node 10.0.0.1 (cp-1)");
    expect(found[0]).toContain(`set versions.talos to the latest ${previousTalosMinor} patch`);
    expect(found.some((p) => p.startsWith(`the cluster runs Kubernetes ${V.kubernetesTwoBack}`))).toBe(true);
  });

  it("refuses a downgrade", () => {
    const newer = parseVersion(V.talos);
    const found = problems(() => planDay2(NODES, observed(`v${newer.major}.${newer.minor + 1}.0`, V.kubernetes), targets));
    expect(found[0]).toMatch(/downgrades are not supported/);
  });

  it("refuses a config contract newer than the installed Talos", () => {
    const t = parseVersion(V.talos);
    const found = problems(() => planDay2(NODES, observed(V.talos, V.kubernetes), { ...targets, contract: `v${t.major}.${t.minor + 1}` }));
    expect(found).toEqual([expect.stringMatching(/^versions\.talosContract v\d+\.\d+ is newer than the installed Talos/)]);
  });

  it("refuses an installed Talos older than the documents the program emits, and accepts nodes that reach it this run", () => {
    const min = parseVersion(DOCUMENTS_MIN_TALOS);
    const below = `v${min.major}.${min.minor - 1}.4`;
    const contract = `v${min.major}.${min.minor - 1}`;
    const refused = problems(() => planDay2(NODES, observed(below, V.kubernetes), { ...targets, talos: below, contract }));
    expect(refused).toEqual([expect.stringContaining(`versions.talos ${below} does not understand the documents`)]);
    // Nodes one minor below the minimum, upgraded to it in this run before any apply: accepted.
    const plan = planDay2(NODES, observed(below, V.kubernetes), { ...targets, talos: `v${min.major}.${min.minor}.2`, contract });
    expect(plan.talosUpgrades).toHaveLength(NODES.length);
  });

  it("treats nodes that do not answer as joining from maintenance mode", () => {
    const o = observed(V.talos, V.kubernetes);
    const plan = planDay2(NODES, { ...o, nodes: o.nodes.filter((n) => n.address !== "10.0.0.4") }, targets);
    expect(plan.joiningNodes).toEqual(["10.0.0.4"]);
  });

  describe("node removal (talos.decommission)", () => {
    const three = NODES.filter((n) => n.address !== "10.0.0.3");
    const listing = (...addresses: string[]) => ({ ...targets, decommission: addresses });

    it("plans a listed control plane that is still an etcd member, with its member", () => {
      const plan = planDay2(three, observed(V.talos, V.kubernetes), listing("10.0.0.3"));
      expect(plan.decommissions).toEqual([{ address: "10.0.0.3", role: "controlplane", member: member("10.0.0.3") }]);
      expect(plan.leavingMember?.id).toBe("id-10.0.0.3");
    });

    it("plans a listed worker (no etcd member) as a worker removal", () => {
      const plan = planDay2(NODES.filter((n) => n.address !== "10.0.0.4"), observed(V.talos, V.kubernetes), listing("10.0.0.4"));
      expect(plan.decommissions).toEqual([{ address: "10.0.0.4", role: "worker" }]);
    });

    it("refuses a control plane gone from nodes but still an etcd member unless listed, naming the config path", () => {
      const found = problems(() => planDay2(three, observed(V.talos, V.kubernetes), targets));
      expect(found).toEqual([expect.stringContaining("etcd member 10.0.0.3 (10.0.0.3, member id-10.0.0.3) is no control plane in nodes")]);
      expect(found[0]).toContain(`add 10.0.0.3 to ${DECOMMISSION_PATH}`);
    });

    it("refuses a listed address that is still in nodes", () => {
      expect(problems(() => planDay2(NODES, observed(V.talos, V.kubernetes), listing("10.0.0.2")))).toEqual([
        `${DECOMMISSION_PATH} lists 10.0.0.2, which is still in nodes: remove it from nodes or from ${DECOMMISSION_PATH}`,
      ]);
    });

    it("refuses two control planes decommissioned together", () => {
      const two = NODES.filter((n) => n.address !== "10.0.0.3" && n.address !== "10.0.0.2");
      expect(problems(() => planDay2(two, observed(V.talos, V.kubernetes), listing("10.0.0.2", "10.0.0.3")))[0]).toMatch(
        /decommissioned together: remove one control plane per run/,
      );
    });

    it("refuses a removal below quorum", () => {
      const o = observed(V.talos, V.kubernetes, { etcdMembers: members("10.0.0.1", "10.0.0.3") });
      const found = problems(() => planDay2(three.filter((n) => n.address !== "10.0.0.2"), o, listing("10.0.0.3")));
      expect(found[0]).toMatch(/leaves 1 of 2 etcd members, below quorum \(2\): add the replacement control plane first/);
    });

    it("refuses a removal while another member is a learner", () => {
      const o = observed(V.talos, V.kubernetes, { etcdMembers: [member("10.0.0.1"), member("10.0.0.2", true), member("10.0.0.3"), member("10.0.0.5")] });
      const withNew = [...three, { address: "10.0.0.5", hostname: "cp-5", role: "controlplane" as const }];
      expect(problems(() => planDay2(withNew, o, listing("10.0.0.3"))).join("\n")).toMatch(/10\.0\.0\.2 is still a learner/);
    });
  });

  it("records what every configured node ran, in roll order, for the steps' triggers", () => {
    const o = observed(V.talos, V.kubernetes);
    const plan = planDay2(NODES, { ...o, nodes: o.nodes.filter((n) => n.address !== "10.0.0.4") }, targets);
    expect(plan.observed).toEqual([
      { address: "10.0.0.1", talos: V.talos, kubernetes: V.kubernetes },
      { address: "10.0.0.2", talos: V.talos, kubernetes: V.kubernetes },
      { address: "10.0.0.3", talos: V.talos, kubernetes: V.kubernetes },
      { address: "10.0.0.4" },
    ]);
  });
});

describe("drift against the previous run's record (record.ts)", () => {
  const at = (talos: string, kubernetes: string, repairs?: Record<string, number>, kubernetesRepairs?: number) =>
    day2Record(NODES, { talos, kubernetes }, { talos: repairs ?? {}, kubernetes: kubernetesRepairs ?? 0 });
  const plan = (o: ClusterObservation, previous?: ReturnType<typeof at>) => planDay2(NODES, o, { ...targets, ...(previous ? { previous } : {}) });
  const oneAt = (address: string, talos: string, kubernetes = V.kubernetes): ClusterObservation => ({
    ...observed(V.talos, V.kubernetes),
    nodes: NODES.map((n) => (n.address === address ? { address, talos, kubernetes } : { address: n.address, talos: V.talos, kubernetes: V.kubernetes })),
  });

  it("an upgrade is no drift: the nodes are where the previous run left them", () => {
    const p = plan(observed(V.talosPrevious, V.kubernetesPrevious), at(V.talosPrevious, V.kubernetesPrevious));
    expect(p.drift).toEqual({ talos: [], kubernetes: [] });
    expect(p.repairs).toEqual({ talos: {}, kubernetes: 0 });
    expect(p.talosUpgrades).toHaveLength(NODES.length);
  });

  it("without a record nothing is drift, whatever the nodes run", () => {
    expect(plan(oneAt("10.0.0.2", V.talosPrevious, V.kubernetesPrevious)).drift).toEqual({ talos: [], kubernetes: [] });
  });

  it("a node at neither the pin nor the record is drift: its count goes up by one, the others' carry over", () => {
    const p = plan(oneAt("10.0.0.2", V.talosPrevious), at(V.talos, V.kubernetes, { "10.0.0.3": 2 }));
    expect(p.drift.talos).toEqual([{ address: "10.0.0.2", observed: V.talosPrevious, recorded: V.talos }]);
    expect(p.repairs.talos).toEqual({ "10.0.0.2": 1, "10.0.0.3": 2 });
    // The repaired node next run: at the pin, the count carried, the same triggers.
    const next = plan(observed(V.talos, V.kubernetes), at(V.talos, V.kubernetes, p.repairs.talos));
    expect(next.drift.talos).toEqual([]);
    expect(next.repairs.talos).toEqual(p.repairs.talos);
  });

  it("Kubernetes drift on any node counts once, for the cluster's one step", () => {
    const p = plan(oneAt("10.0.0.4", V.talos, V.kubernetesPrevious), at(V.talos, V.kubernetes, {}, 1));
    expect(p.drift.kubernetes.map((d) => d.address)).toEqual(["10.0.0.4"]);
    expect(p.repairs).toEqual({ talos: {}, kubernetes: 2 });
  });

  it("a node the record does not know (added since) and a version spelled without its v are no drift", () => {
    const record = at(V.talos, V.kubernetes);
    const { ["10.0.0.4"]: _added, ...known } = record.nodes;
    expect(plan(oneAt("10.0.0.4", V.talosPrevious), { ...record, nodes: known }).drift.talos).toEqual([]);
    expect(plan(oneAt("10.0.0.1", V.talos.replace(/^v/, "")), record).drift.talos).toEqual([]);
  });

  it("reads back only a record of its own revision, dropping malformed entries", () => {
    const record = at(V.talos, V.kubernetes, { "10.0.0.1": 1 });
    expect(parseDay2Record(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(parseDay2Record({ ...record, revision: DAY2_RECORD_REVISION + 1 })).toBeUndefined();
    expect(parseDay2Record(undefined)).toBeUndefined();
    expect(parseDay2Record({ revision: DAY2_RECORD_REVISION, nodes: { "10.0.0.1": { talos: 3 }, "10.0.0.2": { talos: V.talos, kubernetes: V.kubernetes, talosRepairs: -1 } } })).toEqual({
      revision: DAY2_RECORD_REVISION,
      nodes: { "10.0.0.2": { talos: V.talos, kubernetes: V.kubernetes } },
    });
  });
});
