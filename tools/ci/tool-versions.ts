/**
 * The versions of the command-line tools the workflows install (tools/ci/install-tools.sh),
 * read from where each is pinned, so no workflow or script repeats one:
 *   TALOS_VERSION       versions.talos of the stack (Pulumi.yaml under Pulumi.<stack>.yaml):
 *                       the talosctl the day-2 steps run, and the Talos the e2e run
 *                       upgrades its VMs to (they boot the patch before it, derived by
 *                       tools/e2e/talos-versions.ts)
 *   KUBERNETES_VERSION  versions.kubernetes of the stack (kubectl of the e2e run)
 *   PULUMI_VERSION      .pulumi.version (the CLI pulumi/actions installs too)
 *   FLUX_CLI_VERSION    tools/e2e/versions.env (only the e2e run needs the flux CLI)
 *   PULUMI_PLUGINS      every provider plugin the program loads (tools/ci/plugins.ts), from
 *                       the installed packages and sdks/talos: printed by the CLI only
 *
 * `npx ts-node --transpile-only tools/ci/tool-versions.ts <stack>` prints them as
 * KEY=value lines for $GITHUB_ENV. Pure apart from reading those files; no Pulumi.
 */
import * as fs from "fs";
import * as path from "path";
import { readProjectConfig } from "../../harness/project-config";
import { kubernetesTagProblem, talosTagProblem } from "../../lib/versions";
import { pluginsEnv, providerPlugins } from "./plugins";

export const TOOL_VERSION_KEYS = ["TALOS_VERSION", "KUBERNETES_VERSION", "PULUMI_VERSION", "FLUX_CLI_VERSION"] as const;
export type ToolVersions = Readonly<Record<(typeof TOOL_VERSION_KEYS)[number], string>>;

export class ToolVersionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the pinned tool versions cannot be read:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ToolVersionsError";
  }
}

// Each version becomes part of a release URL (install-tools.sh): only an exact release fits.
// Talos and Kubernetes (kubectl) by the one rule of each pin (lib/versions.ts
// talosTagProblem, pre-releases too; kubernetesTagProblem); the Pulumi and flux archives
// are named without the leading v.
const PLAIN_RELEASE = /^\d+\.\d+\.\d+$/;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The NAME_VERSION=value lines of an env file (comments and blank lines ignored). */
export function envFileVersions(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+_VERSION)=(\S*)\s*$/gm)].map((m) => [m[1], m[2]]));
}

export function toolVersions(projectRoot: string, stack: string): ToolVersions {
  const problems: string[] = [];
  const { project, values } = readProjectConfig(projectRoot, stack);
  const versions = record(values[`${project}:versions`]);
  const check = (value: unknown, pattern: RegExp, where: string): string => {
    const text = typeof value === "string" ? value.trim() : "";
    if (!pattern.test(text)) problems.push(`${where} must be an exact release such as X.Y.Z, found ${text || "none"}`);
    return text;
  };
  const read = (rel: string): string => {
    const file = path.join(projectRoot, rel);
    if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
    problems.push(`${rel} is missing`);
    return "";
  };
  const talos = typeof versions.talos === "string" ? versions.talos : "";
  const talosProblem = talosTagProblem(talos);
  if (talosProblem) problems.push(`${project}:versions.talos (stack ${stack}) ${talosProblem}, found ${talos || "none"}`);
  const kubernetes = typeof versions.kubernetes === "string" ? versions.kubernetes : "";
  const kubernetesProblem = kubernetesTagProblem(kubernetes);
  if (kubernetesProblem) problems.push(`${project}:versions.kubernetes (stack ${stack}) ${kubernetesProblem}, found ${kubernetes || "none"}`);
  const pulumi = check(read(".pulumi.version"), PLAIN_RELEASE, ".pulumi.version");
  const flux = check(envFileVersions(read("tools/e2e/versions.env")).FLUX_CLI_VERSION, PLAIN_RELEASE, "FLUX_CLI_VERSION in tools/e2e/versions.env");
  if (problems.length > 0) throw new ToolVersionsError(problems);
  return { TALOS_VERSION: talos, KUBERNETES_VERSION: kubernetes, PULUMI_VERSION: pulumi, FLUX_CLI_VERSION: flux };
}

/** KEY=value lines, in TOOL_VERSION_KEYS order. */
export function envLines(versions: ToolVersions): string[] {
  return TOOL_VERSION_KEYS.map((key) => `${key}=${versions[key]}`);
}

if (require.main === module) {
  const stack = process.argv[2];
  const root = path.resolve(__dirname, "..", "..");
  try {
    if (!stack) throw new Error("usage: tools/ci/tool-versions.ts <stack>");
    const lines = [...envLines(toolVersions(root, stack)), `PULUMI_PLUGINS=${pluginsEnv(providerPlugins(root))}`];
    process.stdout.write(lines.map((l) => `${l}\n`).join(""));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
