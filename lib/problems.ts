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
  /**
   * Pulumi's uncaught-error handler prints a RunError's message alone, without the
   * "unhandled exception" header and stack (sdk/nodejs/cmd/run/run.ts; RunError.isInstance
   * tests this flag), so a refusal's first line is its reason.
   */
  readonly __pulumiRunError = true;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    // The SDK prefixes `error serializing property "<key>": ` to the same error object once
    // per resource input it reaches (runtime/rpc.ts serializeFilteredProperties): a refusal
    // inside an apply would lead with a chain of them. The message keeps its reason first.
    let own = message;
    Object.defineProperty(this, "message", {
      get: () => own,
      set: (value: string) => {
        own = String(value).replace(/^(error serializing property "[^"]*": )+/, "");
      },
      enumerable: false,
      configurable: true,
    });
  }
}
