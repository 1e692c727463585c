/*
 * A fake talosctl (and kubectl, kubectlFake below) for the day-2 tests. It keeps a small
 * cluster in the JSON file named by FAKE_TALOS_STATE and answers the subcommands the
 * day-2 runner uses with the real tools' output shapes, each cited at its case to the
 * siderolabs/talos v1.13.9 source it mirrors (the same in v1.12.11 unless noted). Faults
 * come from the state: nodes that do not answer, failing or hanging upgrades, an
 * unhealthy etcd member, learners, a talosctl without `reboot --drain`. Every call is
 * appended to state.calls.
 *
 * One call is `fakeTalosctl(args, env)`, returning status, stdout and stderr as a process
 * would. `talosctl` beside this file runs it as a process (what the runner spawns);
 * tests call it in-process where the process itself is not what they test, since a Node
 * process per call made the day-2 tests the slowest of the suite.
 */
"use strict";
const fs = require("fs");

/**
 * Writes the state whole (a temp file renamed over it), so a process reading it at the
 * same time (the e2e watcher's calls beside a fake pulumi up) never sees half a file.
 */
function writeState(statePath, state) {
  const temp = `${statePath}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(state, null, 2));
  fs.renameSync(temp, statePath);
}

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

  const save = () => writeState(statePath, state);
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
    const booleans = ["--preserve", "--wait", "--json", "--drain", "--graceful", "--force"];
    const takesValue = (a) => a.startsWith("--") && !a.includes("=") && !booleans.includes(a);
    const positional = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && takesValue(args[i - 1])));
    const command = positional.join(" ");
    state.calls.push({ node, command, args, talosconfig });

    const nodes = state.nodes;
    const answering = (address) => {
      const n = nodes[address];
      if (!n || n.down) fail(`error: rpc error: code = Unavailable desc = connection error: dial tcp ${address}:50000: connect: connection refused`);
      return n;
    };
    // Kubernetes nodes: one per fake node unless deleted; Ready while it answers.
    const isNodeObject = (n) => !n.nodeDeleted;
    const etcdTable = (via) => {
      const rows = state.etcd.map((m) => [via, m.id, m.hostname, `https://${m.address}:2380`, `https://${m.address}:2379`, String(!!m.learner)]);
      return [["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"], ...rows].map((r) => r.join("   ")).join("\n") + "\n";
    };

    // --endpoints names the node talosctl connects to (apid proxies to --nodes from there):
    // a down endpoint refuses the connection whatever the target.
    const endpoint = flag("--endpoints");
    if (endpoint && !endpoint.includes(",")) answering(endpoint);

    switch (command) {
      // cmd/talosctl/cmd/talos/read.go prints the file's bytes; talosctl's own reboot tracking
      // reads the boot id this way (cmd/talosctl/pkg/talos/action/tracker.go getBootID). The
      // fake's boot id changes with every reboot or upgrade.
      case "read /proc/sys/kernel/random/boot_id": {
        const n = answering(node);
        const hex = (text) => Buffer.from(text).toString("hex").padEnd(32, "0").slice(0, 32);
        const id = hex(`${n.hostname}:${n.reboots || 0}`);
        out(`${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}\n`);
        break;
      }
      // machine.udev.rules as Talos writes them at boot, one per line (v1.13.9
      // v1alpha1_sequencer_tasks.go WriteUdevRules, constants.UdevRulesPath).
      case "read /usr/lib/udev/rules.d/99-talos.rules": {
        const n = answering(node);
        out((n.udevRules || []).map((r) => `${r}\n`).join(""));
        break;
      }
      // cmd/talosctl/cmd/talos/version.go: --json prints one protojson VersionResponse message per node.
      case "version": {
        const n = answering(node);
        out(`${JSON.stringify({ metadata: { hostname: node }, version: { tag: n.talos, arch: "amd64" } })}\n`);
        break;
      }
      // cmd/talosctl/cmd/talos/output/json.go: `get -o json` prints the resource as indented JSON with "node".
      case "get kubeletspecs kubelet": {
        const n = answering(node);
        out(`${JSON.stringify({ node, metadata: { id: "kubelet" }, spec: { image: `ghcr.io/siderolabs/kubelet:${n.kubernetes}` } })}\n`);
        break;
      }
      // MachineConfig v1alpha1 (running) and persistent (saved; ahead after a staged apply):
      // pkg/machinery/resources/config/machine_config.go; spec printed as the YAML text (output/json.go mcYamlRepr).
      case "get machineconfig v1alpha1":
      case "get machineconfig persistent": {
        const n = answering(node);
        const active = n.config || "version: v1alpha1\n";
        const spec = positional[2] === "persistent" && n.pendingConfig ? n.pendingConfig : active;
        out(`${JSON.stringify({ node, metadata: { namespace: "config", type: "MachineConfigs.config.talos.dev", id: positional[2] }, spec }, null, 4)}\n`);
        break;
      }
      // cmd/talosctl/cmd/talos/etcd.go etcdMemberListCmd: NODE ID HOSTNAME PEER URLS CLIENT URLS LEARNER.
      case "etcd members":
        answering(node);
        out(etcdTable(node));
        break;
      // cmd/talosctl/cmd/talos/etcd.go etcdStatusCmd: a row per answering node (tabwriter, 3
      // spaces padding), a warning on stderr per node that does not; exit 0 while one answers.
      case "etcd status": {
        const targets = (node || "").split(",");
        const header = ["NODE", "MEMBER", "DB SIZE", "IN USE", "LEADER", "RAFT INDEX", "RAFT TERM", "RAFT APPLIED INDEX", "LEARNER", "PROTOCOL", "STORAGE", "ERRORS"];
        const rows = [];
        for (const address of targets) {
          const n = nodes[address];
          const m = state.etcd.find((x) => x.address === address);
          if (!n || n.down || !m) {
            stderr += `WARNING: ${address}: rpc error: code = Unavailable desc = connection refused\n`;
            continue;
          }
          const errors = state.unhealthyEtcd === address ? "etcdserver: no leader" : "";
          rows.push([address, m.id, "25 MB", "9.1 MB (36.40%)", state.etcd[0].id, "1234", "5", "1234", String(!!m.learner), "3.6.0", "3.6.0", errors]);
        }
        if (rows.length === 0) fail("error getting status: rpc error: code = Unavailable");
        const all = [header, ...rows];
        const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
        out(all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join("").trimEnd()).join("\n") + "\n");
        break;
      }
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
      // cmd/talosctl/cmd/talos/health.go with pkg/cluster/check/default.go: etcd healthy, its
      // members the control planes, every Kubernetes node reported and Ready.
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
        const reported = Object.keys(nodes).filter((a) => isNodeObject(nodes[a])).sort();
        if (JSON.stringify(reported) !== JSON.stringify([...controlPlanes, ...workers].sort())) {
          fail(`waiting for all k8s nodes to report: expected ${[...controlPlanes, ...workers].join(",")}, got ${reported.join(",")}`);
        }
        break;
      }
      // cmd/talosctl/cmd/talos/upgrade.go: --wait tracks the node until it is back.
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
      // cmd/talosctl/cmd/talos/reboot.go: --drain (1.13+) cordons and evicts, reboots, waits
      // Ready, uncordons; an older talosctl refuses the flag (cobra) before doing anything.
      case "reboot": {
        if (args.includes("--drain") && state.talosctlWithoutDrain) {
          fail("Error: unknown flag: --drain");
        }
        const n = answering(node);
        if (args.includes("--drain")) n.drainedReboots = (n.drainedReboots || 0) + 1;
        else if (!n.cordoned) n.undrainedReboots = (n.undrainedReboots || 0) + 1;
        if (n.pendingConfig) {
          n.config = n.pendingConfig;
          delete n.pendingConfig;
        }
        n.reboots = (n.reboots || 0) + 1;
        break;
      }
      // cmd/talosctl/cmd/talos/reset.go and the reset sequence (v1alpha1_sequencer.go):
      // graceful = cordon and drain, leave etcd; then wipe and power off (--reboot=false).
      case "reset": {
        const n = answering(node);
        if (args.includes("--graceful")) {
          n.cordoned = true;
          if (!(state.leaveFails || []).includes(node)) state.etcd = state.etcd.filter((m) => m.address !== node);
        }
        n.down = true;
        n.wiped = true;
        break;
      }
      // cmd/talosctl/cmd/talos/kubeconfig.go: writes the admin kubeconfig to the path.
      case `kubeconfig ${positional[1]}`: {
        answering(node);
        fs.writeFileSync(positional[1], "apiVersion: v1\nkind: Config\n# fake\n", { mode: 0o600 });
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

/**
 * kubectl for the same state: `get nodes -o json` (a v1 NodeList: metadata.name,
 * spec.unschedulable, status.addresses InternalIP, status.conditions Ready), `delete
 * node`, `drain`, `uncordon`, `wait node/<name> --for=condition=Ready`.
 */
function fakeKubectl(args, env) {
  const statePath = env.FAKE_TALOS_STATE;
  const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
  state.calls = state.calls || [];
  const kubeconfig = args[args.indexOf("--kubeconfig") + 1];
  const rest = args.filter((a, i) => a !== "--kubeconfig" && args[i - 1] !== "--kubeconfig");
  const positional = rest.filter((a) => !a.startsWith("--"));
  state.calls.push({ command: `kubectl ${positional.join(" ")}`, args, tool: "kubectl" });
  const save = () => writeState(statePath, state);
  const done = (status, stdout, stderr = "") => (save(), { status, stdout, stderr });
  if (!kubeconfig || !fs.existsSync(kubeconfig)) return done(1, "", "error: no kubeconfig\n");
  const byName = (name) => Object.entries(state.nodes).find(([, n]) => n.hostname === name && !n.nodeDeleted);
  const [verb, ...targets] = positional;
  switch (verb) {
    case "get": {
      const items = Object.entries(state.nodes)
        .filter(([, n]) => !n.nodeDeleted)
        .map(([address, n]) => ({
          metadata: { name: n.hostname },
          spec: n.cordoned ? { unschedulable: true } : {},
          status: { addresses: [{ type: "InternalIP", address }], conditions: [{ type: "Ready", status: n.down ? "Unknown" : "True" }] },
        }));
      return done(0, JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 4));
    }
    case "delete": {
      const found = byName(targets[1]);
      if (!found) return done(1, "", `Error from server (NotFound): nodes "${targets[1]}" not found\n`);
      found[1].nodeDeleted = true;
      return done(0, `node "${targets[1]}" deleted\n`);
    }
    case "drain":
    case "uncordon": {
      const found = byName(targets[0]);
      if (!found) return done(1, "", `Error from server (NotFound): nodes "${targets[0]}" not found\n`);
      found[1].cordoned = verb === "drain";
      return done(0, `node/${targets[0]} ${verb === "drain" ? "drained" : "uncordoned"}\n`);
    }
    case "wait":
      return done(0, `${targets[0]} condition met\n`);
    default:
      return done(1, "", `fake kubectl: unsupported command "${positional.join(" ")}"\n`);
  }
}

module.exports = { fakeTalosctl, fakeKubectl, writeState };
