/**
 * The GitHub workflows: valid by actionlint, and true to the project's rules: pull
 * requests are checked, rendered and previewed; nothing applies to a cluster unless an
 * operator starts it by hand; previews without the repository's secrets skip with a notice.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT, deployedStacks } from "../harness";
import { lintWorkflow, lintWorkflows, workflowFiles } from "../tools/workflows/actionlint";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  if?: string;
  "runs-on"?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = new Map(workflowFiles(PROJECT_ROOT).map((file) => [path.basename(file), parse(fs.readFileSync(file, "utf8")) as Workflow]));

function workflow(name: string): Workflow {
  const found = workflows.get(name);
  if (!found) throw new Error(`no .github/workflows/${name}`);
  return found;
}

const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
/** Steps that run the Pulumi CLI with credentials: through tools/ci/pulumi-oidc.mjs, the one holder of the Pulumi token. */
const PULUMI_RUN = /node tools\/ci\/pulumi-oidc\.mjs [^\n]*--team "\$PULUMI_TEAM"[\s\S]*?-- (\w+) --stack "\$PULUMI_ORG\/k8s-gitops\/\$STACK"/;
const pulumiSteps = (w: Workflow) => steps(w).filter((s) => PULUMI_RUN.test(s.run ?? "") || s.uses?.startsWith("pulumi/actions@"));
const pulumiCommand = (step: Step) => PULUMI_RUN.exec(step.run ?? "")?.[1];

/** Node LTS lines under support (Node 20 left support in April 2026). */
const SUPPORTED_NODE_LTS = [22, 24];
/**
 * The trust model (docs/delivery.md "Trust model"; README "Workflows and tokens" says what
 * each credential can reach). Credentials are environment secrets and the Pulumi team
 * tokens minted by OIDC; each environment holds its own. Reading the stacks' state (stack
 * "read") decrypts their secrets, and the preview's 1Password token reads the Talos PKI, so
 * even the preview set yields cluster admin: only an approved job may hold any of it.
 */
const CREDENTIALS: Record<string, { secrets: string[]; team: string }> = {
  preview: { secrets: ["CLOUDFLARE_API_TOKEN", "OP_CONNECT_TOKEN"], team: "PULUMI_PREVIEW_TEAM" },
  "${{ inputs.stack }}": { secrets: ["CLOUDFLARE_API_TOKEN", "OP_CONNECT_TOKEN"], team: "PULUMI_DEPLOY_TEAM" },
};
/** Environments whose jobs may run pull-request code once a reviewer approved. */
const PULL_REQUEST_ENVIRONMENTS = ["preview"];
/** The guard that fails a credentialed job whose environment lost its required reviewers. */
const REVIEWER_GUARD = /node tools\/ci\/require-reviewers\.mjs (preview|"\$STACK")\n\s*bash tools\/ci\/runner-guard\.sh (preview|up)/;

/** Does the workflow run code that a pull request or a pushed branch other than main chose? */
function runsBranchCode(w: Workflow): boolean {
  if ("pull_request" in w.on || "pull_request_target" in w.on) return true;
  const push = w.on.push as { branches?: string[] } | null | undefined;
  return "push" in w.on && !(push?.branches && push.branches.every((b) => b === "main"));
}

/** Does the job hold a credential: a secret, or an OIDC token it can exchange for one? */
const credentialed = (job: Job) => secretsUsed(job).length > 0 || job.permissions?.["id-token"] === "write";

/** Names of the secrets a job's text refers to. */
function secretsUsed(job: Job): string[] {
  return [...new Set([...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))].sort();
}

describe("workflow files", () => {
  it("pass actionlint", async () => {
    expect([...workflows.keys()]).toEqual(expect.arrayContaining(["ci.yml", "preview.yml", "up.yml"]));
    expect(await lintWorkflows(PROJECT_ROOT)).toEqual([]);
  });

  it("are checked by a linter that does report problems", async () => {
    const broken = [
      "on: pull_request",
      "permisions: {}",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-24.04",
      "    steps:",
      "      - if: ${{ secrets.TOKEN != '' }}",
      "        run: echo ${{ github.nonexistent }}",
    ].join("\n");
    const problems = await lintWorkflow(broken, ".github/workflows/broken.yml");
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/unexpected key "permisions"/), expect.stringMatching(/context "secrets" is not allowed here/)]),
    );
  });

  it("pin every action to a full commit SHA with its version in a comment", () => {
    for (const file of workflowFiles(PROJECT_ROOT)) {
      const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect({ file: path.basename(file), line, pinned: /uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(line.trim()) }).toEqual({
          file: path.basename(file),
          line,
          pinned: true,
        });
      }
    }
  });

  it("never leave the checkout's token in the workspace", () => {
    for (const [name, w] of workflows) {
      for (const step of steps(w).filter((s) => s.uses?.startsWith("actions/checkout@"))) {
        expect({ name, persist: step.with?.["persist-credentials"] }).toEqual({ name, persist: false });
      }
    }
  });

  it("run a supported Node LTS", () => {
    for (const [name, w] of workflows) {
      for (const step of steps(w).filter((s) => s.uses?.startsWith("actions/setup-node@"))) {
        expect({ name, node: SUPPORTED_NODE_LTS.includes(Number(step.with?.["node-version"])) }).toEqual({ name, node: true });
      }
    }
  });

  it("run a Node the package's engines allow, and engines ask at least what every direct dependency needs", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { engines: { node: string }; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(floor).not.toBeNull();
    const engineMajor = Number(floor?.[1]);
    for (const [name, w] of workflows) {
      for (const step of steps(w).filter((s) => s.uses?.startsWith("actions/setup-node@"))) expect({ name, ok: Number(step.with?.["node-version"]) >= engineMajor }).toEqual({ name, ok: true });
    }
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      const engines = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", dep, "package.json"), "utf8")) as { engines?: { node?: string } }).engines?.node ?? "";
      // Only the simple `>=N` form states a hard floor; ranges like `^20.17.0 || >=22.9.0` admit the engines floor.
      const min = /^>=\s*(\d+)(\.\d+)*$/.exec(engines.trim());
      if (min) expect({ dep, engines, covered: engineMajor >= Number(min[1]) }).toEqual({ dep, engines, covered: true });
    }
  });

  it("give no credential to a job that runs pull-request or branch code, unless a reviewer's approval gates it", () => {
    let gated = 0;
    for (const [name, w] of workflows) {
      expect({ name, pull_request_target: "pull_request_target" in w.on }).toEqual({ name, pull_request_target: false });
      if (!runsBranchCode(w)) continue;
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (!credentialed(job)) continue;
        gated++;
        // The environment's required reviewers hold the job; its first code is the guard that refuses an environment without them.
        expect({ name, jobName, environment: job.environment, gated: PULL_REQUEST_ENVIRONMENTS.includes(job.environment ?? "") }).toEqual({ name, jobName, environment: job.environment, gated: true });
        const firstRun = job.steps.findIndex((st) => st.run !== undefined);
        expect({ name, jobName, guard: job.steps[firstRun]?.run }).toEqual({ name, jobName, guard: expect.stringMatching(REVIEWER_GUARD) });
        expect(job.steps.slice(0, firstRun).every((st) => st.uses?.startsWith("actions/checkout@"))).toBe(true);
        // Only that environment's credentials, never up's.
        const allowed = CREDENTIALS[job.environment ?? ""];
        expect(secretsUsed(job).filter((x) => !allowed.secrets.includes(x))).toEqual([]);
        expect(JSON.stringify(job)).not.toMatch(/PULUMI_DEPLOY_TEAM/);
      }
    }
    expect(gated).toBeGreaterThan(0);
  });

  it("give jobs that run pull-request or branch code without approval no secret and no OIDC token", () => {
    for (const [name, w] of workflows) {
      if (!runsBranchCode(w)) continue;
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (job.environment !== undefined) continue;
        expect({ name, jobName, secrets: secretsUsed(job), idToken: job.permissions?.["id-token"] }).toEqual({ name, jobName, secrets: [], idToken: undefined });
        // ... and a GitHub-hosted runner: a fresh VM, reachable by nothing that runs later.
        expect({ name, jobName, runsOn: job["runs-on"] }).toEqual({ name, jobName, runsOn: expect.stringMatching(/^ubuntu-\d+\.\d+$/) });
      }
    }
  });

  it("hold the write credentials only in the stacks' environments, reachable by hand from main alone", () => {
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (!JSON.stringify(job).includes("PULUMI_DEPLOY_TEAM")) continue;
        expect({ name, jobName, environment: job.environment, on: Object.keys(w.on), if: job.if }).toEqual({
          name,
          jobName,
          environment: "${{ inputs.stack }}",
          on: ["workflow_dispatch"],
          if: "github.ref == 'refs/heads/main'",
        });
        expect(job.steps.find((st) => st.run !== undefined)?.run).toMatch(REVIEWER_GUARD);
      }
    }
  });

  it("keep write secrets out of the repository level: every secret sits in a job with an environment", () => {
    for (const [name, w] of workflows) {
      expect({ name, workflowEnv: JSON.stringify((w as { env?: unknown }).env ?? {}).includes("secrets.") }).toEqual({ name, workflowEnv: false });
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (secretsUsed(job).length > 0) expect({ name, jobName, environment: typeof job.environment }).toEqual({ name, jobName, environment: "string" });
      }
    }
  });

  it("hand secrets only to the step that runs Pulumi, never to a job's env or to npm", () => {
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        expect({ name, jobName, jobEnv: JSON.stringify(job.env ?? {}) }).toEqual({ name, jobName, jobEnv: expect.not.stringMatching(/secrets\.|PULUMI_ACCESS_TOKEN/) });
        for (const step of job.steps) {
          if (/secrets\./.test(JSON.stringify(step))) expect({ name, jobName, run: step.run }).toEqual({ name, jobName, run: expect.stringMatching(PULUMI_RUN) });
          if (credentialed(job) && step.run && /\bnpm (ci|install|i)\b/.test(step.run)) {
            expect({ name, jobName, run: step.run }).toEqual({ name, jobName, run: expect.stringContaining("--ignore-scripts") });
          }
        }
      }
    }
  });

  it("give the Pulumi token to the one process that needs it: no pulumi/auth-actions, no PULUMI_ACCESS_TOKEN in any env", () => {
    // pulumi/auth-actions v2.1.0 exports the token to every later step whatever export-environment-variables says
    // (src/main.ts: `core.getBooleanInput('export-environment-variables') || true`).
    for (const [name, w] of workflows) {
      expect({ name, authActions: steps(w).some((st) => st.uses?.startsWith("pulumi/auth-actions@")) }).toEqual({ name, authActions: false });
      expect({ name, token: JSON.stringify(w).includes("PULUMI_ACCESS_TOKEN") }).toEqual({ name, token: false });
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (job.permissions?.["id-token"] !== "write") continue;
        // The OIDC exchange happens inside the Pulumi step; nothing else in the job names a team.
        const teamSteps = job.steps.filter((st) => /PULUMI_(PREVIEW|DEPLOY)_TEAM/.test(JSON.stringify(st)));
        expect({ name, jobName, teamSteps: teamSteps.map((st) => st.name) }).toEqual({ name, jobName, teamSteps: [expect.stringMatching(/^pulumi (preview|up)$/)] });
        expect(teamSteps[0].run).toMatch(PULUMI_RUN);
      }
    }
  });

  it("give the workflow token to every Pulumi run, for any github:// plugin download", () => {
    for (const [name, w] of workflows) {
      for (const step of pulumiSteps(w)) expect({ name, token: step.env?.GITHUB_TOKEN }).toEqual({ name, token: "${{ github.token }}" });
    }
  });

  it("run Pulumi only after installing the pinned CLI and every provider plugin, verified, and restore no cache where credentials are", () => {
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        const run = job.steps.findIndex((st) => PULUMI_RUN.test(st.run ?? ""));
        if (run < 0) continue;
        const install = job.steps.findIndex((st) => /bash tools\/ci\/install-tools\.sh "\$RUNNER_TEMP\/bin" pulumi plugins\b/.test(st.run ?? ""));
        expect({ name, jobName, installBeforeRun: install >= 0 && install < run }).toEqual({ name, jobName, installBeforeRun: true });
        expect(job.steps[install].run).toContain('tools/ci/tool-versions.ts "$STACK"');
        for (const st of job.steps.filter((x) => x.uses?.startsWith("actions/setup-node@"))) expect({ name, jobName, cache: st.with?.cache }).toEqual({ name, jobName, cache: undefined });
        expect({ name, jobName, cache: job.steps.some((x) => x.uses?.startsWith("actions/cache")) }).toEqual({ name, jobName, cache: false });
      }
    }
  });

  it("declare their token permissions, read-only unless a job needs more", () => {
    for (const [name, w] of workflows) expect({ name, permissions: w.permissions }).toEqual({ name, permissions: { contents: "read" } });
    // Write access to the repository only where the pins are proposed, and never with a secret.
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (job.permissions?.contents !== "write") continue;
        expect({ name, jobName, secrets: secretsUsed(job) }).toEqual({ name: "checksums.yml", jobName: "pin", secrets: [] });
      }
    }
  });

  it("mint an OIDC token only in jobs behind an environment", () => {
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (job.permissions?.["id-token"] === "write") expect({ name, jobName, environment: typeof job.environment }).toEqual({ name, jobName, environment: "string" });
      }
    }
  });

  it("never change a cluster from an automatic trigger", () => {
    for (const [name, w] of workflows) {
      const automatic = Object.keys(w.on).some((event) => event !== "workflow_dispatch");
      if (!automatic) continue;
      for (const step of pulumiSteps(w)) expect({ name, command: pulumiCommand(step) }).toEqual({ name, command: "preview" });
      for (const step of steps(w)) expect({ name, run: step.run ?? "" }).not.toEqual({ name, run: expect.stringMatching(/(pulumi|--)\s+(up|destroy|refresh|import|state)\b/) });
    }
  });
});

describe("ci workflow", () => {
  const ci = workflow("ci.yml");

  it("installs, typechecks, lints and tests every pull request and every push to main", () => {
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(ci.on.push).toEqual({ branches: ["main"] });
    const runs = ci.jobs.test.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(["npm ci", "node tools/ci/fetch-schemas.mjs", "npm run typecheck", "npm run lint", "npm run lint:workflows", "npm test"]);
    // Schema tests fail rather than skip on GitHub: the fetch step filled the cache.
    expect(ci.jobs.test.steps.find((s) => s.run === "npm test")?.env).toEqual({ K8S_GITOPS_REQUIRE_SCHEMAS: "1" });
  });

  it("renders every stack on the pull request and on its base and publishes the difference", () => {
    const job = ci.jobs["render-diff"];
    expect(job.if).toBe("github.event_name == 'pull_request'");
    const base = job.steps.find((s) => s.with?.ref !== undefined);
    expect(base?.with).toEqual({ ref: "${{ github.event.pull_request.base.sha }}", path: "base", "persist-credentials": false });
    const script = job.steps.map((s) => s.run ?? "").join("\n");
    expect(script).toContain('bash tools/ci/render-all.sh "$GITHUB_WORKSPACE/rendered/head"');
    expect(script).toContain('"$GITHUB_WORKSPACE/head/tools/ci/render-all.sh" "$GITHUB_WORKSPACE/rendered/base"');
    expect(script).toContain("bash head/tools/ci/render-diff-summary.sh rendered/base rendered/head");
  });
});

describe("preview workflow", () => {
  const preview = workflow("preview.yml");

  it("previews every stack of a pull request once the preview environment's reviewers approve, with the preview team's token", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    const job = preview.jobs.preview;
    expect(job.environment).toBe("preview");
    expect(job.permissions).toEqual({ contents: "read", actions: "read", "pull-requests": "write", "id-token": "write" });
    expect(job.strategy?.matrix).toEqual({ stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" });
    expect(pulumiSteps(preview)).toHaveLength(1);
    const step = pulumiSteps(preview)[0];
    expect(pulumiCommand(step)).toBe("preview");
    expect(step.env).toMatchObject({ STACK: "${{ matrix.stack }}", PULUMI_ORG: "${{ vars.PULUMI_ORG }}", PULUMI_TEAM: "${{ vars.PULUMI_PREVIEW_TEAM }}" });
    expect(secretsUsed(job)).toEqual(["CLOUDFLARE_API_TOKEN", "OP_CONNECT_TOKEN"]);
    expect(job.steps.find((st) => /require-reviewers/.test(st.run ?? ""))?.run).toMatch(/require-reviewers\.mjs preview\n/);
  });

  it("comments each stack's preview on the pull request, explaining the hand-off deletes, even when the preview fails", () => {
    const job = preview.jobs.preview;
    const at = job.steps.findIndex((st) => /preview-comment\.mjs/.test(st.run ?? ""));
    const comment = job.steps[at];
    expect(at).toBe(job.steps.length - 1);
    expect(comment.if).toBe("always() && steps.preview.outcome != 'skipped'");
    expect(comment.run).toBe('node tools/ci/preview-comment.mjs --stack "$STACK" --log "$RUNNER_TEMP/preview.log" --outcome "$OUTCOME" --post');
    expect(comment.env).toEqual({ STACK: "${{ matrix.stack }}", OUTCOME: "${{ steps.preview.outcome }}", PR_NUMBER: "${{ github.event.pull_request.number }}", GITHUB_TOKEN: "${{ github.token }}" });
    expect(pulumiSteps(preview)[0].run).toContain('--log "$RUNNER_TEMP/preview.log"');
    expect(pulumiSteps(preview)[0].id).toBe("preview");
  });

  it("skips pull requests from forks with a notice in the job summary", () => {
    expect(preview.jobs.preview.if).toBe("needs.stacks.outputs.enabled == 'true'");
    const origin = preview.jobs.stacks.steps.find((s) => s.id === "origin");
    expect(secretsUsed(preview.jobs.stacks)).toEqual([]);
    expect(origin?.env).toEqual({ HEAD_REPOSITORY: "${{ github.event.pull_request.head.repo.full_name }}" });
    expect(origin?.run).toMatch(/enabled=false[\s\S]*::notice title=pulumi preview skipped::[\s\S]*>> "\$GITHUB_STEP_SUMMARY"/);
  });

  it("takes its stacks from the stack files, less the CI-only ones", () => {
    const listed = JSON.parse(execFileSync("bash", [path.join(PROJECT_ROOT, "tools", "ci", "stacks.sh")], { cwd: PROJECT_ROOT, encoding: "utf8" })) as string[];
    expect(listed).toEqual(deployedStacks(PROJECT_ROOT));
  });
});

describe("up workflow", () => {
  const up = workflow("up.yml");

  it("runs only by hand, from main, for one stack chosen from every stack, behind that stack's environment", () => {
    expect(Object.keys(up.on)).toEqual(["workflow_dispatch"]);
    const input = (up.on.workflow_dispatch as { inputs: Record<string, { type: string; options: string[] }> }).inputs.stack;
    expect(input.type).toBe("choice");
    expect([...input.options].sort()).toEqual(deployedStacks(PROJECT_ROOT));
    expect(up.jobs.up.environment).toBe("${{ inputs.stack }}");
    expect(up.jobs.up.if).toBe("github.ref == 'refs/heads/main'");
    expect(pulumiSteps(up).map(pulumiCommand)).toEqual(["up"]);
  });

  it("uses write credentials of its own, never the preview environment's", () => {
    expect(up.jobs.up.environment).not.toBe("preview");
    expect(pulumiSteps(up)[0].env).toMatchObject({ STACK: "${{ inputs.stack }}", PULUMI_TEAM: "${{ vars.PULUMI_DEPLOY_TEAM }}" });
    expect(JSON.stringify(up)).not.toContain("PULUMI_PREVIEW_TEAM");
  });
});

/**
 * Separated runners: `up` never runs where a pull request ran. Each job names its own
 * runner variable (unset: a GitHub-hosted runner, a fresh VM per job), and both jobs run
 * tools/ci/runner-guard.sh, which refuses a shared label or the bare `self-hosted` one.
 */
describe("separated runners", () => {
  const runner = (file: string, job: string) => workflow(file).jobs[job]["runs-on"];

  it("preview and up name different runner variables, GitHub-hosted by default, and nothing else names up's", () => {
    expect(runner("preview.yml", "preview")).toBe("${{ vars.PULUMI_PREVIEW_RUNNER || 'ubuntu-24.04' }}");
    expect(runner("up.yml", "up")).toBe("${{ vars.PULUMI_UP_RUNNER || 'ubuntu-24.04' }}");
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        if (name === "up.yml") continue;
        expect({ name, jobName, runsOn: job["runs-on"] }).toEqual({ name, jobName, runsOn: expect.not.stringContaining("PULUMI_UP_RUNNER") });
      }
    }
  });

  it.each([
    ["preview.yml", "preview", "preview"],
    ["up.yml", "up", "up"],
  ])("%s runs the runner guard with both variables before any other code", (file, jobName, arg) => {
    const job = workflow(file).jobs[jobName];
    const guard = job.steps.find((st) => st.run !== undefined);
    expect(guard?.run).toContain(`bash tools/ci/runner-guard.sh ${arg}`);
    expect(guard?.env).toMatchObject({ PREVIEW_RUNNER: "${{ vars.PULUMI_PREVIEW_RUNNER }}", UP_RUNNER: "${{ vars.PULUMI_UP_RUNNER }}" });
  });

  const guard = (env: Record<string, string>) =>
    spawnSync("bash", [path.join(PROJECT_ROOT, "tools", "ci", "runner-guard.sh"), "up"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });

  it("runner-guard.sh accepts GitHub-hosted runners and distinct labels, refuses a shared or the bare self-hosted label", () => {
    expect(guard({}).status).toBe(0);
    expect(guard({ PREVIEW_RUNNER: "pulumi-preview", UP_RUNNER: "pulumi-up" }).status).toBe(0);
    expect(guard({ PREVIEW_RUNNER: "pulumi-preview" }).status).toBe(0);
    const shared = guard({ PREVIEW_RUNNER: "cluster-net", UP_RUNNER: "cluster-net" });
    expect(shared.status).toBe(1);
    expect(shared.stdout).toContain("::error title=runners not separated (up)::vars.PULUMI_PREVIEW_RUNNER and vars.PULUMI_UP_RUNNER are both 'cluster-net'");
    const bare = guard({ PREVIEW_RUNNER: "self-hosted", UP_RUNNER: "pulumi-up" });
    expect(bare.status).toBe(1);
    expect(bare.stdout).toContain("vars.PULUMI_PREVIEW_RUNNER is the bare 'self-hosted' label");
  });
});

describe("talosctl for the day-2 steps of preview and up", () => {
  const pinned = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: { versions: { value: { talos: string } } } };

  it.each([
    // up also gets kubectl: node removal and the pre-1.13 drain fallback run it (components/talos/day2/runner.ts).
    ["preview.yml", "preview", "${{ matrix.stack }}", "talosctl"],
    ["up.yml", "up", "${{ inputs.stack }}", "talosctl kubectl"],
  ])("%s puts the stack's pinned Pulumi CLI, plugins and day-2 tools on PATH with the shared installer, before any credential", (file, jobName, stack, tools) => {
    const job = workflow(file).jobs[jobName];
    const install = job.steps.findIndex((s) => /tools\/ci\/install-tools\.sh/.test(s.run ?? ""));
    expect(install).toBeGreaterThan(-1);
    const step = job.steps[install];
    // The versions come from the stack's config (tools/ci/tool-versions.ts), none is written here.
    expect(step.env).toEqual({ STACK: stack });
    expect(step.run).toContain('npx ts-node --transpile-only tools/ci/tool-versions.ts "$STACK"');
    expect(step.run).toContain(`PULUMI_HOME="$RUNNER_TEMP/pulumi-home" bash tools/ci/install-tools.sh "$RUNNER_TEMP/bin" pulumi plugins ${tools}\n`);
    // The plugins land in the PULUMI_HOME the Pulumi step then uses.
    expect(step.run).toContain('echo "PULUMI_HOME=$RUNNER_TEMP/pulumi-home" >> "$GITHUB_ENV"');
    expect(step.run).toContain('echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"');
    expect(JSON.stringify(step)).not.toContain(pinned.config.versions.value.talos);
    // After the install without scripts, before the OIDC token is minted and Pulumi runs.
    const npm = job.steps.findIndex((s) => /\bnpm ci\b/.test(s.run ?? ""));
    const pulumi = job.steps.findIndex((s) => PULUMI_RUN.test(s.run ?? ""));
    expect(npm).toBeGreaterThan(-1);
    expect([npm < install, install < pulumi]).toEqual([true, true]);
    expect(secretsUsed({ ...job, steps: [step] })).toEqual([]);
  });

  it("the up step, run as written, asks the installer for the stack's pinned tools and installs nothing unverified", () => {
    const step = workflow("up.yml").jobs.up.steps.find((s) => /tools\/ci\/install-tools\.sh/.test(s.run ?? ""));
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "talosctl-step-"));
    // A curl that serves bytes no committed checksum matches: whether or not the line is committed yet, nothing may be installed.
    const fakeBin = path.join(temp, "fake-bin");
    fs.mkdirSync(fakeBin);
    fs.writeFileSync(path.join(fakeBin, "curl"), '#!/usr/bin/env bash\nwhile (($#)); do [[ "$1" == --output ]] && echo unverified > "$2"; shift; done\n', { mode: 0o755 });
    const githubPath = path.join(temp, "github-path");
    const arch = os.arch() === "arm64" ? "arm64" : "amd64";
    for (const stack of deployedStacks(PROJECT_ROOT)) {
      const run = spawnSync("bash", ["-e", "-c", step?.run ?? "false"], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ""}`, STACK: stack, RUNNER_TEMP: temp, GITHUB_PATH: githubPath, GITHUB_ENV: path.join(temp, "github-env") },
        encoding: "utf8",
      });
      expect({ stack, status: run.status, stderr: run.stderr }).toEqual({ stack, status: 1, stderr: "" });
      // Missing lines are all named; once they are committed, the first download is refused.
      const talos = `talosctl-${pinned.config.versions.value.talos.replace(/\./g, "\\.")}-linux-${arch}`;
      expect(run.stdout).toMatch(new RegExp(`no sha256 for ${talos}|checksum mismatch::pulumi-`));
      expect(fs.existsSync(path.join(temp, "bin"))).toBe(false);
    }
  }, 60_000);
});

describe("render diff summary", () => {
  const script = path.join(PROJECT_ROOT, "tools", "ci", "render-diff-summary.sh");

  function summarise(base: Record<string, string>, head: Record<string, string>, limit?: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
    for (const [side, files] of [["base", base], ["head", head]] as const) {
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, side, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, side, name), content);
      }
    }
    const summary = path.join(dir, "summary.md");
    execFileSync("bash", [script, path.join(dir, "base"), path.join(dir, "head"), ...(limit ? [String(limit)] : [])], {
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
    });
    return fs.readFileSync(summary, "utf8");
  }

  it("says so when nothing changes", () => {
    expect(summarise({ "infra/a.yaml": "x: 1\n", ".render-output": "a" }, { "infra/a.yaml": "x: 1\n", ".render-output": "b" })).toContain(
      "No change in what the program would apply to any stack.",
    );
  });

  it("shows each changed, added and removed file as a diff", () => {
    const text = summarise({ "infra/a.yaml": "x: 1\n", "infra/gone.yaml": "y\n" }, { "infra/a.yaml": "x: 2\n", "apps/new.yaml": "z\n" });
    expect(text).toContain("3 rendered file(s) differ");
    expect(text).toMatch(/````diff\n[\s\S]*-x: 1\n\+x: 2\n[\s\S]*````/);
    expect(text).toContain("+z");
    expect(text).toContain("-y");
  });

  it("truncates a long diff and says where the rest is", () => {
    const text = summarise({ "infra/a.yaml": "a\n".repeat(500) }, { "infra/a.yaml": "b\n".repeat(500) }, 200);
    expect(text).toMatch(/_Truncated: 200 of \d+ bytes shown/);
    expect(text.split("\n").filter((l) => l.startsWith("-a")).length).toBeLessThan(100);
  });
});

describe("preview comment", () => {
  const script = path.join(PROJECT_ROOT, "tools", "ci", "preview-comment.mjs");
  function comment(log: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-comment-"));
    fs.writeFileSync(path.join(dir, "preview.log"), log);
    return execFileSync(process.execPath, [script, "--stack", "infra", "--log", path.join(dir, "preview.log")], { encoding: "utf8" });
  }

  it("explains Helm release deletes as the hand-off to Flux, naming how many", () => {
    const text = comment(
      ["Previewing update (org/k8s-gitops/infra):", " -   ├─ kubernetes:helm.sh/v3:Release  cilium   delete", " -   ├─ kubernetes:helm.sh/v3:Release  coredns  delete", "Resources:", "    - 2 to delete"].join("\n"),
    );
    expect(text).toMatch(/^<!-- k8s-gitops pulumi preview: infra -->\n## `pulumi preview` of infra: succeeded/);
    expect(text).toContain("**2 Helm release deletion(s) below are the hand-off to Flux, not an uninstall.**");
    expect(text).toContain("retainOnDelete");
    expect(text).toContain("kubernetes:helm.sh/v3:Release  cilium   delete");
  });

  it("adds no note when no release is deleted, or one is only replaced", () => {
    expect(comment(" ~   ├─ kubernetes:helm.sh/v3:Release  cilium  update\n +-  ├─ kubernetes:helm.sh/v3:Release  x  replace\n")).not.toContain("hand-off");
    expect(comment(" -   ├─ kubernetes:core/v1:Namespace  flux-system  delete\n")).not.toContain("hand-off");
  });
});

/** tools/ci/pulumi-oidc.mjs against a local stand-in for GitHub's OIDC endpoint and Pulumi's token exchange, with a fake `pulumi`. */
describe("pulumi-oidc.mjs", () => {
  const script = path.join(PROJECT_ROOT, "tools", "ci", "pulumi-oidc.mjs");

  async function withServer(run: (base: string, requests: { url: string; auth?: string; body?: Record<string, unknown> }[]) => Promise<void>) {
    const http = await import("http");
    const requests: { url: string; auth?: string; body?: Record<string, unknown> }[] = [];
    const server = http.createServer((req, res) => {
      let data = "";
      req.on("data", (c: Buffer) => (data += c.toString()));
      req.on("end", () => {
        requests.push({ url: req.url ?? "", auth: req.headers.authorization, body: data ? (JSON.parse(data) as Record<string, unknown>) : undefined });
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify(req.url?.startsWith("/id") ? { value: "github-id-token" } : { access_token: "pul-team-token" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address() as { port: number };
    try {
      await run(`http://127.0.0.1:${address.port}`, requests);
    } finally {
      server.close();
    }
  }

  function exec(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [script, ...args], { env, encoding: "utf8" }, (error, stdout) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout }));
    });
  }

  it("exchanges the job's OIDC token for the team's token, gives it to pulumi alone, masks it and leaves no credentials file", async () => {
    await withServer(async (base, requests) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-oidc-"));
      const home = path.join(dir, "home");
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(dir, "pulumi"), `#!/usr/bin/env bash\necho "args: $*"\necho "token: $PULUMI_ACCESS_TOKEN"\necho '{}' > "$PULUMI_HOME/credentials.json"\n`, { mode: 0o755 });
      const env = { PATH: `${dir}:${process.env.PATH ?? ""}`, PULUMI_HOME: home, PULUMI_API: base, ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/id?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token" };
      const run = await exec(["--org", "acme", "--team", "previewers", "--expiration", "3600", "--log", path.join(dir, "log"), "--", "preview", "--stack", "acme/k8s-gitops/infra"], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("::add-mask::pul-team-token");
      expect(run.stdout).toContain("args: preview --stack acme/k8s-gitops/infra");
      expect(fs.readFileSync(path.join(dir, "log"), "utf8")).toContain("token: pul-team-token");
      expect(fs.existsSync(path.join(home, "credentials.json"))).toBe(false);
      expect(requests[0]).toMatchObject({ url: "/id?api-version=2.0&audience=urn%3Apulumi%3Aorg%3Aacme", auth: "Bearer request-token" });
      expect(requests[1]).toMatchObject({
        url: "/api/oauth/token",
        body: {
          audience: "urn:pulumi:org:acme",
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
          requested_token_type: "urn:pulumi:token-type:access_token:team",
          subject_token: "github-id-token",
          scope: "team:previewers",
          expiration: 3600,
        },
      });
      // A token already in the step's environment means an earlier step leaked one: refused before any exchange.
      const leaked = await exec(["--org", "acme", "--team", "previewers", "--", "preview"], { ...env, PULUMI_ACCESS_TOKEN: "leaked" });
      expect(leaked.code).toBe(1);
      expect(leaked.stdout).toContain("PULUMI_ACCESS_TOKEN is already set");
      expect(requests).toHaveLength(2);
    });
  }, 30_000);
});

/** tools/ci/require-reviewers.mjs against a local stand-in for GET /repos/{repo}/environments/{name}. */
describe("require-reviewers.mjs", () => {
  const script = path.join(PROJECT_ROOT, "tools", "ci", "require-reviewers.mjs");

  async function check(environment: unknown): Promise<{ code: number; stdout: string; url?: string }> {
    const http = await import("http");
    let url: string | undefined;
    const server = http.createServer((req, res) => {
      url = req.url;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(environment));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const env = { PATH: process.env.PATH ?? "", GITHUB_API_URL: `http://127.0.0.1:${port}`, GITHUB_REPOSITORY: "acme/k8s-gitops", GITHUB_TOKEN: "t" };
    const result = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [script, "preview"], { env, encoding: "utf8" }, (error, stdout) => resolve({ code: error ? 1 : 0, stdout })),
    );
    server.close();
    return { ...result, url };
  }

  it("passes an environment with required reviewers and self-review prevented, and refuses one without either", async () => {
    const protectedEnv = await check({ protection_rules: [{ type: "required_reviewers", prevent_self_review: true, reviewers: [{ type: "Team" }] }] });
    expect(protectedEnv).toMatchObject({ code: 0, url: "/repos/acme/k8s-gitops/environments/preview" });
    const none = await check({ protection_rules: [{ type: "branch_policy" }] });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain("::error title=environment preview is not protected::it has no required reviewers");
    const selfReview = await check({ protection_rules: [{ type: "required_reviewers", prevent_self_review: false, reviewers: [{ type: "User" }] }] });
    expect(selfReview.code).toBe(1);
    expect(selfReview.stdout).toContain("its reviewers may approve their own runs");
  }, 30_000);
});
