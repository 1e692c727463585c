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
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, deployedStacks } from "../harness";
import { ToolVersionsError, envFileVersions, envLines, toolVersions } from "../tools/ci/tool-versions";
import { PINS } from "./helpers/pins";

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
  fs.copyFileSync(path.join(CI_DIR, "install-tools.sh"), path.join(ci, "install-tools.sh"));
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
    expect(unknown.stdout).toContain("installs talosctl, kubectl, flux or pulumi, not helm");
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
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64} {2}(talosctl|kubectl|flux|pulumi)-v?\d+\.\d+\.\d+-linux-(amd64|arm64|x64)(\.tar\.gz)?$/);
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
    expect(run.stdout).toBe(envLines(toolVersions(PROJECT_ROOT, "infra")).map((l) => `${l}\n`).join(""));
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
      "demo:versions.talos (stack one) must be an exact release such as vX.Y.Z, found 1.13.9",
      "demo:versions.kubernetes (stack one) must be an exact release such as vX.Y.Z, found none",
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
    expect(r.stderr).toMatch(/no sha256 for /);
  });
});
