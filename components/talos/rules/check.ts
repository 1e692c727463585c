/**
 * Runs the Talos rules over a node's planned patches: every problem names the patch
 * (file or generated), the document and the field. Pure: no Pulumi import.
 */
import { isRecord } from "../../../lib/guards";
import { describe, parsePatch, PatchDocument } from "../documents";
import type { NodePatch } from "../plan";
import { talosDocumentProblems } from "./documents";

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
