/** summary.md: counts, nodes, releases, who owns them (Pulumi or Flux), objects and warnings as Markdown tables. */
import { RunResult, programResources } from "../../harness";
import { Chain, describeChain } from "./graph";
import { HelmReleaseRender } from "./helm";
import { KubernetesObjectRender } from "./kubernetes";
import { compare } from "./names";
import { ownershipSection } from "./ownership";
import { TalosNodeRender } from "./talos";

export interface SummaryInput {
  readonly result: RunResult;
  readonly talos: readonly TalosNodeRender[];
  readonly helm: readonly HelmReleaseRender[];
  readonly kubernetes: readonly KubernetesObjectRender[];
  readonly chain: Chain;
  readonly placeholders: number;
  readonly leaks: readonly string[];
  /** The run's warnings, already cleaned. */
  readonly warnings: readonly string[];
  /** What stays unknown at a first preview (tools/render/unknowns.ts); undefined when not computed. */
  readonly firstPreviewUnknowns?: readonly (readonly [string, string, string])[];
}

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, "\\|");
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

export function summary(input: SummaryInput): string {
  const { result } = input;
  const resources = programResources(result);
  const perType = new Map<string, number>();
  for (const r of resources) perType.set(r.type, (perType.get(r.type) ?? 0) + 1);
  const invokesPerToken = new Map<string, number>();
  for (const i of result.invokes) invokesPerToken.set(i.token, (invokesPerToken.get(i.token) ?? 0) + 1);

  const sections = [
    `# Offline render of stack \`${result.stack}\``,
    "",
    table(
      ["what", "count"],
      [
        ["resources", resources.length],
        ["invokes", result.invokes.length],
        ["Talos nodes", input.talos.length],
        ["Helm releases", input.helm.length],
        ["Kubernetes objects", input.kubernetes.length],
        ["secret placeholders", input.placeholders],
        ["longest dependency chain", describeChain(input.chain)],
      ],
    ),
    "",
    "## Resources by type",
    "",
    table(["type", "count"], [...perType.entries()].sort(([a], [b]) => compare(a, b))),
    "",
    "## Invokes by function",
    "",
    table(["function", "count"], [...invokesPerToken.entries()].sort(([a], [b]) => compare(a, b))),
  ];
  if (input.talos.length > 0) {
    sections.push("", "## Talos nodes", "", table(["node", "machine type", "patches", "file", "merged config"], input.talos.map((n) => [n.node, n.machineType, n.patches, n.file, n.merged?.file ?? "-"])));
  }
  if (input.helm.length > 0) {
    sections.push(
      "",
      "## Helm releases",
      "",
      table(["release", "namespace", "chart", "version", "values"], input.helm.map((h) => [h.release, h.namespace, h.chart, h.version, h.file])),
    );
  }
  const ownership = ownershipSection(result, input.helm, table);
  if (ownership.length > 0) sections.push("", ...ownership);
  if (input.kubernetes.length > 0) {
    sections.push(
      "",
      "## Kubernetes objects",
      "",
      table(["kind", "namespace", "name", "file"], input.kubernetes.map((k) => [k.kind, k.namespace ?? "", k.name, k.file])),
    );
  }
  const outputs = Object.entries(result.outputs).sort(([a], [b]) => compare(a, b));
  if (outputs.length > 0) sections.push("", "## Stack outputs", "", table(["output", "secret"], outputs.map(([k, o]) => [k, o.secret ? "yes" : "no"])));
  if (input.firstPreviewUnknowns) {
    sections.push(
      "",
      "## Unknown at a first preview",
      "",
      input.firstPreviewUnknowns.length === 0
        ? "Nothing: every input is known when the stack has no state yet."
        : table(["resource type", "names", "unknown inputs"], input.firstPreviewUnknowns),
    );
  }
  if (input.warnings.length > 0) sections.push("", "## Warnings", "", ...[...input.warnings].sort(compare).map((w) => `- ${w}`));
  if (input.leaks.length > 0) {
    sections.push(
      "",
      "## Secret material in plain values (redacted)",
      "",
      "The program passes these values in the clear although they hold secret material; fix the program.",
      "",
      ...[...input.leaks].sort(compare).map((l) => `- ${l}`),
    );
  }
  return `${sections.join("\n")}\n`;
}
