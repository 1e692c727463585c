import { countProblems, formatProblems, Problem, ProjectError } from "../lib/problems";

export const CONFIG_NAMESPACE = "k8s-gitops";

/** One error for every problem in a stack's config, each with its config path. */
export class ConfigError extends ProjectError {
  constructor(readonly problems: readonly Problem[]) {
    super(formatProblems(`invalid stack config (${countProblems(problems)})`, problems));
  }
}

/** `k8s-gitops:nodes[1].address` from a path inside the namespace. */
export function configPath(segments: readonly PropertyKey[]): string {
  const [top, ...rest] = segments;
  const tail = rest.map((s) => (typeof s === "number" ? `[${s}]` : `.${String(s)}`)).join("");
  return `${CONFIG_NAMESPACE}:${String(top ?? "")}${tail}`;
}
