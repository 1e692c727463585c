/**
 * The resource graph: a Mermaid flowchart (components as subgraphs holding their
 * children, solid edges from a dependency to what depends on it, dotted edges from a
 * provider to the resources it manages) and the longest dependency chain.
 */
import { RegisteredResource, RunResult, programResources } from "../../harness";
import { byTypeAndName, providerUrn, subject } from "./names";

/** What the program registered (not the root Stack), in a stable order. */
function sortedResources(result: RunResult): RegisteredResource[] {
  return programResources(result).sort(byTypeAndName);
}

/** What `resource` waits for: its dependencies and its provider, among registered resources. */
function prerequisites(resource: RegisteredResource, known: ReadonlyMap<string, RegisteredResource>): RegisteredResource[] {
  const urns = [...resource.dependencies, ...(resource.provider ? [providerUrn(resource.provider)] : [])];
  const found = new Map<string, RegisteredResource>();
  for (const urn of urns) {
    const dependency = known.get(urn);
    if (dependency && dependency !== resource) found.set(urn, dependency);
  }
  return [...found.values()].sort(byTypeAndName);
}

export interface Chain {
  /** Resources on the longest path, first prerequisite first. */
  readonly resources: RegisteredResource[];
}

/** The longest path through dependencies and provider references (ties broken by type and name). */
export function longestChain(result: RunResult): Chain {
  const resources = sortedResources(result);
  const known = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, RegisteredResource[]>();
  const visiting = new Set<string>();
  const chainTo = (resource: RegisteredResource): RegisteredResource[] => {
    const cached = memo.get(resource.urn);
    if (cached) return cached;
    // The engine cannot run a cycle; a recorded one would be a harness bug. Cut it here.
    if (visiting.has(resource.urn)) return [];
    visiting.add(resource.urn);
    let best: RegisteredResource[] = [];
    for (const dependency of prerequisites(resource, known)) {
      const candidate = chainTo(dependency);
      if (candidate.length > best.length) best = candidate;
    }
    visiting.delete(resource.urn);
    const chain = [...best, resource];
    memo.set(resource.urn, chain);
    return chain;
  };
  let longest: RegisteredResource[] = [];
  for (const resource of resources) {
    const chain = chainTo(resource);
    if (chain.length > longest.length) longest = chain;
  }
  return { resources: longest };
}

function label(resource: RegisteredResource): string {
  const escape = (text: string) => text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
  return `"${escape(resource.name)}<br/>${escape(resource.type)}"`;
}

export function mermaid(result: RunResult): string {
  const resources = sortedResources(result);
  const ids = new Map(resources.map((r, i) => [r.urn, `r${i + 1}`]));
  const known = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, RegisteredResource[]>();
  const roots: RegisteredResource[] = [];
  for (const resource of resources) {
    if (resource.parent && known.has(resource.parent)) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
    else roots.push(resource);
  }

  const lines = [
    `%% Resource graph of stack ${result.stack}, rendered offline from the program.`,
    "%% Subgraphs are components holding their children; --> runs from a dependency to",
    "%% what depends on it; -.-> from a provider to the resources it manages.",
    "flowchart LR",
  ];
  const emit = (resource: RegisteredResource, indent: string) => {
    const id = ids.get(resource.urn) as string;
    const kids = children.get(resource.urn) ?? [];
    if (kids.length === 0) {
      lines.push(`${indent}${id}[${label(resource)}]`);
      return;
    }
    lines.push(`${indent}subgraph ${id}[${label(resource)}]`);
    for (const kid of kids) emit(kid, `${indent}  `);
    lines.push(`${indent}end`);
  };
  for (const root of roots) emit(root, "  ");

  const ancestors = (resource: RegisteredResource): Set<string> => {
    const seen = new Set<string>();
    for (let p = resource.parent; p && known.has(p) && !seen.has(p); p = known.get(p)?.parent) seen.add(p);
    return seen;
  };
  for (const resource of resources) {
    const inside = ancestors(resource);
    const provider = resource.provider ? providerUrn(resource.provider) : undefined;
    for (const dependency of prerequisites(resource, known)) {
      // Nesting already shows that a child belongs to its component.
      if (inside.has(dependency.urn)) continue;
      const arrow = dependency.urn === provider && !resource.dependencies.includes(dependency.urn) ? "-.->" : "-->";
      lines.push(`  ${ids.get(dependency.urn)} ${arrow} ${ids.get(resource.urn)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `A → … → B (N resources)` for summaries. */
export function describeChain(chain: Chain): string {
  const list = chain.resources;
  if (list.length === 0) return "none";
  if (list.length === 1) return `${subject(list[0])} (1 resource)`;
  return `${subject(list[0])} → … → ${subject(list[list.length - 1])} (${list.length} resources)`;
}
