// `npm run vendor-crds [-- <set>...]`: refresh the vendored phase-0 CRDs (and the admission
// policy files listed with them) after a version bump.
// For each CRD set of bootstrap/crds.yaml, downloads every listed file from `source` at the
// pinned `version` into bootstrap/crds/<set>/ and rewrites its sha256 in crds.yaml. The only
// step that needs the network; review the diff (the CRDs) before committing it.
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { sha256Hex } from "../bootstrap/crd-files";
import { CRD_FILES_DIR, CRDS_FILE } from "../bootstrap/plan";

interface SetNode {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  readonly files: Array<{ file: string; sha256: string }>;
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function main(only: readonly string[]): Promise<void> {
  const repoRoot = path.resolve(__dirname, "..");
  const crdsPath = path.join(repoRoot, CRDS_FILE);
  // A YAML document (not plain data) so comments and Renovate markers survive the rewrite.
  const doc = parseDocument(fs.readFileSync(crdsPath, "utf8"));
  const sets = (doc.toJS() as { crdSets: SetNode[] }).crdSets;
  for (const [i, set] of sets.entries()) {
    if (only.length > 0 && !only.includes(set.name)) continue;
    const base = set.source.split("{version}").join(set.version);
    const dir = path.join(repoRoot, CRD_FILES_DIR, set.name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [j, entry] of set.files.entries()) {
      const bytes = await download(`${base}${entry.file}`);
      fs.writeFileSync(path.join(dir, entry.file), bytes);
      doc.setIn(["crdSets", i, "files", j, "sha256"], sha256Hex(bytes));
      console.log(`${set.name} ${set.version}: ${entry.file}`);
    }
  }
  fs.writeFileSync(crdsPath, doc.toString({ lineWidth: 80, flowCollectionPadding: false }));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
