/**
 * The migration comparison reading the running Flux live (`compare <stack> --live`), through
 * the fake kubectl on PATH (tests/fakes/kubectl, its Flux API mode) serving the objects of
 * the saved fixture: the same state as the offline file, read with `get` only and a request
 * timeout, saved in the format `--inventory` reads; a kubectl failure or a missing CRD is
 * one clear error and nothing is compared.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { spawnKubectl, type Talosctl } from "../components/talos/day2/runner";
import { main, parseArgs } from "../tools/migration/cli";
import { parseInventory } from "../tools/migration/inventory";
import { CRD_RESOURCE, LIVE_RESOURCES, LiveReadError, bundleCrdNames, readLive } from "../tools/migration/live";
import { FAKES } from "./helpers/fake-talos";

const repoRoot = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "migration", "infra.inventory.yaml");
const fixtureText = fs.readFileSync(FIXTURE, "utf8");
const fixtureItems = (parse(fixtureText) as { items: Record<string, unknown>[] }).items;

interface FluxState {
  items: Record<string, unknown>[];
  contexts?: string[];
  missing?: string[];
  unreachable?: boolean;
}
interface Call {
  command: string;
  args: string[];
  context?: string;
  requestTimeout?: string;
}

/** A cluster for the fake kubectl: state file, kubeconfig, PATH with the fake first. */
function fakeCluster(flux: FluxState) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migration-live-"));
  const statePath = path.join(dir, "state.json");
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n", { mode: 0o600 });
  fs.writeFileSync(statePath, JSON.stringify({ flux, calls: [] }));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${FAKES}:${process.env.PATH ?? ""}`, FAKE_TALOS_STATE: statePath, KUBECONFIG: kubeconfig };
  return {
    dir,
    env,
    kubeconfig,
    tools: { kubectl: spawnKubectl, env },
    calls: (): Call[] => (JSON.parse(fs.readFileSync(statePath, "utf8")) as { calls: Call[] }).calls,
  };
}

const capture = () => {
  const io = { outText: "", errText: "", out: (t: string) => void (io.outText += t), err: (t: string) => void (io.errText += t) };
  return io;
};

describe("reading the running Flux through kubectl", () => {
  test("reads the same state as the saved file, with get only, each call under a request timeout", () => {
    // A live object carries managedFields; the read drops them (noise the parser never reads).
    const items = fixtureItems.map((o, i) => (i === 0 ? { ...o, metadata: { ...(o.metadata as object), managedFields: [{ manager: "kustomize-controller" }] } } : o));
    const cluster = fakeCluster({ items, contexts: ["infra"] });
    const live = readLive({ context: "infra" }, spawnKubectl, cluster.env);
    expect(parseInventory(live.text, live.source)).toEqual(parseInventory(fixtureText, FIXTURE));
    expect(live.text).not.toContain("managedFields");
    expect(live.notes).toEqual([]);
    const calls = cluster.calls();
    // The Flux kinds across namespaces, then the bundle sets' CRDs by name (bootstrap/crds.yaml).
    expect(calls.map((c) => c.command)).toEqual([...LIVE_RESOURCES.map((r) => `kubectl get ${r.resource}`), `kubectl get ${CRD_RESOURCE} ${bundleCrdNames().join(" ")}`]);
    expect(calls.at(-1)?.args).toContain("--ignore-not-found");
    expect(parseInventory(live.text, live.source).crds.map((c) => c.annotations["gateway.networking.k8s.io/bundle-version"])).toEqual(Array(6).fill("v1.4.0"));
    for (const call of calls) {
      expect(call.command.split(" ")[1]).toBe("get");
      expect(call.context).toBe("infra");
      expect(call.requestTimeout).toMatch(/^\d+[smh]$/);
    }
  });

  test("the CRDs are kept as name and annotations only (no schema, no kubectl last-applied copy), whether kubectl prints one, several or none", () => {
    const heavy = fixtureItems.map((o) =>
      o.kind === "CustomResourceDefinition"
        ? { ...o, spec: { group: "gateway.networking.k8s.io", versions: [{ name: "v1" }] }, metadata: { ...(o.metadata as { annotations: object }), annotations: { ...(o.metadata as { annotations: object }).annotations, "kubectl.kubernetes.io/last-applied-configuration": "{}" } } }
        : o,
    );
    const cluster = fakeCluster({ items: heavy });
    const all = readLive({}, spawnKubectl, cluster.env);
    expect(all.text).not.toContain("last-applied-configuration");
    expect(all.text).not.toContain("versions:");
    expect(parseInventory(all.text, all.source).crds).toEqual(parseInventory(fixtureText, FIXTURE).crds);
    // One name found: kubectl prints the object itself, not a List.
    const one = readLive({}, spawnKubectl, cluster.env, ["gateways.gateway.networking.k8s.io"]);
    expect(parseInventory(one.text, one.source).crds.map((c) => c.name)).toEqual(["gateways.gateway.networking.k8s.io"]);
    // None found (a cluster without Gateway API): kubectl prints nothing; the set is not running.
    const none = readLive({}, spawnKubectl, cluster.env, ["tlsroutes.gateway.networking.k8s.io"]);
    expect(parseInventory(none.text, none.source).crds).toEqual([]);
  });

  test("a cluster without Flux's Kustomization CRD is one error naming the resource; without flux-operator's, a note", () => {
    const noFlux = fakeCluster({ items: fixtureItems, missing: ["kustomizations.kustomize.toolkit.fluxcd.io"] });
    expect(() => readLive({}, spawnKubectl, noFlux.env)).toThrow(LiveReadError);
    expect(() => readLive({}, spawnKubectl, noFlux.env)).toThrow(/serves no kustomizations\.kustomize\.toolkit\.fluxcd\.io \(its CRD is not installed\)/);
    const noOperator = fakeCluster({ items: fixtureItems, missing: ["fluxinstances.fluxcd.controlplane.io"] });
    const live = readLive({}, spawnKubectl, noOperator.env);
    expect(live.notes).toEqual([expect.stringMatching(/serves no fluxinstances\.fluxcd\.controlplane\.io: the Flux distribution version is not compared/)]);
    expect(parseInventory(live.text, live.source).flux).toBeUndefined();
  });

  test("an unreachable API server, a context kubectl does not know, a call past its deadline: one error each, kubectl's reason in it", () => {
    const down = fakeCluster({ items: fixtureItems, unreachable: true });
    expect(() => readLive({}, spawnKubectl, down.env)).toThrow(/^kubectl: get kustomizations\.kustomize\.toolkit\.fluxcd\.io failed \(exit 1\): The connection to the server .* was refused/);
    // The first failure ends the read: nothing else is asked.
    expect(down.calls()).toHaveLength(1);
    const cluster = fakeCluster({ items: fixtureItems, contexts: ["infra"] });
    expect(() => readLive({ context: "apps", kubeconfig: cluster.kubeconfig }, spawnKubectl, cluster.env)).toThrow(/--context apps: get .* failed \(exit 1\): Error in configuration: context was not found for specified context: apps/);
    const hanging: Talosctl = () => ({ status: null, stdout: "", stderr: "no answer within 90000 ms" });
    expect(() => readLive({}, hanging, cluster.env)).toThrow(/no answer within 90000 ms \(deadline 90s\)/);
    const missing: Talosctl = () => ({ status: null, stdout: "", stderr: "", error: new Error("spawnSync kubectl ENOENT") });
    expect(() => readLive({}, missing, cluster.env)).toThrow(/kubectl could not run \(spawnSync kubectl ENOENT\); put kubectl on PATH/);
  });
});

describe("npm run migration -- compare --live", () => {
  test("arguments: --live or --inventory, never both; --context, --kubeconfig and --save only with --live", () => {
    expect(parseArgs(["compare", "infra", "--live", "--context=infra", "--save", "s.yaml"])).toEqual({
      stack: "infra",
      source: { kind: "live", context: "infra", kubeconfig: undefined, save: "s.yaml" },
      acknowledge: undefined,
    });
    expect(parseArgs(["compare", "infra", "--live", "--inventory", "f"])).toMatch(/exclude each other/);
    expect(parseArgs(["compare", "infra", "--inventory", "f", "--save", "s"])).toMatch(/^--save only with --live/);
    expect(parseArgs(["compare", "infra", "--live", "--context"])).toMatch(/--context needs a name/);
  });

  test("the live read gives the offline result, and --save writes a file --inventory reads to the same result", async () => {
    const cluster = fakeCluster({ items: fixtureItems, contexts: ["infra"] });
    const saved = path.join(cluster.dir, "infra.inventory.yaml");
    const live = capture();
    const liveCode = await main(["compare", "infra", "--live", "--context", "infra", "--save", saved], live, repoRoot, cluster.tools);
    expect(live.errText).toBe(`migration: saved what kubectl --context infra read to ${saved}\n`);
    const offline = capture();
    const offlineCode = await main(["compare", "infra", "--inventory", saved], offline, repoRoot);
    expect(offline.errText).toBe("");
    expect([liveCode, offlineCode]).toEqual([1, 1]);
    expect(live.outText).toContain("REFUSED: the switch would delete");
    expect(live.outText).toBe(offline.outText);
    expect(parseInventory(fs.readFileSync(saved, "utf8"), saved)).toEqual(parseInventory(fixtureText, FIXTURE));
    expect(fs.statSync(saved).mode & 0o077).toBe(0);
    expect(cluster.calls().every((c) => c.command.startsWith("kubectl get "))).toBe(true);
  }, 120_000);

  test("a failed read exits 2 with one error line, compares nothing and saves nothing", async () => {
    const cluster = fakeCluster({ items: fixtureItems, missing: ["helmreleases.helm.toolkit.fluxcd.io"] });
    const saved = path.join(cluster.dir, "never.yaml");
    const io = capture();
    const code = await main(["compare", "infra", "--live", "--save", saved], io, repoRoot, cluster.tools);
    expect(code).toBe(2);
    expect(io.outText).toBe("");
    expect(io.errText).toBe("migration: kubectl: the cluster serves no helmreleases.helm.toolkit.fluxcd.io (its CRD is not installed): no Flux here, or the wrong context; the running chart versions cannot be read\n");
    expect(fs.existsSync(saved)).toBe(false);
  });
});
