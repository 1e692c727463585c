/**
 * TalosDay2: what a running cluster needs around its machine-config applies, following the
 * preflight plan the program decided from its observation before registering anything
 * (stacks/preflight.ts). The nodes of talos.decommission are removed one at a time, Talos
 * upgrades node after node (control planes first), one Kubernetes upgrade after them, and
 * after each node's apply a roll step (health gate, reboot only into a staged config,
 * health gate) that the next node's apply waits for. No step has a delete: destroy,
 * a rename or `talos.bootstrapped: false` touches no machine (commands.ts). An upgrade
 * step's triggers are its target, image and drift repairs (record.ts), never the observed
 * version itself, so the run after an upgrade changes nothing.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { day2Step } from "./commands";
import type { Day2Spec } from "./cli";
import { Day2Plan, Day2Targets, PlannedNode, rollOrder } from "./plan";
import { day2Record, type Day2Record } from "./record";
import type { RunnerNode } from "./runner";

export interface TalosDay2Args {
  readonly projectRoot: string;
  readonly nodes: readonly PlannedNode[];
  /** talosconfig with every node (secret). */
  readonly talosconfig: pulumi.Output<string>;
  /** Image Factory installer image of the pinned Talos. */
  readonly installerImage: pulumi.Output<string>;
  readonly targets: Day2Targets;
  /**
   * The preflight plan, decided from the observation of the running nodes before anything
   * was registered (stacks/preflight.ts): observed state as plain input data.
   */
  readonly preflight: Day2Plan;
  /** Timeout of an upgrade, a reboot, a health gate. */
  readonly timeout: string;
}

/** A node's apply, with the state the roll step reacts to. */
export interface AppliedNode extends pulumi.Resource {
  readonly resolvedApplyMode: pulumi.Output<string>;
  readonly machineConfigurationHash: pulumi.Output<string>;
}

const runnerNode = (n: PlannedNode): RunnerNode => ({ address: n.address, role: n.role });

export class TalosDay2 extends pulumi.ComponentResource {
  /** The preflight plan the steps follow (a refused run never gets here). */
  readonly plan: pulumi.Output<Day2Plan>;
  /** Removal of each node of talos.decommission, in config order. */
  readonly decommissions: command.local.Command[];
  readonly talosUpgrades: command.local.Command[];
  readonly kubernetesUpgrade: command.local.Command;
  /**
   * What this run's upgrade steps left each node at, with the repair counts their triggers
   * carry (record.ts): the stack output `day2`, read back by the next run to tell an
   * upgrade from drift.
   */
  readonly record: pulumi.Output<Day2Record>;
  private readonly args: TalosDay2Args;

  constructor(name: string, args: TalosDay2Args, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:talos:Day2", name, {}, opts);
    this.args = args;
    const { nodes, targets, timeout } = args;
    // Decided before any resource was registered (stacks/preflight.ts): plain data here.
    this.plan = pulumi.output(args.preflight);

    let previous: pulumi.Resource[] = [];
    // Removal first: until the departing member and Node are gone, Talos' health checks
    // of the configured nodes cannot pass, so no gate of the upgrades could.
    this.decommissions = (targets.decommission ?? []).map((address) => {
      const step = this.step(
        `decommission-${address}`,
        previous,
        (plan) => {
          const d = plan.decommissions.find((x) => x.address === address);
          return { action: "decommission", node: { address, role: d?.role ?? "worker" }, member: d?.member, cluster: this.answering(plan), timeout };
        },
        (plan) => ({ address, member: plan.decommissions.find((x) => x.address === address)?.member?.id ?? null }),
      );
      previous = [step];
      return step;
    });
    this.talosUpgrades = rollOrder(nodes).map((node) => {
      const step = this.step(
        `talos-upgrade-${node.address}`,
        previous,
        (plan) => ({
          action: "upgrade-talos",
          node: runnerNode(node),
          target: targets.talos,
          joining: plan.joiningNodes.includes(node.address),
          cluster: this.answering(plan),
          timeout,
        }),
        (plan, image) => ({ node: node.address, target: targets.talos, image, ...repairs(plan.repairs.talos[node.address]) }),
      );
      previous = [step];
      return step;
    });
    this.kubernetesUpgrade = this.step(
      "kubernetes-upgrade",
      previous,
      (plan) => ({ action: "upgrade-kubernetes", target: targets.kubernetes, cluster: this.answering(plan), timeout }),
      (plan) => ({ target: targets.kubernetes, ...repairs(plan.repairs.kubernetes) }),
    );
    // Resolves once every upgrade step of this run succeeded: a failed run records nothing new.
    const upgrades = [...this.talosUpgrades, this.kubernetesUpgrade];
    this.record = pulumi.all(upgrades.map((s) => s.id)).apply(() => day2Record(nodes, targets, args.preflight.repairs));
    this.registerOutputs({ plan: this.plan, record: this.record });
  }

  /**
   * The roll step of one node, after its apply: health gate, a drained reboot only when
   * Talos shows a staged config pending, health gate with every node applied so far.
   * Re-runs when the node's machine config (hash) or apply mode changes, nothing else.
   * Returns what the next apply waits for.
   */
  roll(node: PlannedNode, applied: AppliedNode): pulumi.Resource {
    const order = rollOrder(this.args.nodes);
    const position = order.findIndex((n) => n.address === node.address);
    const appliedSoFar = (plan: Day2Plan) => [
      ...this.answering(plan),
      ...order.filter((n, i) => i <= position && plan.joiningNodes.includes(n.address)).map(runnerNode),
    ];
    return day2Step(
      `roll-${node.address}`,
      {
        projectRoot: this.args.projectRoot,
        talosconfig: this.args.talosconfig,
        spec: pulumi
          .all([this.plan, applied.resolvedApplyMode, applied.machineConfigurationHash])
          .apply(([plan, mode, hash]): Day2Spec => ({
            action: "roll",
            node: runnerNode(node),
            applied: mode,
            config: hash,
            cluster: appliedSoFar(plan),
            timeout: this.args.timeout,
          })),
        triggers: pulumi
          .all([applied.resolvedApplyMode, applied.machineConfigurationHash])
          .apply(([mode, hash]) => ({ node: node.address, config: hash, applied: mode })),
      },
      { parent: this, dependsOn: [applied] },
    );
  }

  /** Nodes that answered the observation (joining nodes answer only once applied). */
  private answering(plan: Day2Plan): RunnerNode[] {
    return plan.rollOrder.filter((n) => !plan.joiningNodes.includes(n.address)).map(runnerNode);
  }

  private step(
    name: string,
    dependsOn: pulumi.Resource[],
    spec: (plan: Day2Plan) => Day2Spec,
    triggers: (plan: Day2Plan, image: string) => Record<string, unknown>,
  ): command.local.Command {
    const inputs = pulumi.all([this.plan, this.args.installerImage]);
    return day2Step(
      name,
      {
        projectRoot: this.args.projectRoot,
        talosconfig: this.args.talosconfig,
        spec: inputs.apply(([plan, image]) => {
          const s = spec(plan);
          return s.action === "upgrade-talos" ? { ...s, image } : s;
        }),
        triggers: inputs.apply(([plan, image]) => triggers(plan, image)),
      },
      { parent: this, dependsOn },
    );
  }
}

/** A repair count goes into a step's triggers only once there is one: no drift, no key. */
const repairs = (count: number | undefined) => (count && count > 0 ? { repairs: count } : {});
