/**
 * The one shape of "what is wrong, and where", and the one base class of the program's
 * errors. Pure: no Pulumi import.
 *
 * Every refusal the program makes before registering a resource lists all its problems at
 * once, so a user fixes a config in one pass instead of one error per run.
 */

/** A problem and where it is: a config path (`k8s-gitops:nodes[1].address`), a file, or "" when the message says it. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** `  - path: message`, or `  - message` when the problem has no path. */
export function formatProblem(problem: Problem | string): string {
  if (typeof problem === "string") return `  - ${problem}`;
  return problem.path ? `  - ${problem.path}: ${problem.message}` : `  - ${problem.message}`;
}

/** `header:\n  - a\n  - b`. */
export function formatProblems(header: string, problems: readonly (Problem | string)[]): string {
  return `${header}:\n${problems.map(formatProblem).join("\n")}`;
}

/** `3 problems`, `1 problem`. */
export function countProblems(problems: readonly unknown[]): string {
  return `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
}

/**
 * Base of every error the program raises on purpose: its `name` is the subclass's name, so
 * Pulumi's and jest's output say which check refused, and `instanceof ProjectError` tells a
 * deliberate refusal from a crash.
 */
export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
