#!/usr/bin/env node
// Fetches every upstream schema and CRD listed in schemas/manifest.json into a cache
// folder (default .cache/schemas, git-ignored) and verifies each SHA-256; a mismatch
// fails and writes nothing. Files already cached with the right checksum are kept.
// Chart archives (.tgz) are unpacked in memory and only the listed member is kept.
// No dependencies: Node's fetch, zlib and crypto only, so CI runs it before npm test.
//
//   node tools/ci/fetch-schemas.mjs [--manifest FILE] [--dest DIR]
// URLs may be https:, http: or file: (the last two for offline tests).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : fallback;
}

const manifestFile = option("--manifest", path.join(root, "schemas", "manifest.json"));
const dest = option("--dest", path.join(root, ".cache", "schemas"));

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function download(url) {
  const parsed = new URL(url);
  if (parsed.protocol === "file:") return fs.readFileSync(fileURLToPath(parsed));
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error(`unsupported URL scheme ${parsed.protocol}`);
  const response = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The bytes of `member` in a gzipped tar archive (ustar: 512-byte headers, size in octal). */
function tarMember(archive, member) {
  const tar = gunzipSync(archive);
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const text = (start, length) => header.subarray(start, start + length).toString("utf8").replace(/\0.*$/s, "");
    const prefix = text(345, 155);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    const size = parseInt(text(124, 12).trim() || "0", 8);
    const body = offset + 512;
    if (name === member) return tar.subarray(body, body + size);
    offset = body + Math.ceil(size / 512) * 512;
  }
  throw new Error(`archive has no member ${member}`);
}

const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
const downloads = new Map();
const failures = [];
let fetched = 0;
let cached = 0;

for (const entry of manifest.schemas) {
  const target = path.join(dest, entry.path);
  if (path.relative(dest, target).startsWith("..")) {
    failures.push(`${entry.path}: path leaves the cache folder`);
    continue;
  }
  if (fs.existsSync(target) && sha256(fs.readFileSync(target)) === entry.sha256) {
    cached++;
    continue;
  }
  try {
    if (!downloads.has(entry.url)) downloads.set(entry.url, download(entry.url));
    const bytes = await downloads.get(entry.url);
    const content = entry.extract ? tarMember(bytes, entry.extract) : bytes;
    const actual = sha256(content);
    if (actual !== entry.sha256) throw new Error(`SHA-256 ${actual}, manifest says ${entry.sha256}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(`${target}.partial`, content);
    fs.renameSync(`${target}.partial`, target);
    fetched++;
  } catch (error) {
    failures.push(`${entry.path} from ${entry.url}${entry.extract ? ` (${entry.extract})` : ""}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

console.log(`schemas: ${fetched} fetched, ${cached} already cached, ${failures.length} failed, in ${path.relative(process.cwd(), dest) || "."}`);
if (failures.length > 0) {
  for (const failure of failures) console.error(`  - ${failure}`);
  process.exit(1);
}
