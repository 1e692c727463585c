/**
 * Stack names as a StackReference needs them. Config names peers either by short stack
 * name (same organization and project as this stack) or as `org/project/stack`.
 */
import * as pulumi from "@pulumi/pulumi";

export interface StackIdentity {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
}

export function currentStack(): StackIdentity {
  return { organization: pulumi.getOrganization(), project: pulumi.getProject(), stack: pulumi.getStack() };
}

export function fullName(id: StackIdentity): string {
  return `${id.organization}/${id.project}/${id.stack}`;
}

/** `apps` → `org/project/apps` in this stack's organization and project; `o/p/s` as given. */
export function qualifyStack(name: string, self: StackIdentity): string {
  const parts = name.split("/");
  if (parts.length === 1) return fullName({ ...self, stack: name });
  if (parts.length === 3 && parts.every((p) => p !== "")) return name;
  throw new Error(`"${name}" is not a stack name: use <stack> or <organization>/<project>/<stack>`);
}
