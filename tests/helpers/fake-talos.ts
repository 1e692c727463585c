/**
 * A small cluster for the fake talosctl (tests/fakes/talosctl): state file, PATH with
 * the fake first, and versions derived from the pins in Pulumi.yaml so that bumps keep
 * these tests meaningful.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { PROJECT_ROOT, readProjectConfig } from "../../harness";
import { formatVersion, parseVersion } from "../../components/talos/day2/versions";
import type { RunnerNode, Talosctl } from "../../components/talos/day2/runner";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeTalosctl, fakeKubectl } = require("../fakes/talosctl-fake.js") as { fakeTalosctl: Talosctl; fakeKubectl: Talosctl };

export const FAKES = join(PROJECT_ROOT, "tests", "fakes");

export interface FakeNode {
  talos: string;
  kubernetes: string;
  role: "controlplane" | "worker";
  hostname: string;
  down?: boolean;
  image?: string;
  reboots?: number;
  drainedReboots?: number;
  undrainedReboots?: number;
  /** Running machine config (MachineConfig v1alpha1) and a staged one waiting for a reboot (persistent). */
  config?: string;
  pendingConfig?: string;
  cordoned?: boolean;
  /** kubectl drain evicted its pods (cleared by uncordon). */
  drained?: boolean;
  wiped?: boolean;
  /** Its Kubernetes Node object was deleted. */
  nodeDeleted?: boolean;
  /** machine.udev.rules it booted with (read back from its rules file). */
  udevRules?: string[];
}

export interface FakeMember {
  id: string;
  address: string;
  hostname: string;
  learner?: boolean;
}

export interface FakeState {
  nodes: Record<string, FakeNode>;
  etcd: FakeMember[];
  unhealthyEtcd?: string;
  upgradeFails?: string[];
  upgradeHangs?: string[];
  /** Nodes whose every talosctl call hangs (the fake as a process only): no route, no answer. */
  hangs?: string[];
  leaveFails?: string[];
  kubernetesUpgradeFails?: boolean;
  /** talosctl before 1.13: `reboot --drain` is an unknown flag. */
  talosctlWithoutDrain?: boolean;
  calls?: { node?: string; command: string; args: string[]; talosconfig?: string; tool?: string }[];
}

/** The pinned versions and the versions one and two minors before them. */
export function pinnedVersions() {
  const v = readProjectConfig(PROJECT_ROOT, "infra").values["k8s-gitops:versions"] as { talos: string; kubernetes: string; talosContract: string };
  const back = (text: string, minors: number, patch = 3) => {
    const p = parseVersion(text);
    return formatVersion({ major: p.major, minor: p.minor - minors, patch });
  };
  return {
    talos: v.talos,
    kubernetes: v.kubernetes,
    contract: v.talosContract,
    talosPrevious: back(v.talos, 1),
    talosTwoBack: back(v.talos, 2),
    kubernetesPrevious: back(v.kubernetes, 1),
    kubernetesTwoBack: back(v.kubernetes, 2),
  };
}

export const CLUSTER: RunnerNode[] = [
  { address: "10.0.0.1", role: "controlplane" },
  { address: "10.0.0.2", role: "controlplane" },
  { address: "10.0.0.3", role: "controlplane" },
  { address: "10.0.0.4", role: "worker" },
];

export class FakeCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "fake-talos-"));
  readonly statePath = join(this.dir, "state.json");

  constructor(talos: string, kubernetes: string, nodes: readonly RunnerNode[] = CLUSTER) {
    const state: FakeState = {
      nodes: Object.fromEntries(nodes.map((n, i) => [n.address, { talos, kubernetes, role: n.role, hostname: `node-${i + 1}` }])),
      etcd: nodes
        .filter((n) => n.role === "controlplane")
        .map((n, i) => ({ id: `${(0x1a2b3c00 + i).toString(16)}`, address: n.address, hostname: `node-${i + 1}` })),
    };
    this.write(state);
  }

  /** The fake called in-process, with the environment the runner gives it (env below, plus TALOSCONFIG). */
  readonly talosctl: Talosctl = fakeTalosctl;
  readonly kubectl: Talosctl = fakeKubectl;
  /** Both fakes in-process, as runDay2 takes them. */
  get tools() {
    return { talosctl: this.talosctl, kubectl: this.kubectl };
  }

  /** Environment under which `talosctl` is the fake: as a process on PATH, and for the in-process call. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: `${FAKES}:${process.env.PATH ?? ""}`, FAKE_TALOS_STATE: this.statePath };
  }

  read(): FakeState {
    return JSON.parse(readFileSync(this.statePath, "utf8")) as FakeState;
  }

  write(state: FakeState): void {
    writeFileSync(this.statePath, JSON.stringify(state));
  }

  update(change: (state: FakeState) => void): void {
    const state = this.read();
    change(state);
    this.write(state);
  }

  /** Commands that changed something, and the health gates, as "<command> <node>", in order. */
  actions(): string[] {
    const changing = /^(upgrade|upgrade-k8s|reboot|reset|etcd leave|etcd remove-member.*|health|kubectl (delete|drain|uncordon).*)$/;
    return (this.read().calls ?? []).filter((c) => changing.test(c.command)).map((c) => `${c.command} ${c.node ?? ""}`.trim());
  }

  /** Commands that disrupt a node (no gates). */
  disruptions(): string[] {
    return this.actions().filter((a) => !a.startsWith("health"));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
