/**
 * No replacement leaves a twin: every input that makes the provider replace a 1Password
 * item or the Cloudflare tunnel is changed in turn, and the engine's plan from one run to
 * the next (tests/helpers/engine-plan.ts) leaves exactly one object per unique name and
 * fails no step. What the program keeps constant (item category, tunnel config source) is
 * shown constant, and the plan shows what changing it would do.
 */
import { ofType, readProjectConfig, PROJECT_ROOT, runProgram, RunResult } from "../harness";
import { ITEM_CATEGORY } from "../components/onepassword/items";
import { TUNNEL_CONFIG_SRC } from "../components/cloudflare/edge";
import { enginePlan, REPLACE_ON_CHANGES, twins, uniqueKey } from "./helpers/engine-plan";
import { generatingPki } from "./helpers/generated-pki";

const STACK = "infra";
const ITEM = "onepassword:index/item:Item";
const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared";
const { clusterVault, talosVault } = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:onepassword"] as { clusterVault: string; talosVault: string };

let base: RunResult;
beforeAll(async () => {
  base = await runProgram({ stack: STACK, ...generatingPki(STACK) });
  expect(base.error).toBeUndefined();
});

/** The base run with one config change, as the next `up` of the same stack. */
async function changed(config: Record<string, unknown>): Promise<RunResult> {
  const result = await runProgram({ stack: STACK, ...generatingPki(STACK, config) });
  expect(result.error).toBeUndefined();
  return result;
}

it("covers every property the providers replace an item or a tunnel on", () => {
  expect(REPLACE_ON_CHANGES[ITEM]).toEqual(["vault", "category"]);
  expect(REPLACE_ON_CHANGES[TUNNEL]).toEqual(["accountId", "configSrc"]);
});

describe("inputs that come from config", () => {
  it("onepassword.clusterVault: each item is replaced into the new vault, the old one retained in the old: one per vault and title", async () => {
    const next = await changed({ "k8s-gitops:onepassword.clusterVault": `${clusterVault}-moved` });
    const plan = enginePlan(base.resources, next.resources);
    const replaced = plan.steps.filter((s) => s.op === "replace");
    expect(replaced.length).toBe(ofType(base, ITEM).filter((r) => r.parent?.includes("ClusterSecrets")).length);
    for (const step of replaced) expect([step.type, step.because, step.retained]).toEqual([ITEM, ["vault"], true]);
    expect(plan.errors).toEqual([]);
    expect(twins(plan)).toEqual([]);
    for (const item of ofType(next, ITEM)) expect(plan.world[uniqueKey(item) as string]).toBe(1);
  });

  it("onepassword.talosVault: the PKI backup is replaced into the new vault, the old one kept", async () => {
    const next = await changed({ "k8s-gitops:onepassword.talosVault": `${talosVault}-moved` });
    const plan = enginePlan(base.resources, next.resources);
    expect(plan.steps.filter((s) => s.op === "replace").map((s) => [s.name, s.because])).toEqual([["talos-pki", ["vault"]]]);
    expect([plan.errors, twins(plan)]).toEqual([[], []]);
  });

  it("cloudflare.accountId: the tunnel is created in the new account before the old is let go (retained there), no step fails", async () => {
    const next = await changed({ "k8s-gitops:cloudflare.accountId": "fedcba9876543210fedcba9876543210" });
    const plan = enginePlan(base.resources, next.resources);
    expect(plan.steps.filter((s) => s.type === TUNNEL)).toEqual([{ type: TUNNEL, name: "tunnel", op: "replace", because: ["accountId"], retained: true }]);
    expect([plan.errors, twins(plan)]).toEqual([[], []]);
  });
});

describe("inputs the program keeps constant", () => {
  it("an item's category and the tunnel's config source do not follow config", async () => {
    const other = await changed({ "k8s-gitops:onepassword.clusterVault": `${clusterVault}-moved`, "k8s-gitops:cloudflare.accountId": "fedcba9876543210fedcba9876543210" });
    for (const run of [base, other]) {
      for (const item of ofType(run, ITEM)) expect(item.inputs.category).toBe(ITEM_CATEGORY);
      for (const tunnel of ofType(run, TUNNEL)) expect(tunnel.inputs.configSrc).toBe(TUNNEL_CONFIG_SRC);
    }
  });

  it("were one changed, the retained item would be twinned and the tunnel's replacement would fail: why they are constants", () => {
    const next = base.resources.map((r) =>
      r.type === ITEM ? { ...r, inputs: { ...r.inputs, category: "login" } } : r.type === TUNNEL ? { ...r, inputs: { ...r.inputs, configSrc: "local" } } : r,
    );
    const plan = enginePlan(base.resources, next);
    expect(twins(plan).length).toBe(ofType(base, ITEM).length);
    expect(plan.errors).toEqual([expect.stringContaining("create tunnel: tunnel")]);
    // The pair the program used to set (delete-first and retained) twins the item just the same.
    const deleteFirst = next.map((r) => (r.type === ITEM ? { ...r, options: { ...r.options, deleteBeforeReplace: true } } : r));
    expect(twins(enginePlan(base.resources, deleteFirst)).length).toBe(ofType(base, ITEM).length);
  });
});

describe("URNs", () => {
  it("a re-run registers every item and the tunnel under the same URN: no delete and create of one name", async () => {
    const again = await changed({});
    const plan = enginePlan(base.resources, again.resources);
    expect(plan.steps.filter((s) => (s.type === ITEM || s.type === TUNNEL) && s.op !== "same")).toEqual([]);
  });
});
