/**
 * The provider plugins the program loads, as tools/ci/install-tools.sh installs them
 * (`plugins`): every direct dependency whose package.json has a `pulumi` block with
 * `resource: true` (what the Pulumi CLI reads to pick plugins), at the version that block or
 * the package names, from the GitHub repository whose releases carry the plugin archives;
 * plus the hand-written Talos binding (sdks/talos), which pins its own.
 * `npx ts-node --transpile-only tools/ci/plugins.ts` prints the PULUMI_PLUGINS value.
 */
import * as fs from "fs";
import * as path from "path";
import { TALOS_PACKAGE, TALOS_PLUGIN_DOWNLOAD_URL, TALOS_PROVIDER_VERSION } from "../../sdks/talos/utilities";

export interface ProviderPlugin {
  readonly name: string;
  readonly version: string;
  /** owner/repo of the GitHub releases that serve `pulumi-resource-<name>-v<version>-*`. */
  readonly repo: string;
}

interface PluginBlock {
  resource?: boolean;
  name?: string;
  version?: string;
  server?: string;
}

/** owner/repo from `github://api.github.com/<owner>[/<repo>]` (the repo defaults to pulumi-<name>, as the engine does). */
function githubServer(server: string, name: string): string | undefined {
  const m = /^github:\/\/api\.github\.com\/([^/]+)(?:\/([^/]+))?\/?$/.exec(server);
  return m ? `${m[1]}/${m[2] ?? `pulumi-${name}`}` : undefined;
}

function repository(pkg: { repository?: string | { url?: string } }): string | undefined {
  const url = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  const m = /github\.com[/:]([^/]+)\/([^/.]+)/.exec(url ?? "");
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function providerPlugins(projectRoot: string): ProviderPlugin[] {
  const root = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const plugins: ProviderPlugin[] = [];
  const problems: string[] = [];
  for (const dep of Object.keys(root.dependencies ?? {})) {
    const file = path.join(projectRoot, "node_modules", dep, "package.json");
    if (!fs.existsSync(file)) {
      problems.push(`${dep} is not installed (run npm ci first)`);
      continue;
    }
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { version: string; pulumi?: PluginBlock; repository?: string | { url?: string } };
    if (pkg.pulumi?.resource !== true) continue;
    const name = pkg.pulumi.name ?? dep.replace(/^@[^/]+\//, "");
    const version = (pkg.pulumi.version ?? pkg.version).replace(/^v/, "");
    const repo = pkg.pulumi.server ? githubServer(pkg.pulumi.server, name) : repository(pkg);
    if (!repo) problems.push(`${dep}: no GitHub repository to take plugin ${name} from (server ${pkg.pulumi.server ?? "none"})`);
    else plugins.push({ name, version, repo });
  }
  const talos = githubServer(TALOS_PLUGIN_DOWNLOAD_URL, TALOS_PACKAGE);
  if (!talos) problems.push(`sdks/talos: TALOS_PLUGIN_DOWNLOAD_URL ${TALOS_PLUGIN_DOWNLOAD_URL} is not a github:// server`);
  else plugins.push({ name: TALOS_PACKAGE, version: TALOS_PROVIDER_VERSION, repo: talos });
  if (problems.length > 0) throw new Error(`the provider plugins cannot be listed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return plugins.sort((a, b) => a.name.localeCompare(b.name));
}

/** The PULUMI_PLUGINS value install-tools.sh reads: name@version@owner/repo, comma-separated (one shell word, so the env file sources as it is). */
export function pluginsEnv(plugins: readonly ProviderPlugin[]): string {
  return plugins.map((p) => `${p.name}@${p.version}@${p.repo}`).join(",");
}

if (require.main === module) {
  try {
    process.stdout.write(`${pluginsEnv(providerPlugins(path.resolve(__dirname, "..", "..")))}\n`);
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
