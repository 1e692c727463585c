/*
 * A fake talosctl for the day-2 tests. It keeps a small cluster in the JSON file named by
 * FAKE_TALOS_STATE and answers the subcommands the day-2 runner uses with the real
 * tool's output shapes: version --json, get kubeletspecs -o json, etcd members (table),
 * etcd leave / remove-member, health, upgrade, upgrade-k8s, reboot. Faults come from
 * the state: nodes that do not answer, failing or hanging upgrades, an unhealthy etcd
 * member, learners. Every call is appended to state.calls.
 *
 * One call is `fakeTalosctl(args, env)`, returning status, stdout and stderr as a process
 * would. `talosctl` beside this file runs it as a process (what the runner spawns);
 * tests call it in-process where the process itself is not what they test, since a Node
 * process per call made the day-2 tests the slowest of the suite.
 */
"use strict";
const fs = require("fs");

/** Thrown by fail(): ends the call with this exit status. */
class Exit {
  constructor(status) {
    this.status = status;
  }
}

function fakeTalosctl(args, env) {
  const statePath = env.FAKE_TALOS_STATE;
  const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
  state.calls = state.calls || [];
  let stdout = "";
  let stderr = "";
  const out = (text) => (stdout += text);

  const save = () => fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
  const fail = (message) => {
    stderr += `${message}\n`;
    save();
    throw new Exit(1);
  };
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };

  try {
    // The talosconfig must arrive as a private file named by TALOSCONFIG, never in argv.
    const talosconfig = env.TALOSCONFIG;
    if (!talosconfig || !fs.existsSync(talosconfig)) fail("error: no talosconfig (TALOSCONFIG)");
    if ((fs.statSync(talosconfig).mode & 0o077) !== 0) fail("error: talosconfig is readable by others");
    const secret = fs.readFileSync(talosconfig, "utf8");
    if (args.some((a) => secret.trim() !== "" && a.includes(secret.trim()))) fail("error: talosconfig content in argv");

    const node = flag("--nodes");
    const takesValue = (a) => a.startsWith("--") && !a.includes("=") && !["--preserve", "--wait", "--json"].includes(a);
    const positional = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && takesValue(args[i - 1])));
    const command = positional.join(" ");
    state.calls.push({ node, command, args, talosconfig });

    const nodes = state.nodes;
    const answering = (address) => {
      const n = nodes[address];
      if (!n || n.down) fail(`error: rpc error: code = Unavailable desc = connection error: dial tcp ${address}:50000: connect: connection refused`);
      return n;
    };
    const etcdTable = (via) => {
      const rows = state.etcd.map((m) => [via, m.id, m.hostname, `https://${m.address}:2380`, `https://${m.address}:2379`, String(!!m.learner)]);
      return [["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"], ...rows].map((r) => r.join("   ")).join("\n") + "\n";
    };

    switch (command) {
      case "version": {
        const n = answering(node);
        out(`${JSON.stringify({ metadata: { hostname: node }, version: { tag: n.talos, arch: "amd64" } })}\n`);
        break;
      }
      case "get kubeletspecs kubelet": {
        const n = answering(node);
        out(`${JSON.stringify({ node, metadata: { id: "kubelet" }, spec: { image: `ghcr.io/siderolabs/kubelet:${n.kubernetes}` } })}\n`);
        break;
      }
      case "etcd members":
        answering(node);
        out(etcdTable(node));
        break;
      case "etcd leave": {
        answering(node);
        if ((state.leaveFails || []).includes(node)) fail("error: etcd leave failed");
        state.etcd = state.etcd.filter((m) => m.address !== node);
        break;
      }
      case `etcd remove-member ${positional[2]}`: {
        answering(node);
        const before = state.etcd.length;
        state.etcd = state.etcd.filter((m) => m.id !== positional[2]);
        if (state.etcd.length === before) fail(`error: member ${positional[2]} not found`);
        break;
      }
      case "health": {
        answering(node);
        const controlPlanes = (flag("--control-plane-nodes") || "").split(",").filter(Boolean);
        const workers = (flag("--worker-nodes") || "").split(",").filter(Boolean);
        for (const address of [...controlPlanes, ...workers]) {
          if (!nodes[address] || nodes[address].down) fail(`waiting for all nodes to finish boot sequence: ${address}: context deadline exceeded`);
        }
        if (state.unhealthyEtcd) fail(`waiting for etcd to be healthy: ${state.unhealthyEtcd}: context deadline exceeded`);
        const members = state.etcd.map((m) => m.address).sort();
        if (JSON.stringify(members) !== JSON.stringify([...controlPlanes].sort())) {
          fail(`waiting for etcd members to be control plane nodes: expected ${controlPlanes.join(",")}, got ${members.join(",")}`);
        }
        break;
      }
      case "upgrade": {
        const n = answering(node);
        if ((state.upgradeFails || []).includes(node)) fail(`error: upgrade of ${node} failed: installer exited 1`);
        if ((state.upgradeHangs || []).includes(node)) {
          n.down = true;
          fail(`error: ${node}: timed out waiting for the node to come back (${flag("--timeout")})`);
        }
        const image = flag("--image");
        n.talos = image.slice(image.lastIndexOf(":") + 1);
        n.image = image;
        n.reboots = (n.reboots || 0) + 1;
        break;
      }
      case "upgrade-k8s": {
        answering(node);
        if (state.kubernetesUpgradeFails) fail("error: pre-pulling images: ErrImagePull");
        for (const n of Object.values(nodes)) if (!n.down) n.kubernetes = flag("--to");
        break;
      }
      case "reboot": {
        const n = answering(node);
        n.staged = false;
        n.reboots = (n.reboots || 0) + 1;
        break;
      }
      default:
        fail(`fake talosctl: unsupported command "${command}"`);
    }
    save();
    return { status: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof Exit) return { status: err.status, stdout, stderr };
    throw err;
  }
}

module.exports = { fakeTalosctl };
