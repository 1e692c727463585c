/**
 * The offline render: what a run of the program would apply, as files. Pure: the same
 * RunResult always yields the same files, byte for byte.
 *
 *   talos/<node>.yaml              each node's machine-config patches
 *   talos/<node>.machineconfig.yaml  each node's merged machine config (secrets redacted)
 *   helm/<ns>-<release>.values.yaml each release's values (chart and version in the header)
 *   helm/releases.yaml             every release with chart and version
 *   kubernetes/<kind>-<ns>-<name>.yaml  each Kubernetes object
 *   resources.yaml, invokes.yaml, outputs.yaml  everything else, for review diffs
 *   graph.mmd                      the resource graph (Mermaid)
 *   summary.md                     counts and tables (also printed)
 */
import * as fs from "fs";
import { RunResult } from "../../harness";
import { longestChain, mermaid } from "./graph";
import { helmIndex, renderHelm } from "./helm";
import { invokesFile, outputsFile, resourcesFile } from "./inventory";
import { renderKubernetes } from "./kubernetes";
import { FileNames } from "./names";
import { OriginIndex } from "./origins";
import { Redactor } from "./redact";
import { summary } from "./summary";
import { stackPlans } from "./plans";
import { renderTalos } from "./talos";
import { firstPreviewUnknowns } from "./unknowns";

export interface Render {
  /** Relative path → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly summary: string;
  /** Plain values that held secret material (redacted in the files). */
  readonly leaks: readonly string[];
  readonly placeholders: number;
  /** Finds secret material in text: what must never reach a rendered file. */
  readonly containsSecret: (text: string) => boolean;
}

/** `firstPreview`: the same stack run as a first preview, whose unknowns the summary lists. */
export function renderResult(result: RunResult, projectRoot: string, firstPreview?: RunResult): Render {
  const origins = OriginIndex.build(result);
  const roots = [...new Set([projectRoot, fs.realpathSync(projectRoot)])].sort((a, b) => b.length - a.length);
  const redactor = new Redactor(origins, roots);
  const names = new FileNames();

  const talos = renderTalos(result, redactor, names, stackPlans(result, projectRoot));
  const helm = renderHelm(result, redactor, names);
  const kubernetes = renderKubernetes(result, redactor, names);
  const files = new Map<string, string>();
  for (const item of [...talos, ...helm, ...kubernetes]) files.set(item.file, item.content);
  for (const node of talos) if (node.merged) files.set(node.merged.file, node.merged.content);
  if (helm.length > 0) files.set("helm/releases.yaml", helmIndex(helm));
  files.set("resources.yaml", resourcesFile(result, redactor));
  files.set("invokes.yaml", invokesFile(result, redactor));
  files.set("outputs.yaml", outputsFile(result, redactor));
  files.set("graph.mmd", mermaid(result));

  const chain = longestChain(result);
  const warnings = result.warnings.map((w) => String(redactor.clean(w, "warning")));
  const text = summary({ result, talos, helm, kubernetes, chain, placeholders: redactor.placeholders, leaks: redactor.leaks, warnings,
    firstPreviewUnknowns: firstPreview ? firstPreviewUnknowns(firstPreview) : undefined,
  });
  files.set("summary.md", text);

  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { files: sorted, summary: text, leaks: [...redactor.leaks], placeholders: redactor.placeholders, containsSecret: (t) => origins.isSecretMatter(t) };
}
