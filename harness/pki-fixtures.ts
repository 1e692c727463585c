/**
 * TEST-ONLY Talos PKI items for the mock 1Password: throwaway certificates, keys, secrets
 * and tokens in the formats Talos generates, committed (fixtures/talos-pki.test-only.json,
 * made by fixtures/generate-talos-pki.sh) so the harness runs offline. One item per
 * cluster, plus `other-cluster` for "another cluster's key" cases.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

const FIXTURE = path.join(__dirname, "fixtures", "talos-pki.test-only.json");

let cache: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;

/** Every fixture item by cluster name. */
export function talosPkiFixtures(): Readonly<Record<string, Readonly<Record<string, string>>>> {
  cache ??= (JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as { items: Record<string, Record<string, string>> }).items;
  return cache;
}

/**
 * The fixture item for a `<cluster>-talos` title; another title gets one of the fixtures,
 * always the same for the same title.
 */
export function talosPkiItem(title: string): Record<string, string> {
  const all = talosPkiFixtures();
  const cluster = title.replace(/-talos$/, "");
  if (all[cluster]) return { ...all[cluster] };
  const names = Object.keys(all).sort();
  const pick = createHash("sha256").update(title).digest().readUInt32BE(0) % names.length;
  return { ...all[names[pick]] };
}

/**
 * Every form in which a fixture item's secret value may travel through the program: the
 * field itself, base64 of it (a chart value), and each line of a key's PEM body (the
 * decoded PEM, and the PEM relabelled for the TLS provider, contain them). Certificates
 * and the cluster id are public and left out.
 */
export function sensitiveFormsOf(fields: Readonly<Record<string, string>>): string[] {
  const forms: string[] = [];
  for (const [label, value] of Object.entries(fields)) {
    if (/_CRT$/.test(label) || label === "CLUSTER_ID") continue;
    forms.push(value, Buffer.from(value, "utf8").toString("base64"));
    if (/_KEY$/.test(label)) {
      const body = Buffer.from(value, "base64").toString("utf8").split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
      forms.push(...body.filter((line) => line.length >= 16));
    }
  }
  // Shorter strings would match by chance.
  return forms.filter((form) => form.length >= 8);
}
