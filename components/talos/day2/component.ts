/**
 * TalosDay2: what a running cluster needs around its machine-config applies, following the
 * preflight plan the program decided before registering anything (stacks/preflight.ts).
 * Talos upgrades node after node (control planes first), one Kubernetes upgrade after them, and after each node's apply a roll step (reboot into a
 * staged config, health gate) that the next node's apply waits for. A control plane's
 * etcd membership is a step whose delete leaves etcd before the apply resets the node.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { day2Step } from "./commands";
import type { Day2Spec } from "./cli";
import { Day2Plan, Day2Targets, PlannedNode, rollOrder } from "./plan";
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
  readonly talosUpgrades: command.local.Command[];
  readonly kubernetesUpgrade: command.local.Command;
  private readonly args: TalosDay2Args;

  constructor(name: string, args: TalosDay2Args, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-gitops:talos:Day2", name, {}, opts);
    this.args = args;
    const { nodes, targets, timeout } = args;
    // Decided before any resource was registered (stacks/preflight.ts): plain data here.
    this.plan = pulumi.output(args.preflight);

    let previous: pulumi.Resource[] = [];
    this.talosUpgrades = rollOrder(nodes).map((node) => {
      const step = this.step(`talos-upgrade-${node.address}`, previous, (plan) => ({
        action: "upgrade-talos",
        node: runnerNode(node),
        target: targets.talos,
        joining: plan.joiningNodes.includes(node.address),
        cluster: this.answering(plan),
        timeout,
      }));
      previous = [step];
      return step;
    });
    this.kubernetesUpgrade = this.step("kubernetes-upgrade", previous, (plan) => ({
      action: "upgrade-kubernetes",
      target: targets.kubernetes,
      cluster: this.answering(plan),
      timeout,
    }));
    this.registerOutputs({ plan: this.plan });
  }

  /**
   * The roll step of one node, after its apply: reboot when the change was staged, then
   * the health gate with every node applied so far. Control planes get their etcd
   * membership step (join gate; on delete, leave). Returns what the next apply waits for.
   */
  roll(node: PlannedNode, applied: AppliedNode): pulumi.Resource {
    const order = rollOrder(this.args.nodes);
    const position = order.findIndex((n) => n.address === node.address);
    const appliedSoFar = (plan: Day2Plan) => [
      ...this.answering(plan),
      ...order.filter((n, i) => i <= position && plan.joiningNodes.includes(n.address)).map(runnerNode),
    ];
    const roll = day2Step(
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
            // A new config re-runs the step even when the mode stays `staged`.
            config: hash,
            cluster: appliedSoFar(plan),
            timeout: this.args.timeout,
          })),
      },
      { parent: this, dependsOn: [applied] },
    );
    if (node.role !== "controlplane") return roll;
    const survivors = this.args.nodes.filter((n) => n.role === "controlplane" && n.address !== node.address).map((n) => n.address);
    return day2Step(
      `etcd-member-${node.address}`,
      {
        projectRoot: this.args.projectRoot,
        talosconfig: this.args.talosconfig,
        spec: this.plan.apply((plan): Day2Spec => ({ action: "join", node: runnerNode(node), cluster: appliedSoFar(plan), timeout: this.args.timeout })),
        onDelete: { action: "leave", node: runnerNode(node), survivors, timeout: this.args.timeout },
      },
      { parent: this, dependsOn: [roll] },
    );
  }

  /** Nodes that answered the observation (joining nodes answer only once applied). */
  private answering(plan: Day2Plan): RunnerNode[] {
    return plan.rollOrder.filter((n) => !plan.joiningNodes.includes(n.address)).map(runnerNode);
  }

  private step(name: string, dependsOn: pulumi.Resource[], spec: (plan: Day2Plan) => Day2Spec): command.local.Command {
    return day2Step(
      name,
      {
        projectRoot: this.args.projectRoot,
        talosconfig: this.args.talosconfig,
        spec: pulumi.all([this.plan, this.args.installerImage]).apply(([plan, image]) => {
          const s = spec(plan);
          return s.action === "upgrade-talos" ? { ...s, image } : s;
        }),
      },
      { parent: this, dependsOn },
    );
  }
}
