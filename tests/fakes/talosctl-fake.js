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

/**
 * `process`: the caller is the process wrapper (tests/fakes/talosctl), which can hang. A
 * node listed in state.hangs never answers: the call returns `hang` and the wrapper keeps
 * the process alive until whoever spawned it kills it at its deadline; in-process there is
 * no deadline to reach, so hanging there is refused.
 */
function fakeTalosctl(args, env, { process: asProcess = false } = {}) {
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

    if ((state.hangs || []).includes(node)) {
      if (!asProcess) throw new Error("fake talosctl: state.hangs needs the fake as a process (tests/fakes/talosctl on PATH)");
      save();
      return { status: 0, stdout, stderr, hang: true };
    }
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
      // cmd/talosctl/cmd/talos/reboot.go: --drain and --drain-timeout (v1.13.0-rc.0 on, commit
      // 9cc735588; absent from every v1.12 tag) cordon and evict, reboot, wait, uncordon. An
      // older talosctl refuses the flag before doing anything: pflag v1.0.10 errors.go words it
      // "unknown flag: --drain", and talosctl's root command (SilenceErrors, cmd/talosctl/cmd/
      // root.go Execute, v1.12.11) prints that line bare, a blank line and the usage, exit 1.
      case "reboot": {
        if (args.includes("--drain") && state.talosctlWithoutDrain) {
          fail("unknown flag: --drain\n\nUsage:\n  talosctl reboot [flags]\n");
        }
        const n = answering(node);
        if (args.includes("--drain")) n.drainedReboots = (n.drainedReboots || 0) + 1;
        else if (!n.drained) n.undrainedReboots = (n.undrainedReboots || 0) + 1;
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
 * kubectl with a Flux API (state.flux): `get <plural>.<group> --all-namespaces --output=json`
 * lists the state's objects of that kind as a v1 List, as the migration's live read calls
 * it. The kubeconfig is --kubeconfig or KUBECONFIG; `--context=` must name one of
 * state.flux.contexts (else kubectl's configuration error, helpers.go IsConfigurationInvalid,
 * as kubectl v1.32 prints it). Faults: `missing` resources answer as kubectl does for a type the
 * server does not serve (kubernetes/kubectl pkg/cmd/util/helpers.go, NoResourceMatchError),
 * `unreachable` as for a refused connection (StandardErrorMessage). CustomResourceDefinitions
 * (cluster-scoped) are asked by name, `get customresourcedefinitions.apiextensions.k8s.io NAME...
 * --ignore-not-found --output=json`, answered as kubectl's printGeneric does (pkg/cmd/get/get.go):
 * one name found prints the object itself, several a List, none found (with --ignore-not-found)
 * nothing; without --ignore-not-found a missing name is the server's NotFound. Any other verb
 * fails, and every call is recorded in state.calls.
 */
function fluxApi(args, env, state, done) {
  const flux = state.flux;
  const valued = ["--kubeconfig", "--context", "--output", "-o", "--request-timeout"];
  const flag = (name) => {
    const eq = args.find((a) => a.startsWith(`${name}=`));
    if (eq) return eq.slice(name.length + 1);
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const positional = args.filter((a, i) => !a.startsWith("-") && !valued.includes(args[i - 1]));
  state.calls.push({ command: `kubectl ${positional.join(" ")}`, args, tool: "kubectl", context: flag("--context"), requestTimeout: flag("--request-timeout") });
  const kubeconfig = flag("--kubeconfig") ?? env.KUBECONFIG;
  if (!kubeconfig || !fs.existsSync(kubeconfig)) return done(1, "", "error: no kubeconfig\n");
  const context = flag("--context");
  if (context !== undefined && !(flux.contexts || []).includes(context)) return done(1, "", `Error in configuration: context was not found for specified context: ${context}\n`);
  if (flux.unreachable) return done(1, "", "The connection to the server 10.25.11.11:6443 was refused - did you specify the right host or port?\n");
  const [verb, resource, ...names] = positional;
  const output = flag("--output") ?? flag("-o");
  if (verb === "get" && resource === "customresourcedefinitions.apiextensions.k8s.io" && names.length > 0 && output === "json") {
    const crds = (flux.items || []).filter((o) => o.kind === "CustomResourceDefinition");
    const found = names.map((n) => crds.find((o) => o.metadata.name === n)).filter((o) => o !== undefined);
    const absent = names.filter((n) => !crds.some((o) => o.metadata.name === n));
    if (absent.length > 0 && !args.includes("--ignore-not-found")) {
      return done(1, "", `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${absent[0]}" not found\n`);
    }
    if (found.length === 0) return done(0, "");
    if (names.length === 1) return done(0, JSON.stringify(found[0], null, 4));
    return done(0, JSON.stringify({ apiVersion: "v1", kind: "List", items: found, metadata: { resourceVersion: "" } }, null, 4));
  }
  const allNamespaces = args.includes("--all-namespaces") || args.includes("-A");
  if (verb !== "get" || !resource || names.length > 0 || !allNamespaces || output !== "json") {
    return done(1, "", `fake kubectl: unsupported command "${args.join(" ")}"\n`);
  }
  const dot = resource.indexOf(".");
  const plural = resource.slice(0, dot);
  const group = resource.slice(dot + 1);
  if ((flux.missing || []).includes(resource)) return done(1, "", `error: the server doesn't have a resource type "${plural}"\n`);
  const items = (flux.items || []).filter((o) => String(o.apiVersion).split("/")[0] === group && `${String(o.kind).toLowerCase()}s` === plural);
  return done(0, JSON.stringify({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } }, null, 4));
}

/**
 * kubectl for the same state, answering as kubernetes/kubectl kubernetes-1.36.2 (the
 * pinned Kubernetes minor) does:
 * - `get nodes -o json`: a List (apiVersion v1, kind List; pkg/cmd/get/get.go) of v1 Nodes
 *   (metadata.name, spec.unschedulable, status.addresses InternalIP, status.conditions Ready);
 * - `drain NODE`: cordons first (prints `node/<name> cordoned`), then evicts and prints
 *   `node/<name> drained` (pkg/cmd/drain/drain.go RunDrain, name printer). A Talos node always
 *   runs DaemonSet pods (the CNI), so without --ignore-daemonsets drain refuses, as kubectl does;
 * - `uncordon NODE`: `node/<name> uncordoned` (drain.go changed());
 * - `delete node NAME`: `node "<name>" deleted` (pkg/cmd/delete/delete.go PrintObj);
 * - `wait node/<name> --for=condition=Ready`: `node/<name> condition met` (pkg/cmd/wait/wait.go);
 * - an unknown node: `Error from server (NotFound): nodes "<name>" not found`, exit 1.
 * Flags whose value is a Go duration (--timeout) are checked as one.
 */
function fakeKubectl(args, env) {
  const statePath = env.FAKE_TALOS_STATE;
  const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
  state.calls = state.calls || [];
  if (state.flux) {
    const save = () => fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
    return fluxApi(args, env, state, (status, stdout, stderr = "") => (save(), { status, stdout, stderr }));
  }
  const kubeconfig = args[args.indexOf("--kubeconfig") + 1];
  const rest = args.filter((a, i) => a !== "--kubeconfig" && args[i - 1] !== "--kubeconfig");
  const positional = rest.filter((a) => !a.startsWith("--"));
  state.calls.push({ command: `kubectl ${positional.join(" ")}`, args, tool: "kubectl" });
  const save = () => writeState(statePath, state);
  const done = (status, stdout, stderr = "") => (save(), { status, stdout, stderr });
  if (!kubeconfig || !fs.existsSync(kubeconfig)) return done(1, "", "error: no kubeconfig\n");
  const byName = (name) => Object.entries(state.nodes).find(([, n]) => n.hostname === name && !n.nodeDeleted);
  const [verb, ...targets] = positional;
  // pkg/cmd/drain/drain.go, delete/delete_flags.go, wait/wait.go: --timeout is a DurationVar.
  const timeout = rest.find((a) => a.startsWith("--timeout="));
  if (timeout && !/^(\d+(ns|us|ms|s|m|h))+$/.test(timeout.slice("--timeout=".length))) {
    return done(1, "", `error: invalid argument "${timeout.slice("--timeout=".length)}" for "--timeout" flag: time: invalid duration\n`);
  }
  switch (verb) {
    case "get": {
      const items = Object.entries(state.nodes)
        .filter(([, n]) => !n.nodeDeleted)
        .map(([address, n]) => ({
          metadata: { name: n.hostname },
          spec: n.cordoned ? { unschedulable: true } : {},
          status: { addresses: [{ type: "InternalIP", address }], conditions: [{ type: "Ready", status: n.down ? "Unknown" : "True" }] },
        }));
      return done(0, JSON.stringify({ apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } }, null, 4));
    }
    case "delete": {
      const found = byName(targets[1]);
      if (!found) return done(1, "", `Error from server (NotFound): nodes "${targets[1]}" not found\n`);
      found[1].nodeDeleted = true;
      return done(0, `node "${targets[1]}" deleted\n`);
    }
    case "drain": {
      const found = byName(targets[0]);
      if (!found) return done(1, "", `Error from server (NotFound): nodes "${targets[0]}" not found\n`);
      found[1].cordoned = true;
      if (!rest.includes("--ignore-daemonsets")) {
        return done(
          1,
          `node/${targets[0]} cordoned\n`,
          `error: unable to drain node "${targets[0]}" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/cilium-fake, continuing command...\n`,
        );
      }
      found[1].drained = true;
      return done(0, `node/${targets[0]} cordoned\nnode/${targets[0]} drained\n`);
    }
    case "uncordon": {
      const found = byName(targets[0]);
      if (!found) return done(1, "", `Error from server (NotFound): nodes "${targets[0]}" not found\n`);
      found[1].cordoned = false;
      delete found[1].drained;
      return done(0, `node/${targets[0]} uncordoned\n`);
    }
    case "wait":
      return done(0, `${targets[0]} condition met\n`);
    default:
      return done(1, "", `fake kubectl: unsupported command "${positional.join(" ")}"\n`);
  }
}

module.exports = { fakeTalosctl, fakeKubectl, writeState };
