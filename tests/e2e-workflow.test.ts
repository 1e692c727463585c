/**
 * The end-to-end workflow (.github/workflows/e2e.yml) and its scripts: valid by actionlint
 * and shell-checked by construction, and true to the rules a job running pull-request code
 * against VMs must keep: no repository secret, read-only token, actions pinned by commit,
 * versions read from where they are pinned, downloads verified against committed checksums
 * (by the shared tools/ci/install-tools.sh),
 * diagnostics only on failure and a teardown that always runs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../harness";
import { lintWorkflow } from "../tools/workflows/actionlint";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Workflow {
  on: { pull_request?: { paths?: string[] }; schedule?: unknown[]; workflow_dispatch?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: unknown; env?: Record<string, string>; steps: Step[] }>;
}

const FILE = path.join(PROJECT_ROOT, ".github", "workflows", "e2e.yml");
const text = fs.readFileSync(FILE, "utf8");
const workflow = parse(text) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const scriptsDir = path.join(PROJECT_ROOT, "tools", "e2e");
const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));
const read = (file: string) => fs.readFileSync(path.join(scriptsDir, file), "utf8");
/** The shared installer under tools/ci/ the run uses (tests/install-tools.test.ts tests its behaviour). */
const SHARED_SCRIPTS = ["install-tools.sh", "artifacts.sh", "pin-checksums.sh"];
const codeLines = (source: string) =>
  source
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    // Trailing comments too (an action's version comment, a source citation).
    .map((l) => l.replace(/\s#\s.*$/, ""));

function stepNamed(pattern: RegExp): Step {
  const found = steps.find((s) => pattern.test(s.name ?? ""));
  if (!found) throw new Error(`no step named ${String(pattern)}`);
  return found;
}

function pins(): { talos: string; kubernetes: string } {
  const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: { versions: { value: { talos: string; kubernetes: string } } } };
  return project.config.versions.value;
}

describe("e2e workflow", () => {
  it("passes actionlint", async () => {
    expect(await lintWorkflow(text, ".github/workflows/e2e.yml")).toEqual([]);
  }, 60_000);

  it("runs nightly, on demand, and on pull requests that touch what the program deploys", () => {
    expect(workflow.on.schedule).toHaveLength(1);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    const paths = workflow.on.pull_request?.paths ?? [];
    for (const dir of ["components", "stacks", "talos", "bootstrap", "kubernetes", "sdks"]) expect(paths).toContain(`${dir}/**`);
  });

  it("gets a read-only token and no repository secret", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined();
    expect(text).not.toMatch(/secrets\./);
  });

  it("pins every action by commit, with its version as a comment, and keeps no git credentials", () => {
    const uses = text.split("\n").filter((l) => /^\s*(-\s*)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["persist-credentials"]).toBe(false);
  });

  it("collects diagnostics only on failure and always tears the VMs down, last", () => {
    expect(stepNamed(/diagnostics/i).if).toBe("failure()");
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.if).toBe("failure()");
    const teardown = steps[steps.length - 1];
    expect(teardown.if).toBe("always()");
    expect(teardown.run).toMatch(/talosctl\)" cluster destroy --force --name "\$E2E_CLUSTER" --state "\$E2E_STATE_DIR"/);
    expect(teardown.run).toMatch(/rm -rf "\$E2E_SECRETS"/);
  });

  it("syncs Flux to the commit it checked out", () => {
    const job = Object.values(workflow.jobs)[0];
    expect(job.env?.E2E_COMMIT).toBe("${{ github.event.pull_request.head.sha || github.sha }}");
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.ref).toBe("${{ github.event.pull_request.head.sha || github.sha }}");
    expect(job.env?.FLUX_REF).toContain("refs/pull/{0}/head");
    expect(read("run-program.sh")).toMatch(/config set [^\n]*k8s-gitops:flux\.ref "\$FLUX_REF"/);
    expect(read("wait-ready.sh")).toContain("@sha1:$E2E_COMMIT");
  });

  it("installs its four tools and the provider plugins with the shared fail-closed installer, and runs when the installer or its pins change", () => {
    const install = stepNamed(/install pinned tools/i);
    expect(install.run).toContain('bash tools/ci/install-tools.sh "$RUNNER_TEMP/bin" talosctl kubectl flux pulumi plugins');
    // The plugin list comes from the installed packages and sdks/talos, none is written here.
    expect(install.run).toContain('PULUMI_PLUGINS="$(npx ts-node --transpile-only tools/ci/plugins.ts)"');
    expect(install.run).toContain('echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"');
    // The versions it installs reach the job's env from the plan step before it (tools/ci/tool-versions.ts).
    expect(steps.indexOf(stepNamed(/plan from the e2e stack config/i))).toBeLessThan(steps.indexOf(install));
    const paths = workflow.on.pull_request?.paths ?? [];
    for (const file of ["tools/ci/install-tools.sh", "tools/ci/artifacts.sh", "tools/ci/plugins.ts", "tools/ci/tool-versions.ts", "tools/ci/checksums.txt"]) expect(paths).toContain(file);
  });

  it("runs its phases in order: first up, gates, the staged change watched, the patch upgrade watched, idempotence", () => {
    const phases = [
      stepNamed(/^pulumi up$/),
      stepNamed(/wait for talos, cilium/i),
      stepNamed(/day-2: bootstrapped, a staged change/i),
      stepNamed(/day-2: talos patch upgrade/i),
      stepNamed(/second pulumi up and preview change nothing/i),
    ];
    expect(phases.map((s) => s.run?.trim())).toEqual([
      expect.stringContaining("bash tools/e2e/run-program.sh"),
      "bash tools/e2e/wait-ready.sh",
      "bash tools/e2e/day2-phase.sh staged",
      "bash tools/e2e/day2-phase.sh upgrade",
      "bash tools/e2e/idempotence.sh",
    ]);
    const at = phases.map((p) => steps.indexOf(p));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Nothing but the diagnostics, the uploads and the teardown after the idempotence check.
    expect(steps.slice(at[4] + 1).every((s) => s.if === "failure()" || s.if === "always()")).toBe(true);
  });

  it("boots the VMs and runs the first up at the patch before the pin, and upgrades to the pin last", () => {
    const create = codeLines(read("create-cluster.sh")).join("\n");
    expect(create).toContain('--talos-version "$E2E_TALOS_INITIAL"');
    expect(create).not.toContain("$TALOS_VERSION");
    const run = codeLines(read("run-program.sh")).join("\n");
    // Every key of the versions object, from the cli (a stack value replaces the project's object whole).
    expect(run).toMatch(/versions="\$\(npx ts-node --transpile-only tools\/e2e\/cli\.ts initial-versions "\$E2E_STACK"\)"/);
    expect(run).toMatch(/config set --stack "\$E2E_STACK" --path "k8s-gitops:versions\.\$key" "\$value"/);
    expect(run.indexOf("initial-versions")).toBeLessThan(run.indexOf("pulumi up"));
  });

  it("day-2 phases: the config edit, the watcher beside the up, its verdict", () => {
    const phase = codeLines(read("day2-phase.sh")).join("\n");
    const staged = phase.slice(phase.indexOf("  staged)"), phase.indexOf("  upgrade)"));
    expect(staged).toContain("--path k8s-gitops:talos.bootstrapped true");
    expect(staged).toContain(`--path 'k8s-gitops:talos.udevRules[0]' "$staged_rule"`);
    expect(staged).toContain("expect=(reboot)");
    const upgrade = phase.slice(phase.indexOf("  upgrade)"), phase.indexOf("esac"));
    expect(upgrade).toContain('pulumi config rm --stack "$E2E_STACK" k8s-gitops:versions');
    expect(upgrade).toContain('expect=(upgrade "$TALOS_VERSION")');
    // The watcher starts and takes its first sample before the up, is stopped after it, and judges.
    const order = ['watch record "$samples" "$stop"', "gate \"the watcher's first sample\"", "pulumi up --stack", '\ntouch "$stop"\n', 'wait "$watcher"', 'watch verdict "$samples" "${expect[@]}"'];
    const positions = order.map((o) => phase.indexOf(o));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(phase).toMatch(/watch record [^\n]*&\nwatcher=\$!/);
    // A failed up, watcher or verdict fails the step.
    expect(phase).toContain("((up == 0)) ||");
    expect(phase).toContain("((recorded == 0)) ||");
    expect(phase).toMatch(/^set -euo pipefail$/m);
    // The staged rule is what every node runs afterwards.
    expect(phase).toMatch(/read "\$rules_file" \| grep -qxF "\$staged_rule"/);
  });

  it("keeps the watcher's samples as artifacts whatever the outcome", () => {
    const upload = stepNamed(/upload day-2 samples/i);
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(upload.if).toBe("always()");
    expect(upload.with?.path).toBe("${{ env.E2E_ARTIFACTS }}/day2-*/");
    expect(codeLines(read("day2-phase.sh")).join("\n")).toContain('out="$E2E_ARTIFACTS/day2-$phase"');
  });

  it("the watcher bounds every call and pauses only between samples of its bounded loop", () => {
    const watch = codeLines(fs.readFileSync(path.join(scriptsDir, "watch.ts"), "utf8")).join("\n");
    expect(watch.match(/\bdelay\(/g)).toHaveLength(1);
    expect(watch).not.toMatch(/\bsetTimeout\(|\bsetInterval\(|execSync|Atomics\.wait/);
    const loop = watch.slice(watch.indexOf("export async function record"), watch.indexOf("export function readSamples"));
    expect(loop).toMatch(/const deadline = now\(\) \+ options\.deadlineMs;[\s\S]*if \(now\(\) >= deadline\)[\s\S]*return 1;[\s\S]*await delay\(options\.intervalMs\)/);
    // Every talosctl call goes through talos(), which passes the call timeout; kubectl gets its own.
    expect(watch).toMatch(/ctx\.talosctl\(args, [^\n]*\{ timeoutMs: ctx\.callTimeoutMs \}\)/);
    expect(watch.match(/ctx\.talosctl\(/g)).toHaveLength(1);
    expect(watch).toMatch(/ctx\.kubectl\([\s\S]*?\{ timeoutMs: ctx\.callTimeoutMs \+ 2_000 \}/);
  });

  it("requires no change from a second up and a preview", () => {
    const idempotence = codeLines(read("idempotence.sh")).join("\n");
    expect(idempotence).toMatch(/pulumi up [^\n]*--expect-no-changes/);
    expect(idempotence).toMatch(/pulumi preview [^\n]*--expect-no-changes/);
  });
});

describe("e2e scripts", () => {
  it("repeat no pinned version: versions come from Pulumi.yaml, .pulumi.version and versions.env", () => {
    const { talos, kubernetes } = pins();
    const sharedScripts = SHARED_SCRIPTS.map((f) => fs.readFileSync(path.join(PROJECT_ROOT, "tools", "ci", f), "utf8"));
    for (const source of [text, ...scripts.map(read), ...sharedScripts]) {
      const code = codeLines(source).join("\n");
      expect(code).not.toContain(talos);
      expect(code).not.toContain(kubernetes);
      expect(code).not.toMatch(/\bv?\d+\.\d+\.\d+\b/);
    }
  });

  it("keep the one version they pin where Renovate finds and bumps it", () => {
    const env = read("versions.env");
    const pinned = /^FLUX_CLI_VERSION=(.+)$/m.exec(env)?.[1];
    expect(pinned).toBeDefined();
    const renovate = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "renovate.json"), "utf8")) as {
      customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
    };
    const manager = renovate.customManagers.find((m) => m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test("tools/e2e/versions.env")));
    const found = [...env.matchAll(new RegExp(manager?.matchStrings[0] ?? "^$", "g"))].map((m) => ({ ...m.groups }));
    expect(found).toEqual([{ datasource: "github-releases", depName: "fluxcd/flux2", extractVersion: "^v(?<version>.+)$", currentValue: pinned }]);
  });

  it("pin the flux CLI to the Flux minor the FluxInstance runs", () => {
    const cli = /^FLUX_CLI_VERSION=(\d+)\.(\d+)\.\d+$/m.exec(read("versions.env"));
    const release = parse(fs.readFileSync(path.join(PROJECT_ROOT, "kubernetes/infrastructure/flux-system/flux-instance/app/helmrelease.yaml"), "utf8")) as {
      spec: { values: { instance: { distribution: { version: string } } } };
    };
    const distribution = /^(\d+)\.(\d+)\.x$/.exec(release.spec.values.instance.distribution.version);
    expect(cli).not.toBeNull();
    expect(distribution).not.toBeNull();
    expect(cli?.slice(1, 3)).toEqual(distribution?.slice(1, 3));
  });

  it("wait on conditions: the only pause is the poll interval inside the bounded gate", () => {
    for (const file of scripts.filter((f) => f !== "lib.sh")) expect(codeLines(read(file)).join("\n")).not.toMatch(/\bsleep\b/);
    // A list produced in a process substitution could fail unseen and leave nothing to wait for.
    for (const file of scripts) expect(codeLines(read(file)).join("\n")).not.toContain("< <(");
    expect(codeLines(read("lib.sh")).join("\n")).toMatch(/deadline=\$\(\(SECONDS \+ limit\)\)[\s\S]*timeout [\s\S]*sleep "\$interval"/);
  });

  it("gate: passes once the condition holds, fails naming it when the deadline passes", () => {
    const gate = (condition: string) =>
      spawnSync("bash", ["-c", `source "${path.join(scriptsDir, "lib.sh")}"; gate "the condition" 1 1 ${condition}`], { encoding: "utf8" });
    const passed = gate("true");
    expect(passed.status).toBe(0);
    expect(passed.stdout).toContain("ok: the condition");
    const failed = gate("false");
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("::error title=e2e gate::the condition: not reached within 1s");
  });

  it("collect diagnostics without failing, even when the run failed before its plan", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-diag-"));
    const run = spawnSync("bash", [path.join(scriptsDir, "collect-diagnostics.sh"), out], { env: { PATH: process.env.PATH }, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(fs.readdirSync(out)).toEqual(["README.txt"]);
  });

  it("never copy credentials or state into the uploaded diagnostics", () => {
    const collect = codeLines(read("collect-diagnostics.sh")).join("\n");
    expect(collect).not.toMatch(/cp[^\n]*(kubeconfig|talosconfig|pulumi-state)/);
    expect(collect).not.toMatch(/--show-secrets/);
    const run = codeLines(read("run-program.sh")).join("\n");
    // Credentials are written under E2E_SECRETS only, never into the artifacts folder.
    for (const line of run.split("\n").filter((l) => l.includes("--show-secrets"))) expect(line).toMatch(/>"\$E2E_SECRETS\//);
  });
});
