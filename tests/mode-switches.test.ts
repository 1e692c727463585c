/**
 * Mode switches that finish: from one mode's run (taken as the state, its outputs as the
 * record the next run reads) to the other mode's, the engine's plan
 * (tests/helpers/engine-plan.ts) fails no step, and what must stay stays (retained). The
 * config check explains each switch before anything runs; a state from the program that
 * still protected these resources is refused with the run that clears it; only a PKI the
 * state holds alone needs a person to unprotect it.
 */
import { asStackReference, ofType, ORGANIZATION, readProjectConfig, PROJECT_ROOT, runProgram, RunResult, StackReferenceState } from "../harness";
import { enginePlan, twins, uniqueKey } from "./helpers/engine-plan";
import { generatingPki } from "./helpers/generated-pki";

const STACK = "infra";
const SELF = `${ORGANIZATION}/k8s-gitops/${STACK}`;
const ITEM = "onepassword:index/item:Item";
const SECRETS = "talos:machine/secrets:Secrets";
const { talosItem } = readProjectConfig(PROJECT_ROOT, STACK).values["k8s-gitops:onepassword"] as { talosItem: string };
const OFF_1PASSWORD = { "k8s-gitops:onepassword.enabled": false, "k8s-gitops:talos.pki": "generate" };

/** The previous run as the next one reads it; `lifecycle` edited by `edit`. */
function after(previous: RunResult, edit: (l: Record<string, unknown>) => Record<string, unknown> = (l) => l): Record<string, StackReferenceState> {
  const state = asStackReference(previous);
  return { [SELF]: { ...state, outputs: { ...state.outputs, lifecycle: edit({ ...(state.outputs.lifecycle as Record<string, unknown>) }) } } };
}
/** A record as the program before LIFECYCLE_REVISION wrote it. */
const olderProgram = (l: Record<string, unknown>) => {
  const rest = { ...l };
  delete rest.revision;
  return rest;
};

let generated: RunResult;
beforeAll(async () => {
  generated = await runProgram({ stack: STACK, ...generatingPki(STACK) });
  expect(generated.error).toBeUndefined();
});

describe("talos.pki generate -> adopt (confirmed)", () => {
  it("ends green: the Secrets leave the state, the backup item stays in 1Password as the one item of its title", async () => {
    // The backup is now the item adopt reads (the mock answers its title with the PKI).
    const adopted = await runProgram({ stack: STACK, config: { "k8s-gitops:talos.confirmPkiSwitch": true }, stackReferences: after(generated) });
    expect(adopted.error).toBeUndefined();
    expect(adopted.warnings).toContainEqual(expect.stringContaining(`talos.pki generate -> adopt: the generated PKI's Secrets resource leaves the state, and its backup item "${talosItem}" stays in 1Password`));
    const plan = enginePlan(generated.resources, adopted.resources);
    expect(plan.errors).toEqual([]);
    const deleted = plan.steps.filter((s) => s.op === "delete" && (s.type === SECRETS || s.type === ITEM));
    expect(deleted.map((s) => [s.name, s.retained]).sort()).toEqual([["machine-secrets", true], ["talos-pki", true]]);
    const backup = ofType(generated, ITEM).find((r) => r.name === "talos-pki");
    expect(plan.world[uniqueKey(backup as NonNullable<typeof backup>) as string]).toBe(1);
    expect(twins(plan)).toEqual([]);
  });

  it("after the program that protected the Secrets: refused before anything runs, naming the run that clears it", async () => {
    const result = await runProgram({ stack: STACK, config: { "k8s-gitops:talos.confirmPkiSwitch": true }, stackReferences: after(generated, olderProgram) });
    expect(result.error?.message).toContain("k8s-gitops:talos.pki: is adopt, but the generated PKI's Secrets resource is still protected by the program that last ran this stack; run `pulumi up` once with this setting unchanged first");
    expect(result.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"))).toEqual([]);
  });

  it("a PKI that only the state held (1Password was off): protected, so a person decides; the preview names the unprotect", async () => {
    const alone = await runProgram({ stack: STACK, config: OFF_1PASSWORD });
    expect(alone.error).toBeUndefined();
    expect(ofType(alone, SECRETS)[0].options.protect).toBe(true);
    const adopted = await runProgram({ stack: STACK, config: { "k8s-gitops:talos.confirmPkiSwitch": true }, stackReferences: after(alone) });
    const urn = ofType(alone, SECRETS)[0].urn;
    expect(adopted.warnings).toContainEqual(expect.stringContaining(`\`pulumi state unprotect '${urn}'\``));
    expect(enginePlan(alone.resources, adopted.resources).errors).toEqual([expect.stringContaining("machine-secrets: the resource is protected")]);
    // Once unprotected, the same switch ends green.
    const unprotected = alone.resources.map((r) => (r.urn === urn ? { ...r, options: { ...r.options, protect: false } } : r));
    expect(enginePlan(unprotected, adopted.resources).errors).toEqual([]);
  });
});

describe("1Password off (generate mode)", () => {
  it("ends green: every item leaves the program and stays in 1Password; the Secrets become the protected only copy", async () => {
    const off = await runProgram({ stack: STACK, config: OFF_1PASSWORD, stackReferences: after(generated) });
    expect(off.error).toBeUndefined();
    expect(off.warnings).toContainEqual(expect.stringContaining("1Password off: the items this stack wrote"));
    const plan = enginePlan(generated.resources, off.resources);
    expect(plan.errors).toEqual([]);
    const items = plan.steps.filter((s) => s.type === ITEM);
    expect(items.length).toBe(ofType(generated, ITEM).length);
    for (const step of items) expect([step.op, step.retained]).toEqual(["delete", true]);
    for (const item of ofType(generated, ITEM)) expect(plan.world[uniqueKey(item) as string]).toBe(1);
    expect(ofType(off, SECRETS)[0].options.protect).toBe(true);
  });

  it("after the program that protected the backup: refused before anything runs", async () => {
    const result = await runProgram({ stack: STACK, config: OFF_1PASSWORD, stackReferences: after(generated, olderProgram) });
    expect(result.error?.message).toContain("k8s-gitops:onepassword.enabled: is false, but the generated PKI's backup item is still protected");
  });
});

describe("ClusterMesh off", () => {
  let meshed: RunResult;
  beforeAll(async () => {
    meshed = await runProgram({ stack: STACK });
    expect(meshed.outputs.clustermesh).toBeDefined();
  });

  it("ends green: the CA key and certificate leave the state, explained in the preview", async () => {
    const off = await runProgram({ stack: STACK, config: { "k8s-gitops:clustermesh.enabled": false }, stackReferences: after(meshed), onepasswordTags: {} });
    expect(off.error).toBeUndefined();
    expect(off.warnings).toContainEqual(expect.stringContaining("clustermesh off: this cluster's mesh CA (key and certificate) leaves the state"));
    const plan = enginePlan(meshed.resources, off.resources);
    expect(plan.errors).toEqual([]);
    expect(plan.steps.filter((s) => s.op === "delete" && s.type.startsWith("tls:")).map((s) => s.name).sort()).toEqual(["clustermesh-ca", "clustermesh-ca-key"]);
  });

  it("after the program that protected the key: refused before anything runs", async () => {
    const result = await runProgram({ stack: STACK, config: { "k8s-gitops:clustermesh.enabled": false }, stackReferences: after(meshed, olderProgram) });
    expect(result.error?.message).toContain("k8s-gitops:clustermesh.enabled: is false, but the mesh CA key is still protected");
  });
});
