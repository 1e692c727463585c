/**
 * The offline render (`npm run render`): writes what the program would apply, with
 * secrets as placeholders naming their source, identically on every run. Checked on a
 * fixture program that registers one of each kind of thing, and on every real stack
 * against what its RunResult contains.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { MOCK_SECRET_MARKER, MockSecret, PROJECT_ROOT, RunResult, programResources, reveal, runProgram, sharedRun, stackNames } from "../harness";
import { renderResult } from "../tools/render/index";
import { parseArgs } from "../tools/render/cli";
import { HELM_TYPE } from "../tools/render/helm";
import { subject } from "../tools/render/names";
import { MARKER_FILE, RenderOutputError, assertNoSecrets, writeRender } from "../tools/render/output";
import { PLACEHOLDER } from "../tools/render/redact";
import { CONFIGURATION_APPLY, GET_CONFIGURATION } from "../tools/render/talos";
import { PINS } from "./helpers/pins";
import { generatingPki } from "./helpers/generated-pki";

const FIXTURE = path.join(__dirname, "fixtures", "render-project");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));
}

function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child)));
    }
  };
  walk("");
  return files;
}

/** Every secret-looking string the run knows: the marker and the mocks' sensitive values. */
function secretNeedles(result: RunResult): string[] {
  return [MOCK_SECRET_MARKER, ...result.world.sensitiveValues];
}

function containsSecret(value: unknown): boolean {
  if (value instanceof MockSecret) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

/** The YAML after the header comments of a rendered file. */
function body(content: string): unknown {
  return parse(content);
}

describe("render of a fixture program", () => {
  let result: RunResult;
  let files: ReadonlyMap<string, string>;

  beforeAll(async () => {
    result = await sharedRun({ stack: "dev", projectRoot: FIXTURE });
    expect(result.error).toBeUndefined();
    files = renderResult(result, FIXTURE).files;
  });

  const file = (name: string) => {
    const content = files.get(name);
    if (content === undefined) throw new Error(`no ${name}; rendered: ${[...files.keys()].join(", ")}`);
    return content;
  };

  it("writes each node's patches in merge order, paired with the apply that applies them", () => {
    // The fixture registers the applies in reverse order; pairing follows content.
    const first = file("talos/10.0.0.11.yaml");
    const second = file("talos/10.0.0.12.yaml");
    expect(first).toContain('Applied by talos:machine/configurationApply:ConfigurationApply "demo-01"');
    expect(first.indexOf("disk: /dev/sda")).toBeLessThan(first.indexOf("hostname: demo-01"));
    expect(first.indexOf("hostname: demo-01")).toBeLessThan(first.indexOf("allowSchedulingOnControlPlanes: true"));
    expect(second).toContain("hostname: demo-02");
    expect(second).not.toContain("demo-01");
    expect(second).not.toContain("allowSchedulingOnControlPlanes");
    // Each patch is its own YAML document after the commented header.
    const documents = second.split(/^---$/m).slice(1).map((d) => parse(d) as unknown);
    expect(documents).toEqual([{ machine: { install: { disk: "/dev/sda" } } }, { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: "demo-02", auto: "off" }]);
    expect(first).toMatch(/key: <secret from talos:machine\/secrets:Secrets "demo-secrets" output machineSecrets\.certs\.os\.key>/);
  });

  it("writes each release's values with chart and version, secret leaves as placeholders naming their source", () => {
    const content = file("helm/kube-system-cilium.values.yaml");
    // The fixture program's own chart version (tests/fixtures/render-project/index.ts), not a pin.
    expect(content).toContain("# chart: oci://quay.io/cilium/charts/cilium\n# version: 0.0.0-fixture\n");
    expect(content).toContain("# ignoreChanges: chart, version, values");
    expect(body(content)).toEqual({
      // The whole values map is secret (one leaf is): only the secret leaves are replaced,
      // the cluster name and id and the plain certificate text stay in clear.
      cluster: { id: 1, name: "demo" },
      extraConfig: { "api-token": "<secret from stack config render-fixture:apiToken>" },
      tls: { ca: { cert: "plain certificate", key: '<secret from tls:index/privateKey:PrivateKey "mesh-ca-key" output privateKeyPem>' } },
    });
    expect(body(file("helm/releases.yaml"))).toEqual([
      expect.objectContaining({ release: "cilium", namespace: "kube-system", version: "0.0.0-fixture", values: "helm/kube-system-cilium.values.yaml" }),
    ]);
  });

  it("writes each Kubernetes object as the API server receives it", () => {
    expect(body(file("kubernetes/namespace-flux-system.yaml"))).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    expect(body(file("kubernetes/configmap-flux-system-cluster-settings.yaml"))).toMatchObject({ kind: "ConfigMap", data: { CLUSTER: "demo" } });
    expect(body(file("kubernetes/gitrepository-flux-system-flux-system.yaml"))).toMatchObject({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      spec: { url: "https://github.com/example/fleet" },
    });
    const secret = body(file("kubernetes/secret-flux-system-onepassword-connect.yaml")) as { stringData: { token: string } };
    expect(secret.stringData.token).toMatch(/^<secret from onepassword:index\/getItem:getItem title=shared-1password vault=infra result (credential|sections\[0\]\.fields\[credential\]\.value)>$/);
  });

  it("draws every resource and its dependencies in the graph", () => {
    const graph = file("graph.mmd");
    expect(graph).toMatch(/^flowchart LR$/m);
    for (const r of programResources(result)) expect(graph).toContain(`["${r.name}<br/>${r.type}"]`);
    const id = (name: string) => new RegExp(`(r\\d+)\\["${name}<br/>`).exec(graph)?.[1];
    expect(graph).toContain(`${id("demo-kubeconfig")} --> ${id("kubernetes")}`);
    expect(graph).toContain(`${id("kubernetes")} -.-> ${id("flux-system")}`);
    expect(graph).toContain(`${id("cilium")} --> ${id("flux-sync")}`);
  });

  it("writes outputs with secrets as placeholders and project paths relative", () => {
    expect(body(file("outputs.yaml"))).toEqual({
      kubeconfig: '<secret from talos:cluster/kubeconfig:Kubeconfig "demo-kubeconfig" output kubeconfigRaw>',
      nodes: ["10.0.0.11", "10.0.0.12"],
      patchFile: "<project>/talos/patch.yaml",
    });
  });

  it("writes no secret value anywhere", () => {
    for (const [name, content] of files) {
      for (const needle of secretNeedles(result)) expect({ name, leaked: content.includes(needle) }).toEqual({ name, leaked: false });
      expect(content).not.toContain("[secure config");
    }
    expect([...files.values()].join("\n").match(PLACEHOLDER)?.length).toBeGreaterThan(10);
  });

  it("redacts and reports a plain value that holds secret material", async () => {
    const leaky = await runProgram({ stack: "dev", projectRoot: FIXTURE, env: { RENDER_FIXTURE_LEAK: "1" } });
    const render = renderResult(leaky, FIXTURE);
    expect(render.leaks).toEqual(['kubernetes:core/v1:ConfigMap "cluster-settings" data.LEAKED']);
    const configMap = body(render.files.get("kubernetes/configmap-flux-system-cluster-settings.yaml") ?? "") as { data: Record<string, string> };
    expect(configMap.data.LEAKED).toMatch(/^<redacted plain value holding a secret from talos:cluster\/kubeconfig:Kubeconfig "demo-kubeconfig" output kubeconfigRaw/);
    expect(render.files.get("summary.md")).toContain("## Secret material in plain values (redacted)");
    expect(() => assertNoSecrets(render)).not.toThrow();
  });

  it("refuses to write secret material, and to replace a directory that is not a render", () => {
    const render = renderResult(result, FIXTURE);
    const poisoned = { ...render, files: new Map([...render.files, ["x.yaml", `token: ${MOCK_SECRET_MARKER}-x`]]) };
    expect(() => assertNoSecrets(poisoned)).toThrow(/refusing to write secret material to: x\.yaml/);

    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
    expect(() => writeRender(dir, render)).toThrow(RenderOutputError);
    expect(fs.readFileSync(path.join(dir, "precious.txt"), "utf8")).toBe("keep me");

    const out = path.join(dir, "render");
    writeRender(out, render);
    fs.writeFileSync(path.join(out, "stale.yaml"), "from an earlier render");
    writeRender(out, render);
    expect(fs.existsSync(path.join(out, "stale.yaml"))).toBe(false);
    expect(fs.existsSync(path.join(out, MARKER_FILE))).toBe(true);
  });
});

describe.each(stackNames(PROJECT_ROOT))("render of stack %s", (stack) => {
  let result: RunResult;
  let first: Map<string, Buffer>;
  let second: Map<string, Buffer>;

  beforeAll(async () => {
    const dirs = [tempDir(), tempDir()];
    result = await sharedRun({ stack });
    expect(result.error).toBeUndefined();
    writeRender(dirs[0], renderResult(result, PROJECT_ROOT));
    // A run of its own: the second render must not come from the same result.
    const again = await runProgram({ stack });
    writeRender(dirs[1], renderResult(again, PROJECT_ROOT));
    [first, second] = dirs.map(readTree);
  });

  const text = (name: string) => first.get(name)?.toString("utf8") ?? "";

  it("writes byte-identical files on two runs", () => {
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, content] of first) expect({ name, same: content.equals(second.get(name) as Buffer) }).toEqual({ name, same: true });
  });

  it("writes no secret value, and a placeholder wherever the program handles a secret", () => {
    const all = [...first.values()].map((b) => b.toString("utf8")).join("\n");
    for (const needle of secretNeedles(result)) expect(all.includes(needle)).toBe(false);
    const handlesSecrets =
      result.resources.some((r) => containsSecret(r.inputs)) || Object.values(result.outputs).some((o) => o.secret);
    if (handlesSecrets) expect(all).toMatch(PLACEHOLDER);
  });

  it("writes a patch file and a merged machine config for every node the program configures", () => {
    const applies = result.resources.filter((r) => r.type === CONFIGURATION_APPLY);
    for (const apply of applies) {
      const node = String(reveal(apply.inputs.node));
      expect(text(`talos/${node}.yaml`)).toContain(`Applied by ${subject(apply)}.`);
      // The merged config is a YAML stream whose v1alpha1 document names the node's machine type.
      const merged = parseAllDocuments(text(`talos/${node}.machineconfig.yaml`)).map((d) => d.toJS() as { machine?: { type?: string } });
      expect(merged[0].machine?.type).toMatch(/^(controlplane|worker)$/);
    }
    const configs = result.invokes.filter((i) => i.token === GET_CONFIGURATION).length;
    const talosFiles = [...first.keys()].filter((f) => f.startsWith("talos/"));
    expect(talosFiles.filter((f) => !f.endsWith(".machineconfig.yaml"))).toHaveLength(Math.max(applies.length, configs));
    expect(talosFiles.filter((f) => f.endsWith(".machineconfig.yaml"))).toHaveLength(configs);
  });

  it("writes a values file for every Helm release and a file for every Kubernetes object", () => {
    const headers = [...first.entries()].filter(([f]) => f.startsWith("helm/") || f.startsWith("kubernetes/")).map(([, b]) => b.toString("utf8"));
    for (const release of result.resources.filter((r) => HELM_TYPE.test(r.type))) {
      expect(headers.some((h) => h.includes(`# resource: ${subject(release)}\n`) && h.includes(`# version: ${String(reveal(release.inputs.version) ?? "(unpinned)")}\n`))).toBe(true);
    }
    const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:") && !HELM_TYPE.test(r.type));
    for (const object of objects) expect(headers.some((h) => h.includes(`${subject(object)}`))).toBe(true);
  });

  it("draws every registered resource in the graph and summarises the run", () => {
    const graph = text("graph.mmd");
    for (const r of programResources(result)) expect(graph).toContain(`["${r.name}<br/>${r.type}"]`);
    expect(text("summary.md")).toContain(`| resources | ${programResources(result).length} |`);
    expect(text("summary.md")).toContain(`| invokes | ${result.invokes.length} |`);
    expect(text("resources.yaml").match(/^- resource: /gm)).toHaveLength(programResources(result).length);
  });
});

describe("render command line", () => {
  it("takes one stack and an optional output directory", () => {
    expect(parseArgs(["infra"])).toEqual({ stack: "infra", out: undefined });
    expect(parseArgs(["infra", "--out", "x"])).toEqual({ stack: "infra", out: "x" });
    expect(parseArgs(["--out=x", "apps"])).toEqual({ stack: "apps", out: "x" });
    expect(parseArgs([])).toMatch(/^usage:/);
    expect(parseArgs(["infra", "--out"])).toMatch(/--out needs a directory/);
    expect(parseArgs(["infra", "--bogus"])).toMatch(/unknown option --bogus/);
  });

  it("renders a stack as `npm run render` does, with no credentials and no network, byte-identical to a render in this process", async () => {
    const dir = tempDir();
    // Loaded before the program: any attempt to open a connection or resolve a name fails the run.
    const noNetwork = path.join(dir, "no-network.js");
    fs.writeFileSync(
      noNetwork,
      [
        'const deny = (what) => () => { throw new Error("network access attempted: " + what); };',
        'require("net").Socket.prototype.connect = deny("connect");',
        'require("dns").lookup = deny("dns.lookup");',
        'require("dns").promises.lookup = deny("dns.promises.lookup");',
      ].join("\n"),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(OP_|CLOUDFLARE_|PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE)/.test(k)),
    );
    // The package.json script, with ts-node run by this node so that no-network.js is preloaded.
    const script = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.render;
    const [tool, ...toolArgs] = script.split(" ");
    expect(tool).toBe("ts-node");
    const cli = path.join(dir, "cli");
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["-r", noNetwork, require.resolve("ts-node/dist/bin"), ...toolArgs, "infra", "--out", cli],
        { cwd: PROJECT_ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).not.toMatch(/render: |network access attempted/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("# Offline render of stack `infra`");
    expect(run.stdout).toMatch(/Wrote \d+ files to /);
    // Another process, another module registry, another environment: the same bytes.
    const here = path.join(dir, "here");
    writeRender(here, renderResult(await sharedRun({ stack: "infra" }), PROJECT_ROOT, await sharedRun({ stack: "infra", firstPreview: true })));
    const [a, b] = [cli, here].map(readTree);
    for (const name of ["summary.md", "graph.mmd", "resources.yaml", "outputs.yaml", MARKER_FILE]) expect(a.has(name)).toBe(true);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, content] of a) expect({ name, same: content.equals(b.get(name) as Buffer) }).toEqual({ name, same: true });
  });
});

describe("render: who owns the Helm releases", () => {
  const ownershipOf = (summary: string) => {
    const start = summary.indexOf("## Who owns the Helm releases");
    expect(start).toBeGreaterThan(-1);
    const end = summary.indexOf("\n## ", start + 1);
    return summary.slice(start, end === -1 ? undefined : end);
  };
  /** Rows of the section's table, as cells. */
  const rows = (section: string) =>
    section
      .split("\n")
      .filter((l) => l.startsWith("| ") && !/^\| (release|order) \|/.test(l))
      .map((l) => l.slice(2, -2).split(" | "));
  const bootstrapOutput = (r: RunResult) => r.outputs.bootstrap.value as { releases: Record<string, string>; releaseOwner: string; fluxSync: { url: string; path: string } };

  it.each(["infra", "apps"])("%s (adopted): Pulumi registers no Helm release and Flux owns each release at its pinned version", async (stack) => {
    const result = await sharedRun({ stack });
    expect(result.error).toBeUndefined();
    const out = bootstrapOutput(result);
    expect(out.releaseOwner).toBe("flux");
    const section = ownershipOf(renderResult(result, PROJECT_ROOT).summary);
    expect(section).toContain("Pulumi registers no Helm release, neither install nor import");
    expect(section).toContain(`\`${out.fluxSync.path}\` of ${out.fluxSync.url}`);
    expect(section).not.toContain("Not as expected");
    expect(rows(section)).toEqual(Object.entries(out.releases).sort(([a], [b]) => (a < b ? -1 : 1)).map(([release, version]) => [release, version, "Flux"]));
    // Each version is the tag of an OCIRepository under kubernetes/ (what Flux reconciles).
    for (const [, version] of rows(section)) expect(Object.values(PINS.charts)).toContain(version);
  });

  it("fresh cluster: lists the releases Pulumi installs before the hand-off, in install order, Flux's release last", async () => {
    const result = await runProgram({ stack: "apps", ...generatingPki("apps", { "k8s-gitops:talos.bootstrapped": false }) });
    expect(result.error).toBeUndefined();
    const out = bootstrapOutput(result);
    expect(out.releaseOwner).toBe("pulumi");
    const section = ownershipOf(renderResult(result, PROJECT_ROOT).summary);
    expect(section).toContain("Pulumi installs these Helm releases before the hand-off");
    const table = rows(section);
    const releases = result.resources.filter((r) => HELM_TYPE.test(r.type));
    expect(table.map((r) => r[1]).sort()).toEqual(releases.map((r) => String(reveal(r.inputs.name))).sort());
    expect(table.map((r) => r[0])).toEqual(table.map((_, i) => String(i + 1)));
    for (const [, release, namespace, , version, after] of table) {
      const registered = releases.find((r) => reveal(r.inputs.name) === release);
      expect({ release, namespace, version }).toEqual({ release, namespace: reveal(registered?.inputs.namespace), version: reveal(registered?.inputs.version) });
      expect(version).toBe(out.releases[release]);
      // Every release it waits for comes earlier in the table.
      const position = table.findIndex((r) => r[1] === release);
      if (after !== "-") for (const dependency of after.split(", ")) expect(table.findIndex((r) => r[1] === dependency)).toBeLessThan(position);
    }
    // The Flux release (the one carrying the sync) is installed last, after every other one.
    const last = table[table.length - 1];
    expect(last[5].split(", ").sort()).toEqual(table.slice(0, -1).map((r) => r[1]).sort());
  });

  it("renders no ownership section for a program without a bootstrap output", async () => {
    const result = await sharedRun({ stack: "dev", projectRoot: FIXTURE });
    expect(renderResult(result, FIXTURE).summary).not.toContain("## Who owns the Helm releases");
  });
});

describe("render: what a reviewer sees of the real program", () => {
  it("fresh infra cluster: Cilium's non-secret values in clear, its secret leaves redacted", async () => {
    const result = await runProgram({ stack: "infra", ...generatingPki("infra", { "k8s-gitops:talos.bootstrapped": false }) });
    expect(result.error).toBeUndefined();
    const rendered = renderResult(result, PROJECT_ROOT);
    const values = parse(rendered.files.get("helm/kube-system-cilium.values.yaml") ?? "") as Record<string, unknown> & { cluster: unknown; tls?: { ca?: { key?: unknown } } };
    expect(values.cluster).toEqual({ name: "infra", id: 1 });
    expect(values.k8sServiceHost).toBe("127.0.0.1");
    expect(values.routingMode).toBe("native");
    expect(String(values.tls?.ca?.key)).toMatch(/^<secret from tls:index\/privateKey:PrivateKey "clustermesh-ca-key" output privateKeyPem/);
    for (const needle of secretNeedles(result)) expect([...rendered.files.values()].some((f) => f.includes(needle))).toBe(false);
  });

  it("adopted infra cluster: each node's merged machine config holds the generated base and the node's patches, the token redacted", async () => {
    const result = await sharedRun({ stack: "infra" });
    const files = renderResult(result, PROJECT_ROOT).files;
    const docs = parseAllDocuments(files.get("talos/10.25.11.12.machineconfig.yaml") ?? "").map((d) => d.toJS() as Record<string, unknown>);
    const v1alpha1 = docs[0] as { cluster: { clusterName: string; network: { podSubnets: string[] } }; machine: { type: string; token: string } };
    // From the generated base.
    expect(v1alpha1.cluster.clusterName).toBe("infra");
    expect(v1alpha1.machine.type).toBe("controlplane");
    expect(v1alpha1.machine.token).toMatch(/^<secret /);
    // From the patches: derived from config and generated per node.
    expect(v1alpha1.cluster.network.podSubnets).toEqual(["10.244.0.0/16"]);
    expect(docs).toContainEqual({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "infra-02" });
    // The clustermesh values Secret: one YAML text, shown leaf by leaf.
    const secret = parse(files.get("kubernetes/secret-kube-system-cilium-clustermesh-values.yaml") ?? "") as { stringData: Record<string, string> };
    const meshValues = parse(secret.stringData["values.yaml"]) as { cluster: unknown; tls: { ca: { key: string } } };
    expect(meshValues.cluster).toEqual({ name: "infra", id: 1 });
    expect(meshValues.tls.ca.key).toMatch(/^<secret from tls:index\/privateKey:PrivateKey "clustermesh-ca-key"/);
    // Mock identifiers are placeholders, not ids that look real.
    expect(files.get("outputs.yaml")).toMatch(/<mock id: cloudflare:index\/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared "[^"]+" id>/);
    for (const content of files.values()) expect(content).not.toMatch(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/);
  });
});
