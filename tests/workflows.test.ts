/**
 * The GitHub workflows: valid by actionlint, and true to the project's rules: pull
 * requests are checked, rendered and previewed; nothing applies to a cluster unless an
 * operator starts it by hand; previews without the repository's secrets skip with a notice.
 */
import { execFileSync, spawnSync } from "child_process";
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
const pulumiSteps = (w: Workflow) => steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@"));

/** Node LTS lines under support (Node 20 left support in April 2026). */
const SUPPORTED_NODE_LTS = [22, 24];
/** Secrets a preview may hold: each must be a read-only credential (README "Workflows and tokens"). */
const READ_ONLY_PREVIEW_SECRETS = ["OP_CONNECT_TOKEN", "CLOUDFLARE_API_TOKEN"];

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

  it("give no secret to a job a pull request triggers, except read-only ones in the preview environment", () => {
    for (const [name, w] of workflows) {
      if (!("pull_request" in w.on) && !("pull_request_target" in w.on)) continue;
      expect({ name, pull_request_target: "pull_request_target" in w.on }).toEqual({ name, pull_request_target: false });
      for (const [jobName, job] of Object.entries(w.jobs)) {
        const used = secretsUsed(job);
        if (used.length === 0) continue;
        expect({ name, jobName, environment: job.environment }).toEqual({ name, jobName, environment: "preview" });
        expect(used.filter((s) => !READ_ONLY_PREVIEW_SECRETS.includes(s))).toEqual([]);
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

  it("hand secrets only to the step that needs them, never to a job's env or to npm", () => {
    for (const [name, w] of workflows) {
      for (const [jobName, job] of Object.entries(w.jobs)) {
        expect({ name, jobName, jobEnv: JSON.stringify(job.env ?? {}) }).toEqual({ name, jobName, jobEnv: expect.not.stringMatching(/secrets\.|pulumi-access-token/) });
        const credentialed = secretsUsed(job).length > 0 || job.permissions?.["id-token"] === "write";
        for (const step of job.steps) {
          const holdsCredentials = /secrets\.|pulumi-access-token/.test(JSON.stringify(step.env ?? {}));
          if (holdsCredentials) expect({ name, jobName, uses: step.uses }).toEqual({ name, jobName, uses: expect.stringMatching(/^pulumi\/actions@/) });
          if (credentialed && step.run && /\bnpm (ci|install|i)\b/.test(step.run)) {
            expect({ name, jobName, run: step.run }).toEqual({ name, jobName, run: expect.stringContaining("--ignore-scripts") });
          }
        }
      }
    }
  });

  it("pin the Pulumi CLI through the version file every pulumi/actions step reads", () => {
    const pinned = fs.readFileSync(path.join(PROJECT_ROOT, ".pulumi.version"), "utf8").trim();
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    for (const [name, w] of workflows) {
      for (const step of pulumiSteps(w)) expect({ name, file: step.with?.["pulumi-version-file"], version: step.with?.["pulumi-version"] }).toEqual({ name, file: ".pulumi.version", version: undefined });
    }
  });

  it("declare their token permissions, read-only unless a job needs more", () => {
    for (const [name, w] of workflows) expect({ name, permissions: w.permissions }).toEqual({ name, permissions: { contents: "read" } });
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
      for (const step of pulumiSteps(w)) expect({ name, command: step.with?.command }).toEqual({ name, command: "preview" });
      for (const step of steps(w)) expect({ name, run: step.run ?? "" }).not.toEqual({ name, run: expect.stringMatching(/pulumi\s+(up|destroy|refresh|import|state)\b/) });
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

  it("previews every stack on pull requests with read-only credentials from the preview environment", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    const job = preview.jobs.preview;
    expect(job.environment).toBe("preview");
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    expect(job.strategy?.matrix).toEqual({ stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" });
    expect(pulumiSteps(preview)).toHaveLength(1);
    expect(pulumiSteps(preview)[0].with).toMatchObject({ command: "preview", "comment-on-pr": true });
    expect(secretsUsed(job)).toEqual(["CLOUDFLARE_API_TOKEN", "OP_CONNECT_TOKEN"]);
    const auth = job.steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"));
    expect(auth?.with).toMatchObject({ "requested-token-type": "urn:pulumi:token-type:access_token:team", scope: "team:${{ vars.PULUMI_PREVIEW_TEAM }}", "export-environment-variables": false });
    expect(pulumiSteps(preview)[0].env?.PULUMI_ACCESS_TOKEN).toBe("${{ steps.pulumi-auth.outputs.pulumi-access-token }}");
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
    expect(pulumiSteps(up).map((s) => s.with?.command)).toEqual(["up"]);
  });

  it("uses write credentials of its own, never the preview environment's", () => {
    expect(up.jobs.up.environment).not.toBe("preview");
    const auth = up.jobs.up.steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"));
    expect(auth?.with?.scope).toBe("team:${{ vars.PULUMI_DEPLOY_TEAM }}");
  });
});

describe("talosctl for the day-2 steps of preview and up", () => {
  const pinned = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: { versions: { value: { talos: string } } } };

  it.each([
    ["preview.yml", "preview", "${{ matrix.stack }}"],
    ["up.yml", "up", "${{ inputs.stack }}"],
  ])("%s puts the stack's pinned talosctl on PATH with the shared installer, before any credential", (file, jobName, stack) => {
    const job = workflow(file).jobs[jobName];
    const install = job.steps.findIndex((s) => /tools\/ci\/install-tools\.sh/.test(s.run ?? ""));
    expect(install).toBeGreaterThan(-1);
    const step = job.steps[install];
    // The versions come from the stack's config (tools/ci/tool-versions.ts), none is written here.
    expect(step.env).toEqual({ STACK: stack });
    expect(step.run).toContain('npx ts-node --transpile-only tools/ci/tool-versions.ts "$STACK"');
    expect(step.run).toMatch(/bash tools\/ci\/install-tools\.sh "\$RUNNER_TEMP\/bin" talosctl\n/);
    expect(step.run).toContain('echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"');
    expect(JSON.stringify(step)).not.toContain(pinned.config.versions.value.talos);
    // After the install without scripts, before the OIDC token is minted and Pulumi runs.
    const npm = job.steps.findIndex((s) => /\bnpm ci\b/.test(s.run ?? ""));
    const auth = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/auth-actions@"));
    const pulumi = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(npm).toBeGreaterThan(-1);
    expect([npm < install, install < auth, auth < pulumi]).toEqual([true, true, true]);
    expect(secretsUsed({ ...job, steps: [step] })).toEqual([]);
  });

  it("the up step, run as written, asks the installer for the talosctl of the stack's versions.talos and installs nothing unverified", () => {
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
        env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ""}`, STACK: stack, RUNNER_TEMP: temp, GITHUB_PATH: githubPath },
        encoding: "utf8",
      });
      expect({ stack, status: run.status }).toEqual({ stack, status: 1 });
      expect(run.stdout).toMatch(new RegExp(`(no sha256 for |checksum mismatch::)talosctl-${pinned.config.versions.value.talos.replace(/\./g, "\\.")}-linux-${arch}`));
      expect(fs.existsSync(path.join(temp, "bin", "talosctl"))).toBe(false);
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
