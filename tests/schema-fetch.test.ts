/**
 * schemas/manifest.json and tools/ci/fetch-schemas.mjs: the manifest names every upstream
 * schema by immutable URL and SHA-256 (checked against ../shared/schemas where present),
 * covers the pinned versions, and the script fetches, unpacks and verifies, offline here
 * against file:// and a server on 127.0.0.1.
 */
import { execFile, execFileSync } from "child_process";
import { sha256Hex as sha256 } from "../bootstrap/crd-files";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { promisify } from "util";
import { chartPin, PINS } from "./helpers/pins";
import { hasSchemas, schemasRoot } from "./helpers/schemas";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "tools", "ci", "fetch-schemas.mjs");

interface Entry {
  readonly path: string;
  readonly url: string;
  readonly extract?: string;
  readonly sha256: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas", "manifest.json"), "utf8")) as { schemas: Entry[] };

describe("schemas/manifest.json", () => {
  it("names each file once, by a commit-pinned URL and a SHA-256", () => {
    const paths = manifest.schemas.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const e of manifest.schemas) {
      expect({ path: e.path, url: /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\/\S+$/.test(e.url), sha: /^[0-9a-f]{64}$/.test(e.sha256) }).toEqual({ path: e.path, url: true, sha: true });
      expect(path.normalize(e.path).startsWith("..")).toBe(false);
    }
  });

  it("covers the schemas of the pinned Talos release and the pinned charts that publish one (a patch bump may lag)", () => {
    const paths = manifest.schemas.map((e) => e.path);
    /** The manifest lists `version`, or an earlier patch of its minor (what the test helpers fall back to). */
    const listed = (prefix: string, version: string, suffix: string) => {
      const [major, minor, patch] = version.replace(/^v/, "").split(".").map(Number);
      return paths.some((p) => {
        if (!p.startsWith(prefix) || !p.endsWith(suffix)) return false;
        const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(p.slice(prefix.length, p.length - suffix.length));
        return m !== null && Number(m[1]) === major && Number(m[2]) === minor && Number(m[3]) <= patch;
      });
    };
    expect(listed("talos/config.schema.", PINS.talos, ".json")).toBe(true);
    // flux-operator/flux-instance: the schema set has no schema of the pinned minor
    // (bootstrap-loader checks them against the newest one listed, with a warning).
    for (const chart of ["cilium", "cert-manager", "external-secrets"]) {
      expect({ chart, listed: listed(`helm/${chart}-`, chartPin(chart), ".values.schema.json") }).toEqual({ chart, listed: true });
    }
  });

  (hasSchemas() ? it : it.skip)("matches ../shared/schemas byte for byte", () => {
    for (const e of manifest.schemas) {
      expect({ path: e.path, sha256: sha256(fs.readFileSync(path.join(schemasRoot(), e.path))) }).toEqual({ path: e.path, sha256: e.sha256 });
    }
  });
});

describe("tools/ci/fetch-schemas.mjs", () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  const files = { "a.json": '{"type":"object"}\n', "b.yaml": "x: 1\n" };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fetch-schemas-"));
    fs.mkdirSync(path.join(dir, "src", "chart"), { recursive: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, "src", name), content);
    fs.writeFileSync(path.join(dir, "src", "chart", "values.schema.json"), files["a.json"]);
    fs.writeFileSync(path.join(dir, "src", "chart", "values.yaml"), files["b.yaml"]);
    execFileSync("tar", ["czf", path.join(dir, "src", "chart-1.0.0.tgz"), "-C", path.join(dir, "src"), "chart"]);
    server = http.createServer((req, res) => {
      const file = path.join(dir, "src", path.basename(req.url ?? ""));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(entries: Entry[], dest: string): Promise<{ code: number; out: string }> {
    const file = path.join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ schemas: entries }));
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, "--manifest", file, "--dest", dest]);
      return { code: 0, out: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  }

  it("fetches over http and file://, unpacks a chart member, verifies, and keeps a verified cache", async () => {
    const dest = path.join(dir, "cache-ok");
    const entries: Entry[] = [
      { path: "helm/a.json", url: `${base}/a.json`, sha256: sha256(files["a.json"]) },
      { path: "helm-defaults/b.yaml", url: pathToFileURL(path.join(dir, "src", "b.yaml")).href, sha256: sha256(files["b.yaml"]) },
      { path: "helm/chart-1.0.0.values.schema.json", url: `${base}/chart-1.0.0.tgz`, extract: "chart/values.schema.json", sha256: sha256(files["a.json"]) },
      { path: "helm-defaults/chart-1.0.0.values.yaml", url: `${base}/chart-1.0.0.tgz`, extract: "chart/values.yaml", sha256: sha256(files["b.yaml"]) },
    ];
    const first = await run(entries, dest);
    expect(first).toEqual({ code: 0, out: expect.stringContaining("4 fetched, 0 already cached, 0 failed") });
    expect(fs.readFileSync(path.join(dest, "helm", "chart-1.0.0.values.schema.json"), "utf8")).toBe(files["a.json"]);
    expect(fs.readFileSync(path.join(dest, "helm-defaults", "b.yaml"), "utf8")).toBe(files["b.yaml"]);
    const second = await run(entries, dest);
    expect(second.out).toContain("0 fetched, 4 already cached, 0 failed");
  });

  it("fails on a checksum mismatch, a missing file or member, and writes nothing for them", async () => {
    const dest = path.join(dir, "cache-bad");
    const result = await run(
      [
        { path: "a.json", url: `${base}/a.json`, sha256: sha256("something else") },
        { path: "gone.json", url: `${base}/gone.json`, sha256: sha256("") },
        { path: "m.json", url: `${base}/chart-1.0.0.tgz`, extract: "chart/nope.json", sha256: sha256("") },
        { path: "../escape.json", url: `${base}/a.json`, sha256: sha256(files["a.json"]) },
      ],
      dest,
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain("0 fetched, 0 already cached, 4 failed");
    expect(result.out).toMatch(/a\.json from .*: SHA-256 [0-9a-f]{64}, manifest says/);
    expect(result.out).toMatch(/gone\.json from .*: HTTP 404/);
    expect(result.out).toContain("archive has no member chart/nope.json");
    expect(result.out).toContain("path leaves the cache folder");
    expect(fs.existsSync(path.join(dest, "a.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "escape.json"))).toBe(false);
  });
});
