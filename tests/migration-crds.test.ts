/**
 * The CRD upgrade from the running bundle to the pin as a planned step: the seed's
 * kubectl-applied Gateway API bundle (the inventory fixture) staged one minor at a time to
 * the pin of bootstrap/crds.yaml, and the writes the pin must never make refused (a newer
 * bundle, another channel, mixed or unreadable versions). Pins are read from
 * bootstrap/crds.yaml (tests/helpers/pins.ts), the running bundle from the fixture.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { loadBootstrapPlan, type CrdSet } from "../bootstrap/plan";
import { bundleStage, bundleStages, pinnedChannel, runningBundle, CRD_WORDING } from "../tools/migration/crd-bundles";
import { parseInventory, type RunningCrd } from "../tools/migration/inventory";
import { formatStages, loadUpgradePaths, parseMinor } from "../tools/migration/stages";
import { main } from "../tools/migration/cli";
import { PINS } from "./helpers/pins";

const repoRoot = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "migration", "infra.inventory.yaml");
const fixtureText = fs.readFileSync(FIXTURE, "utf8");
const running = parseInventory(fixtureText, FIXTURE);
const paths = loadUpgradePaths(repoRoot);
const plan = loadBootstrapPlan(repoRoot);
const setOf = (name: string): CrdSet => {
  const found = plan.crdSets.find((s) => s.name === name);
  if (!found) throw new Error(`no CRD set ${name}`);
  return found;
};
const gateway = setOf("gateway-api");
const rule = paths.crdSets["gateway-api"];
const CHANNEL = rule.channelAnnotation ?? "";
const pinChannel = pinnedChannel(repoRoot, gateway, CHANNEL);
/** The fixture's Gateway API CRDs, with `change` applied to each (by index). */
const crdsWith = (change: (c: RunningCrd, i: number) => Record<string, string | undefined>): RunningCrd[] =>
  running.crds.map((c, i) => ({ name: c.name, annotations: Object.fromEntries(Object.entries({ ...c.annotations, ...change(c, i) }).filter((e): e is [string, string] => e[1] !== undefined)) }));

describe("the running CRD bundles, read per CRD", () => {
  test("the fixture holds the seed's v1.4.0 standard bundle: six CRDs of the gateway-api set, all at one version and channel", () => {
    const ours = running.crds.filter((c) => gateway.provides.includes(c.name));
    expect(ours).toHaveLength(6);
    expect(runningBundle(gateway, running.crds, CHANNEL)).toEqual({ version: "v1.4.0", channel: "standard" });
    // The vendored pin is the standard channel, read from the vendored files, never repeated.
    expect(pinChannel).toBe("standard");
  });

  test("the fixture holds the seed's ServiceMonitor CRD (prometheus-operator-crds 24.0.1, operator 0.86.1): one step to the pin, nothing refused", () => {
    const monitoring = setOf("prometheus-operator");
    const ours = running.crds.filter((c) => monitoring.provides.includes(c.name));
    expect(ours.map((c) => [c.name, c.annotations[monitoring.versionAnnotation]])).toEqual([["servicemonitors.monitoring.coreos.com", "0.86.1"]]);
    const [, stage] = bundleStages(repoRoot, plan.crdSets, running.crds, paths);
    expect(stage.what).toBe("CRD set prometheus-operator");
    expect([stage.running, stage.steps, stage.problem]).toEqual(["0.86.1", [monitoring.version], undefined]);
    expect(formatStages([stage], CRD_WORDING)).not.toContain("not running");
  });

  test("every CRD set of bootstrap/crds.yaml has a rule; Gateway API's is one minor at a time with its channel annotation", () => {
    expect(plan.crdSets.map((s) => s.name).filter((n) => paths.crdSets[n] === undefined)).toEqual([]);
    expect(rule.step).toBe("minor");
    expect(rule.channelAnnotation).toBe("gateway.networking.k8s.io/channel");
  });

  test("kubectl's last-applied copy is not kept; a saved file with CRDs reads them sorted by name", () => {
    const list = parse(fixtureText) as { items: Array<Record<string, unknown>> };
    const crd = list.items.find((i) => i.kind === "CustomResourceDefinition") as { metadata: { annotations: Record<string, string> } };
    crd.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = "{\"huge\":true}";
    const read = parseInventory(stringify(list), "f.yaml");
    expect(read.crds).toEqual(running.crds);
    expect(read.crds.map((c) => c.name)).toEqual([...read.crds.map((c) => c.name)].sort());
  });
});

describe("the staged path from the running bundle to the pin", () => {
  test("v1.4.0 → the pin one minor per step, each at that minor's latest patch, the pin last, with each release's notes", () => {
    const stage = bundleStage(gateway, running.crds, rule, pinChannel);
    const from = parseMinor("v1.4.0");
    const to = parseMinor(PINS.crdSets["gateway-api"]);
    if (!from || !to) throw new Error("unreadable versions");
    expect(stage.problem).toBeUndefined();
    expect(stage.pin).toBe(PINS.crdSets["gateway-api"]);
    expect(stage.steps).toHaveLength(to.minor - from.minor);
    expect(stage.steps.at(-1)).toBe(PINS.crdSets["gateway-api"]);
    stage.steps.slice(0, -1).forEach((s, i) => expect(s).toBe(`v${to.major}.${from.minor + i + 1}.x (latest patch)`));
    // The step onto 1.5 carries the safe-upgrades policy note; every step but the last is by hand.
    const onto15 = stage.steps.findIndex((s) => s.startsWith("v1.5."));
    expect(stage.stepNotes?.[onto15]).toMatch(/safe-upgrades\.gateway\.networking\.k8s\.io/);
    expect(stage.stepNotes?.[onto15]).toMatch(/^by hand: kubectl apply --server-side --force-conflicts --field-manager=k8s-gitops -f https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v1\.5\.<latest patch>\/standard-install\.yaml/);
    expect(stage.stepNotes?.at(-1)).toMatch(/^the adopt pulumi up writes it/);
    const text = formatStages([stage], CRD_WORDING);
    expect(text).toMatch(new RegExp(`CRD set gateway-api: REFUSED: v1\\.4\\.0 → ${PINS.crdSets["gateway-api"].replace(/\./g, "\\.")} skips ${stage.steps.length - 1} step`));
  });

  test("one step from the pin is allowed (the adopt up writes it); at the pin nothing is staged; not installed, the program installs it", () => {
    const to = parseMinor(PINS.crdSets["gateway-api"]);
    if (!to) throw new Error("unreadable pin");
    const previous = `v${to.major}.${to.minor - 1}.0`;
    const one = bundleStage(gateway, crdsWith(() => ({ "gateway.networking.k8s.io/bundle-version": previous })), rule, pinChannel);
    expect(one.problem).toBeUndefined();
    expect(one.steps).toEqual([PINS.crdSets["gateway-api"]]);
    expect(bundleStage(gateway, crdsWith(() => ({ "gateway.networking.k8s.io/bundle-version": PINS.crdSets["gateway-api"] })), rule, pinChannel).steps).toEqual([]);
    const none = bundleStage(gateway, [], rule, pinChannel);
    expect([none.running, none.steps, none.problem]).toEqual([undefined, [], undefined]);
    expect(formatStages([none], CRD_WORDING)).toContain(`not running; the program installs ${PINS.crdSets["gateway-api"]}`);
  });
});

describe("writes the pin must never make are refused with the reason", () => {
  const to = parseMinor(PINS.crdSets["gateway-api"]);
  if (!to) throw new Error("unreadable pin");
  const newer = `v${to.major}.${to.minor + 1}.0`;

  test("a running bundle newer than the pin", () => {
    const stage = bundleStage(gateway, crdsWith(() => ({ "gateway.networking.k8s.io/bundle-version": newer })), rule, pinChannel);
    expect(stage.problem).toMatch(new RegExp(`running ${newer.replace(/\./g, "\\.")} is newer than the pin .*never overwritten`));
  });

  test("experimental CRDs, over which the standard pin would be written", () => {
    const stage = bundleStage(gateway, crdsWith(() => ({ [CHANNEL]: "experimental" })), rule, pinChannel);
    expect(stage.problem).toMatch(/gateway\.networking\.k8s\.io\/channel=experimental; the program would write the standard bundle .* another release channel is never overwritten/);
    // Mixed channels, or none, are no channel the tool can recognise.
    expect(bundleStage(gateway, crdsWith((_c, i) => ({ [CHANNEL]: i === 0 ? "experimental" : "standard" })), rule, pinChannel).problem).toMatch(/no single gateway\.networking\.k8s\.io\/channel/);
    expect(bundleStage(gateway, crdsWith(() => ({ [CHANNEL]: undefined })), rule, pinChannel).problem).toMatch(/unrecognized channel/);
  });

  test("CRDs of one set at different bundle versions, naming each", () => {
    const stage = bundleStage(gateway, crdsWith((_c, i) => ({ "gateway.networking.k8s.io/bundle-version": i === 0 ? "v1.5.1" : "v1.4.0" })), rule, pinChannel);
    expect(stage.problem).toMatch(/run different bundle versions \(backendtlspolicies\.gateway\.networking\.k8s\.io: v1\.5\.1, gatewayclasses\.gateway\.networking\.k8s\.io: v1\.4\.0/);
  });

  test("a bundle version that does not parse, or none", () => {
    expect(bundleStage(gateway, crdsWith(() => ({ "gateway.networking.k8s.io/bundle-version": "main" })), rule, pinChannel).problem).toMatch(/cannot read the running gateway\.networking\.k8s\.io\/bundle-version main as a version/);
    expect(bundleStage(gateway, crdsWith((_c, i) => (i === 2 ? { "gateway.networking.k8s.io/bundle-version": undefined } : {})), rule, pinChannel).problem).toMatch(/gateways\.gateway\.networking\.k8s\.io carries no gateway\.networking\.k8s\.io\/bundle-version/);
  });

  test("the rule's refusals hold for every set: a newer ServiceMonitor CRD than the pin is refused too", () => {
    const monitoring = setOf("prometheus-operator");
    const pin = parseMinor(monitoring.version);
    if (!pin) throw new Error("unreadable pin");
    const crds = [{ name: monitoring.provides[0], annotations: { [monitoring.versionAnnotation]: `${pin.major}.${pin.minor + 1}.0` } }];
    const [, stage] = bundleStages(repoRoot, plan.crdSets, crds, paths);
    expect(stage.what).toBe("CRD set prometheus-operator");
    expect(stage.problem).toMatch(/newer than the pin/);
  });
});

describe("npm run migration -- compare refuses the switch on a CRD bundle", () => {
  const capture = () => {
    const io = { outText: "", errText: "", out: (t: string) => void (io.outText += t), err: (t: string) => void (io.errText += t) };
    return io;
  };

  test("the fixture's v1.4.0 bundle prints its staged path; an experimental one is refused with the reason", async () => {
    const io = capture();
    expect(await main(["compare", "infra", "--inventory", FIXTURE], io, repoRoot)).toBe(1);
    expect(io.outText).toContain("CRD bundles (bootstrap/crds.yaml): running → pin");
    expect(io.outText).toMatch(/CRD set gateway-api: REFUSED: v1\.4\.0 → \S+ skips \d+ step\(s\)/);
    const list = parse(fixtureText) as { items: Array<{ kind: string; metadata: { annotations?: Record<string, string> } }> };
    for (const item of list.items) if (item.kind === "CustomResourceDefinition" && item.metadata.annotations) item.metadata.annotations[CHANNEL] = "experimental";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migration-crds-"));
    fs.writeFileSync(path.join(dir, "inv.yaml"), stringify(list));
    const experimental = capture();
    expect(await main(["compare", "infra", "--inventory", path.join(dir, "inv.yaml")], experimental, repoRoot)).toBe(1);
    expect(experimental.outText).toMatch(/CRD set gateway-api: REFUSED: the running CRDs are gateway\.networking\.k8s\.io\/channel=experimental/);
  }, 60_000);
});
