/**
 * Runs the Talos rules over a node's planned patches: every problem names the patch
 * (file or generated), the document and the field. Pure: no Pulumi import.
 */
import { isRecord } from "../../../lib/guards";
import { describe, parsePatch, PatchDocument, V1ALPHA1 } from "../documents";
import type { NodePatch } from "../plan";
import { talosDocumentProblems } from "./documents";
import { documentId, mergeAll } from "./merge";

function configuresLink(doc: PatchDocument, link: string): boolean {
  const { body } = doc;
  const links = Array.isArray(body.links) ? body.links : [];
  return doc.name === link || links.includes(link) || body.parent === link;
}

/** `<source>: document N (Kind name): <field>: <reason>` for every problem of every patch. */
export function nodePatchesProblems(patches: readonly NodePatch[], ignoredInterfaces: readonly string[]): string[] {
  return patches.flatMap(({ source, text }) => {
    const parsed = parsePatch(text);
    const docs = parsed.documents;
    return [
      ...parsed.problems.map((reason) => `${source}: ${reason}`),
      ...docs.flatMap((doc) => [
        ...talosDocumentProblems(doc).map((reason) => `${source}: ${describe(doc)}: ${reason}`),
        ...ignoredInterfaces
          .filter((link) => doc.kind !== "v1alpha1" && isRecord(doc.body) && configuresLink(doc, link))
          .map((link) => `${source}: ${describe(doc)}: configures ${link}, which network.ignoredInterfaces leaves alone`),
      ]),
    ];
  });
}

/**
 * Problems that only the merged result has: a node override can be valid alone and still
 * break a generated document it merges into (an override `HostnameConfig` with
 * `auto: stable` over the generated `hostname:` is refused by Talos at apply). The rules run
 * on each merged document (merge.ts, Talos's StrategicMerge); problems a single patch
 * already shows are not repeated. Unparseable patches are left to nodePatchesProblems.
 */
export function mergedPatchesProblems(patches: readonly NodePatch[]): string[] {
  const parsed = patches.map((p) => ({ source: p.source, parsed: parsePatch(p.text) }));
  if (parsed.some((p) => p.parsed.problems.length > 0)) return [];
  const alone = new Set(parsed.flatMap((p) => p.parsed.documents.flatMap((d) => talosDocumentProblems(d).map((r) => `${documentId(d.body)} ${r}`))));
  const merged = mergeAll([], parsed.map((p) => p.parsed.documents.map((d) => d.body)));
  return merged.flatMap((doc) => {
    const kind = doc.id === "v1alpha1" ? V1ALPHA1 : String(doc.body.kind);
    const name = typeof doc.body.name === "string" ? doc.body.name : undefined;
    const sources = parsed.filter((p) => p.parsed.documents.some((d) => documentId(d.body) === doc.id)).map((p) => p.source);
    return talosDocumentProblems({ index: 0, kind, name, body: doc.body })
      .filter((reason) => !alone.has(`${doc.id} ${reason}`))
      .map((reason) => `${kind}${name ? ` ${name}` : ""} as merged from ${sources.join(" + ")}: ${reason}`);
  });
}
