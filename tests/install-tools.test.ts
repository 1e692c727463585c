/**
 * The shared installer of the workflows' command-line tools (tools/ci/install-tools.sh) and
 * the versions it is given (tools/ci/tool-versions.ts): it installs exactly the tools asked
 * for, at the versions read from where they are pinned, and is fail-closed: a missing
 * version or checksum line stops it before any download, a download that differs from its
 * committed checksum stops it before anything is installed. Downloads are served by a fake
 * `curl` on PATH; no network.
 */
import { sha256Hex as sha256 } from "../bootstrap/crd-files";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, deployedStacks } from "../harness";
import { ToolVersionsError, envFileVersions, envLines, toolVersions } from "../tools/ci/tool-versions";
import { PINS } from "./helpers/pins";
import { talosTagProblem } from "../lib/versions";
import { pluginsEnv, providerPlugins } from "../tools/ci/plugins";

const CI_DIR = path.join(PROJECT_ROOT, "tools", "ci");
/** The installer's names for this machine's architecture (it reads `uname -m`). */
const ARCH = os.arch() === "arm64" ? { arch: "arm64", pulumi: "arm64" } : { arch: "amd64", pulumi: "x64" };

/** A copy of the installer next to its own checksums file, a fake curl serving `served` by URL basename, and a log of the URLs fetched. */
function sandbox(checksums: string, served: Record<string, string | Buffer> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-tools-"));
  const ci = path.join(dir, "ci");
  const fakeBin = path.join(dir, "fake-bin");
  const files = path.join(dir, "served");
  for (const d of [ci, fakeBin, files]) fs.mkdirSync(d);
  for (const script of ["install-tools.sh", "artifacts.sh"]) fs.copyFileSync(path.join(CI_DIR, script), path.join(ci, script));
  fs.writeFileSync(path.join(ci, "checksums.txt"), checksums);
  for (const [name, content] of Object.entries(served)) fs.writeFileSync(path.join(files, name), content);
  const log = path.join(dir, "curl.log");
  fs.writeFileSync(log, "");
  fs.writeFileSync(
    path.join(fakeBin, "curl"),
    [
      "#!/usr/bin/env bash",
      'out=""; url=""',
      'while (($#)); do case "$1" in --output) out=$2; shift 2 ;; --retry) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done',
      `echo "$url" >> "${log}"`,
      `cp "${files}/$(basename "$url")" "$out"`,
    ].join("\n"),
    { mode: 0o755 },
  );
  const bin = path.join(dir, "bin");
  const run = (tools: readonly string[], env: Record<string, string> = {}) =>
    spawnSync("bash", [path.join(ci, "install-tools.sh"), bin, ...tools], {
      env: { PATH: `${fakeBin}:${process.env.PATH ?? ""}`, ...env },
      encoding: "utf8",
    });
  const fetched = () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
  const installed = () => (fs.existsSync(bin) ? fs.readdirSync(bin).sort() : []);
  return { dir, bin, run, fetched, installed };
}

const TALOS = "v9.9.9";
const talosctl = `talosctl-${TALOS}-linux-${ARCH.arch}`;
const binary = "#!/bin/sh\necho fake talosctl\n";

describe("install-tools.sh", () => {
  it("installs only the tools asked for, from the publisher's URL of the pinned version, once its checksum matches", () => {
    const box = sandbox(`# comment\n${sha256(binary)}  ${talosctl}\n`, { [`talosctl-linux-${ARCH.arch}`]: binary });
    // Only talosctl's version is set: the other tools are not needed and not asked for.
    const run = box.run(["talosctl"], { TALOS_VERSION: TALOS });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(box.fetched()).toEqual([`https://github.com/siderolabs/talos/releases/download/${TALOS}/talosctl-linux-${ARCH.arch}`]);
    expect(box.installed()).toEqual(["talosctl"]);
    expect(fs.readFileSync(path.join(box.bin, "talosctl"), "utf8")).toBe(binary);
    expect(fs.statSync(path.join(box.bin, "talosctl")).mode & 0o111).toBe(0o111);
  });

  it("installs a Talos pre-release from its release, as it does a release (a tag tool-versions.ts passes)", () => {
    const pre = `${PINS.talos}-beta.1`;
    expect(talosTagProblem(pre)).toBeUndefined();
    const box = sandbox(`${sha256(binary)}  talosctl-${pre}-linux-${ARCH.arch}\n`, { [`talosctl-linux-${ARCH.arch}`]: binary });
    const run = box.run(["talosctl"], { TALOS_VERSION: pre });
    expect(run.status).toBe(0);
    expect(box.fetched()).toEqual([`https://github.com/siderolabs/talos/releases/download/${pre}/talosctl-linux-${ARCH.arch}`]);
    expect(box.installed()).toEqual(["talosctl"]);
  });

  it("unpacks the archives (the Pulumi CLI with its language hosts)", () => {
    const box = sandbox("");
    const stage = path.join(box.dir, "stage");
    fs.mkdirSync(path.join(stage, "pulumi"), { recursive: true });
    for (const name of ["pulumi", "pulumi-language-nodejs"]) fs.writeFileSync(path.join(stage, "pulumi", name), `#!/bin/sh\necho ${name}\n`);
    const archive = `pulumi-v1.2.3-linux-${ARCH.pulumi}.tar.gz`;
    const tar = spawnSync("tar", ["-czf", path.join(box.dir, "served", archive), "-C", stage, "pulumi"]);
    expect(tar.status).toBe(0);
    fs.writeFileSync(path.join(box.dir, "ci", "checksums.txt"), `${sha256(fs.readFileSync(path.join(box.dir, "served", archive)))}  pulumi-1.2.3-linux-${ARCH.pulumi}.tar.gz\n`);
    const run = box.run(["pulumi"], { PULUMI_VERSION: "1.2.3" });
    expect(run.status).toBe(0);
    expect(box.fetched()).toEqual([`https://get.pulumi.com/releases/sdk/${archive}`]);
    expect(box.installed()).toEqual(["pulumi", "pulumi-language-nodejs"]);
  });

  it("refuses a download that differs from its committed checksum and installs nothing", () => {
    const box = sandbox(`${sha256("something else")}  ${talosctl}\n`, { [`talosctl-linux-${ARCH.arch}`]: binary });
    const run = box.run(["talosctl"], { TALOS_VERSION: TALOS });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`::error title=checksum mismatch::${talosctl} from https://github.com/siderolabs/talos/releases/download/${TALOS}/talosctl-linux-${ARCH.arch}`);
    expect(box.installed()).toEqual([]);
  });

  it("names every missing checksum line and downloads nothing", () => {
    const box = sandbox(`${sha256(binary)}  ${talosctl}\n`, { [`talosctl-linux-${ARCH.arch}`]: binary });
    const run = box.run(["talosctl", "kubectl", "flux"], { TALOS_VERSION: TALOS, KUBERNETES_VERSION: "v8.8.8", FLUX_CLI_VERSION: "7.7.7" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`no sha256 for kubectl-v8.8.8-linux-${ARCH.arch}; add the line '<sha256>  kubectl-v8.8.8-linux-${ARCH.arch}'`);
    expect(run.stdout).toContain(`no sha256 for flux-7.7.7-linux-${ARCH.arch}.tar.gz`);
    expect(run.stdout).not.toContain(`no sha256 for ${talosctl}`);
    expect(box.fetched()).toEqual([]);
    expect(box.installed()).toEqual([]);
  });

  it("refuses a tool whose version is not set, naming the variable, and a tool it does not know", () => {
    const box = sandbox("");
    const unset = box.run(["kubectl"]);
    expect(unset.status).toBe(1);
    expect(unset.stdout).toContain("::error title=unpinned tool::KUBERNETES_VERSION is not set");
    const unknown = box.run(["helm"], { TALOS_VERSION: TALOS });
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toContain("installs talosctl, kubectl, flux, pulumi or plugins, not helm");
    expect(box.run([]).status).toBe(2);
    expect(box.fetched()).toEqual([]);
  });

  it("with the committed checksums file, stops at a version it has no line for, naming the line", () => {
    const unpinned = "v0.0.0-never-pinned";
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "install-tools-bin-"));
    const run = spawnSync("bash", [path.join(CI_DIR, "install-tools.sh"), bin, "talosctl"], { env: { PATH: process.env.PATH, TALOS_VERSION: unpinned }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`tools/ci/checksums.txt has no sha256 for talosctl-${unpinned}-linux-${ARCH.arch}`);
    expect(fs.readdirSync(bin)).toEqual([]);
  });

  it("keeps every checksum line well-formed: <sha256>  <tool>-<version>-<platform>", () => {
    const lines = fs.readFileSync(path.join(CI_DIR, "checksums.txt"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    for (const line of lines) {
      expect(line).toMatch(/^[0-9a-f]{64} {2}((talosctl-\S+|(kubectl|flux|pulumi)-v?\d+\.\d+\.\d+)-linux-(amd64|arm64|x64)(\.tar\.gz)?|pulumi-resource-[a-z0-9-]+-v\d+\.\d+\.\d+-linux-(amd64|arm64)\.tar\.gz)$/);
      // talosctl's version by the one rule of a Talos pin, pre-releases included.
      const talos = /^\S+ {2}talosctl-(\S+)-linux-(amd64|arm64)$/.exec(line);
      if (talos) expect(talosTagProblem(talos[1])).toBeUndefined();
    }
  });
});

describe("install-tools.sh plugins", () => {
  const PLUGINS = "alpha@1.2.3@example/pulumi-alpha,beta@4.5.6@other/beta-provider";
  const archive = (name: string, version: string) => `pulumi-resource-${name}-v${version}-linux-${ARCH.arch}.tar.gz`;

  /** A sandbox whose PATH has a fake `pulumi` that logs its arguments (the CLI on the runner). */
  function pluginBox(checksums: (served: Record<string, string>) => string) {
    const served = { [archive("alpha", "1.2.3")]: "alpha plugin bytes", [archive("beta", "4.5.6")]: "beta plugin bytes" };
    const box = sandbox("", served);
    fs.writeFileSync(path.join(box.dir, "ci", "checksums.txt"), checksums(served));
    const log = path.join(box.dir, "pulumi.log");
    fs.writeFileSync(path.join(box.dir, "fake-bin", "pulumi"), `#!/usr/bin/env bash\necho "$*" >> "${log}"\n`, { mode: 0o755 });
    const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
    return { ...box, calls };
  }

  it("downloads each plugin from its GitHub release, verifies it, and installs it from the file so the engine downloads none", () => {
    const box = pluginBox((served) => Object.entries(served).map(([name, bytes]) => `${sha256(bytes)}  ${name}\n`).join(""));
    const run = box.run(["plugins"], { PULUMI_PLUGINS: PLUGINS });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(box.fetched()).toEqual([
      `https://github.com/example/pulumi-alpha/releases/download/v1.2.3/${archive("alpha", "1.2.3")}`,
      `https://github.com/other/beta-provider/releases/download/v4.5.6/${archive("beta", "4.5.6")}`,
    ]);
    expect(box.calls().map((c) => c.replace(/--file \S+\//, "--file <work>/"))).toEqual([
      `plugin install resource alpha 1.2.3 --file <work>/${archive("alpha", "1.2.3")}`,
      `plugin install resource beta 4.5.6 --file <work>/${archive("beta", "4.5.6")}`,
    ]);
  });

  it("installs no plugin when one differs from its checksum, and none when one has no line", () => {
    const tampered = pluginBox((served) => `${sha256(served[archive("alpha", "1.2.3")])}  ${archive("alpha", "1.2.3")}\n${sha256("other")}  ${archive("beta", "4.5.6")}\n`);
    const bad = tampered.run(["plugins"], { PULUMI_PLUGINS: PLUGINS });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`checksum mismatch::${archive("beta", "4.5.6")}`);
    expect(tampered.calls()).toEqual([]);
    const unpinned = pluginBox((served) => `${sha256(served[archive("alpha", "1.2.3")])}  ${archive("alpha", "1.2.3")}\n`);
    const missing = unpinned.run(["plugins"], { PULUMI_PLUGINS: PLUGINS });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain(`no sha256 for ${archive("beta", "4.5.6")}`);
    expect(unpinned.fetched()).toEqual([]);
    expect(unpinned.calls()).toEqual([]);
  });

  it("refuses a plugin pin that is not name@X.Y.Z@owner/repo", () => {
    const box = pluginBox(() => "");
    const run = box.run(["plugins"], { PULUMI_PLUGINS: "alpha@latest@example/pulumi-alpha" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("PULUMI_PLUGINS entry 'alpha@latest@example/pulumi-alpha' is not name@X.Y.Z@owner/repo");
    expect(box.fetched()).toEqual([]);
  });
});

describe("plugins.ts", () => {
  it("lists every provider plugin the program's packages declare, at their versions, and the Talos binding's", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const plugins = providerPlugins(PROJECT_ROOT);
    for (const [dep, version] of Object.entries(pkg.dependencies)) {
      const block = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", dep, "package.json"), "utf8")) as { pulumi?: { resource?: boolean; name?: string } }).pulumi;
      if (block?.resource !== true) continue;
      const name = block.name ?? dep.replace(/^@[^/]+\//, "");
      expect(plugins.find((p) => p.name === name)?.version).toBe(version);
    }
    expect(plugins.find((p) => p.name === "talos")).toEqual({ name: "talos", version: PINS.talosProvider, repo: "pulumiverse/pulumi-talos" });
    // A github:// server names the repository; the rest come from the package's repository field.
    expect(plugins.find((p) => p.name === "onepassword")?.repo).toBe("1Password/pulumi-onepassword");
    expect(plugins.find((p) => p.name === "kubernetes")?.repo).toBe("pulumi/pulumi-kubernetes");
    expect(pluginsEnv(plugins).split(",")).toHaveLength(plugins.length);
  });

  it("refuses when the packages are not installed", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "plugins-"));
    fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ dependencies: { "@pulumi/kubernetes": "1.0.0" } }));
    expect(() => providerPlugins(root)).toThrow("@pulumi/kubernetes is not installed (run npm ci first)");
  });
});

describe("tool-versions.ts", () => {
  it.each(deployedStacks(PROJECT_ROOT))("%s: the stack's Talos and Kubernetes pins, .pulumi.version and the e2e flux CLI pin", (stack) => {
    const versions = toolVersions(PROJECT_ROOT, stack);
    expect(versions).toEqual({ TALOS_VERSION: PINS.talos, KUBERNETES_VERSION: PINS.kubernetes, PULUMI_VERSION: PINS.pulumiCli, FLUX_CLI_VERSION: PINS.e2eTools.FLUX_CLI_VERSION });
    expect(envLines(versions)).toEqual([`TALOS_VERSION=${PINS.talos}`, `KUBERNETES_VERSION=${PINS.kubernetes}`, `PULUMI_VERSION=${PINS.pulumiCli}`, `FLUX_CLI_VERSION=${PINS.e2eTools.FLUX_CLI_VERSION}`]);
  });

  it("prints KEY=value lines for $GITHUB_ENV", () => {
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("tools", "ci", "tool-versions.ts"), "infra"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe([...envLines(toolVersions(PROJECT_ROOT, "infra")), `PULUMI_PLUGINS=${pluginsEnv(providerPlugins(PROJECT_ROOT))}`].map((l) => `${l}\n`).join(""));
  });

  it("refuses, in one error naming each, versions that are no exact release or are missing", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tool-versions-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: demo\nconfig:\n  versions:\n    value:\n      talos: 1.13.9\n");
    fs.writeFileSync(path.join(root, "Pulumi.one.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(root, ".pulumi.version"), "latest\n");
    let error: unknown;
    try {
      toolVersions(root, "one");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ToolVersionsError);
    expect((error as ToolVersionsError).problems).toEqual([
      "demo:versions.talos (stack one) has no leading v: the release tags are v-prefixed (use v1.13.9), found 1.13.9",
      "demo:versions.kubernetes (stack one) is not a Kubernetes release tag: use an exact release vX.Y.Z (no pre-release, range, bare minor, build metadata or latest), found none",
      ".pulumi.version must be an exact release such as X.Y.Z, found latest",
      "tools/e2e/versions.env is missing",
      "FLUX_CLI_VERSION in tools/e2e/versions.env must be an exact release such as X.Y.Z, found none",
    ]);
  });

  it("reads NAME_VERSION lines and nothing else from an env file", () => {
    expect(envFileVersions("# FLUX_CLI_VERSION=0.0.1\nFLUX_CLI_VERSION=2.0.0\nOTHER=x\n")).toEqual({ FLUX_CLI_VERSION: "2.0.0" });
  });
});

/**
 * pin-checksums.sh, run in the repository with a fake `curl` first on PATH: a failed
 * download, or a list that does not name the file, exits non-zero and prints no line
 * (before, `$(curl ...)` inside echo hid both and printed hash-less lines with exit 0).
 */
describe("pin-checksums.sh fails closed", () => {
  function runPin(curlBody: string) {
    const fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), "pin-checksums-"));
    fs.writeFileSync(path.join(fakeBin, "curl"), `#!/usr/bin/env bash\n${curlBody}\n`, { mode: 0o755 });
    return spawnSync("bash", [path.join(CI_DIR, "pin-checksums.sh")], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH ?? ""}` },
    });
  }

  it("exits non-zero with no output when a download fails", () => {
    const r = runPin('echo "curl: (6) Could not resolve host" >&2; exit 6');
    expect(r.status).not.toBe(0);
    expect(r.stdout.trim()).toBe("");
    expect(r.stderr).toMatch(/download failed: https:\/\//);
  });

  it("exits non-zero when the publisher's list has no hash for the file", () => {
    const r = runPin('echo "0123  some-other-file"');
    expect(r.status).not.toBe(0);
    expect(r.stdout.trim()).toBe("");
    expect(r.stderr).toMatch(/no sha256 or sha1 for /);
  });
});

/**
 * pin-checksums.sh end to end in a copy of the project: a fake curl serves each publisher's
 * checksum list and each artifact at the URLs tools/ci/artifacts.sh names; the script
 * prints and writes a line for every download of every stack, both architectures, the
 * plugins included; and the installer then accepts what it wrote.
 */
/**
 * Providers whose release workflow is pulumi/ci-mgmt's publish.yml, which writes the list with
 * `shasum ./*.tar.gz` (SHA-1, "./" names): pulumi/pulumi-tls v5.5.1, pulumi/pulumi-cloudflare
 * v6.17.0, pulumiverse/pulumi-talos v0.8.1 (.github/workflows/publish.yml "Calculate checksums").
 */
const SHASUM_LISTS = ["pulumi/pulumi-tls", "pulumi/pulumi-cloudflare", "pulumiverse/pulumi-talos"];
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

describe("listed_hash reads each publisher's checksum list (tools/ci/artifacts.sh)", () => {
  const listed = (name: string, list: string) =>
    spawnSync("bash", ["-c", `source "${path.join(CI_DIR, "artifacts.sh")}"; listed_hash "$1"`, "listed_hash", name], { input: list, encoding: "utf8" });
  const h256 = sha256("a");
  const h1 = sha1("a");

  it("a goreleaser list: sha256 and bare names (or goreleaser's binary-mode *NAME)", () => {
    expect(listed("b.tar.gz", `${sha256("x")}  a.tar.gz\n${h256}  b.tar.gz\n`).stdout).toBe(`sha256 ${h256}\n`);
    expect(listed("b.tar.gz", `${h256} *b.tar.gz\n`).stdout).toBe(`sha256 ${h256}\n`);
  });

  it("a ci-mgmt list (shasum ./*.tar.gz): sha1 and ./ names", () => {
    expect(listed("b.tar.gz", `${sha1("x")}  ./a.tar.gz\n${h1}  ./b.tar.gz\n`).stdout).toBe(`sha1 ${h1}\n`);
  });

  it("a bare hash (kubectl's .sha256) with no name asked for", () => {
    expect(listed("", `${h256}\n`).stdout).toBe(`sha256 ${h256}\n`);
  });

  it("fails for a name the list does not hold, or a hash of neither length", () => {
    expect(listed("c.tar.gz", `${h256}  b.tar.gz\n`).status).toBe(1);
    expect(listed("b.tar.gz", `${h256.slice(0, 50)}  b.tar.gz\n`).status).toBe(1);
  });
});

describe("pin-checksums.sh fills checksums.txt from the publishers' lists", () => {
  function project() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pin-project-"));
    fs.mkdirSync(path.join(root, "tools", "ci"), { recursive: true });
    for (const f of fs.readdirSync(CI_DIR)) fs.copyFileSync(path.join(CI_DIR, f), path.join(root, "tools", "ci", f));
    for (const f of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..*yaml$|^Pulumi\.yaml$|^\.pulumi\.version$|^package\.json$|^tsconfig\.json$/.test(f))) {
      fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
    }
    for (const link of ["node_modules", "harness", "sdks", "lib", path.join("tools", "e2e")]) fs.symlinkSync(path.join(PROJECT_ROOT, link), path.join(root, link));
    return root;
  }

  /** Every row artifact_rows gives for both architectures, with the env tool-versions.ts prints. */
  function rows(root: string): string[][] {
    const script = `set -euo pipefail; source tools/ci/artifacts.sh; while IFS= read -r l; do export "$l"; done < <(npx ts-node --transpile-only tools/ci/tool-versions.ts infra); for a in amd64 arm64; do artifact_rows $a talosctl kubectl flux pulumi plugins; done 3>&1`;
    const run = spawnSync("bash", ["-c", script], { cwd: root, encoding: "utf8" });
    expect(run.stderr).toBe("");
    return run.stdout.trim().split("\n").map((l) => l.split("\t"));
  }

  function serve(root: string, table: string[][], tamper?: string) {
    const served = path.join(root, "served");
    fs.mkdirSync(served);
    const key = (url: string) => sha256(url);
    const lists = new Map<string, string>();
    for (const [, artifact, url, list, name] of table) {
      const bytes = `bytes of ${artifact}`;
      fs.writeFileSync(path.join(served, key(url)), url === tamper ? "tampered" : bytes);
      // Each publisher's format (tools/ci/artifacts.sh): ci-mgmt's `shasum ./*.tar.gz`, else sha256 and bare names.
      const entry = SHASUM_LISTS.some((repo) => url.startsWith(`https://github.com/${repo}/`)) ? `${sha1(bytes)}  ./${name}` : `${sha256(bytes)}${name ? `  ${name}` : ""}`;
      lists.set(list, `${lists.get(list) ?? ""}${entry}\n`);
    }
    for (const [list, text] of lists) fs.writeFileSync(path.join(served, key(list)), text);
    const fakeBin = path.join(root, "fake-bin");
    fs.mkdirSync(fakeBin);
    fs.writeFileSync(
      path.join(fakeBin, "curl"),
      [
        "#!/usr/bin/env bash",
        'out=""; url=""',
        'while (($#)); do case "$1" in --output) out=$2; shift 2 ;; --max-time|--retry) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done',
        `f="${served}/$(printf %s "$url" | sha256sum | cut -c1-64)"`,
        '[[ -f "$f" ]] || { echo "curl: (22) 404 $url" >&2; exit 22; }',
        'if [[ -n "$out" ]]; then cp "$f" "$out"; else cat "$f"; fi',
      ].join("\n"),
      { mode: 0o755 },
    );
    return (args: string[]) =>
      spawnSync("bash", [path.join(root, "tools", "ci", "pin-checksums.sh"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH ?? ""}` } });
  }

  it("prints and writes one verified line per download, keeps the file's comments, and the installer then accepts them", () => {
    const root = project();
    const table = rows(root);
    const plugins = providerPlugins(PROJECT_ROOT);
    // Four tools and every plugin, for two architectures.
    expect(table).toHaveLength((4 + plugins.length) * 2);
    const pin = serve(root, table);
    const run = pin(["--verify", "--write"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const expected = table.map(([, artifact]) => `${sha256(`bytes of ${artifact}`)}  ${artifact}`).sort((a, b) => a.split("  ")[1].localeCompare(b.split("  ")[1]));
    expect(run.stdout.trim().split("\n").sort()).toEqual([...expected].sort());
    const written = fs.readFileSync(path.join(root, "tools", "ci", "checksums.txt"), "utf8");
    const comments = fs.readFileSync(path.join(CI_DIR, "checksums.txt"), "utf8").split("\n").filter((l) => l.startsWith("#"));
    expect(written.split("\n").filter((l) => l.startsWith("#"))).toEqual(comments);
    expect(written.split("\n").filter((l) => l && !l.startsWith("#")).sort()).toEqual([...expected].sort());
    for (const plugin of plugins) expect(written).toContain(`  pulumi-resource-${plugin.name}-v${plugin.version}-linux-${ARCH.arch}.tar.gz`);
    // What the workflow wrote is what install-tools.sh checks: talosctl of the pinned release now installs.
    const install = spawnSync("bash", [path.join(root, "tools", "ci", "install-tools.sh"), path.join(root, "bin"), "talosctl"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.join(root, "fake-bin")}${path.delimiter}${process.env.PATH ?? ""}`, TALOS_VERSION: PINS.talos },
    });
    expect(install.stdout).not.toContain("::error");
    expect(install.status).toBe(0);
    expect(fs.readFileSync(path.join(root, "bin", "talosctl"), "utf8")).toBe(`bytes of talosctl-${PINS.talos}-linux-${ARCH.arch}`);
  }, 120_000);

  it("with --verify, refuses a download that differs from its publisher's list, printing and writing nothing", () => {
    const root = project();
    const table = rows(root);
    const kubernetesPlugin = table.find(([tool]) => tool.startsWith("plugin:kubernetes:"));
    const pin = serve(root, table, kubernetesPlugin?.[2]);
    const before = fs.readFileSync(path.join(root, "tools", "ci", "checksums.txt"), "utf8");
    const run = pin(["--verify", "--write"]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${kubernetesPlugin?.[2]} does not match its publisher's sha256 in ${kubernetesPlugin?.[3]}`);
    expect(fs.readFileSync(path.join(root, "tools", "ci", "checksums.txt"), "utf8")).toBe(before);
  }, 120_000);

  it("checks a download against a SHA-1 list even without --verify, and refuses one that differs", () => {
    const root = project();
    const table = rows(root);
    const tlsPlugin = table.find(([tool]) => tool.startsWith("plugin:tls:"));
    expect(tlsPlugin?.[3]).toMatch(/^https:\/\/github\.com\/pulumi\/pulumi-tls\/releases\/download\/v[\d.]+\/pulumi-tls_[\d.]+_checksums\.txt$/);
    const run = serve(root, table, tlsPlugin?.[2])(["--write"]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${tlsPlugin?.[2]} does not match its publisher's sha1 in ${tlsPlugin?.[3]}`);
  }, 120_000);
});
