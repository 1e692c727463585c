/** Small queries over a RunResult, shared by tests, render and bench. */
import { MOCK_SECRET_MARKER, StackReferenceState } from "./mocks";
import { RegisteredResource, RunResult } from "./run";
import { plainOccurrences, reveal } from "./values";

export function ofType(result: RunResult, type: string): RegisteredResource[] {
  return result.resources.filter((r) => r.type === type);
}

export function named(result: RunResult, type: string, name: string): RegisteredResource {
  const found = result.resources.find((r) => r.type === type && r.name === name);
  if (!found) {
    const names = ofType(result, type).map((r) => r.name);
    throw new Error(`no ${type} named ${name}; registered: ${names.join(", ") || "none"}`);
  }
  return found;
}

export function byUrn(result: RunResult): Map<string, RegisteredResource> {
  return new Map(result.resources.map((r) => [r.urn, r]));
}

/** URNs `from` depends on, directly or through other resources (including via its parents' dependencies). */
export function transitiveDependencies(result: RunResult, from: RegisteredResource): Set<string> {
  const index = byUrn(result);
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop() as string;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const next = index.get(urn);
    if (next) stack.push(...next.dependencies);
  }
  return seen;
}

export function dependsOn(result: RunResult, from: RegisteredResource, to: RegisteredResource): boolean {
  return transitiveDependencies(result, from).has(to.urn);
}

/** The type of the root resource every stack has; not something the program registers. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** Resources registered without any stack-level error: everything but the root Stack. */
export function programResources(result: RunResult): RegisteredResource[] {
  return result.resources.filter((r) => r.type !== STACK_TYPE);
}

/**
 * Every place a mock secret value shows outside a secret: resource inputs, invoke inputs
 * and stack outputs. Empty when nothing leaks.
 */
export function secretLeaks(result: RunResult): string[] {
  const marker = new RegExp(
    [MOCK_SECRET_MARKER, ...[...result.world.sensitiveValues].map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))].join("|"),
  );
  const leaks: string[] = [];
  for (const r of result.resources) {
    leaks.push(...plainOccurrences(r.inputs, marker, `${r.type}::${r.name} inputs`));
  }
  for (const i of result.invokes) leaks.push(...plainOccurrences(i.inputs, marker, `invoke ${i.token} inputs`));
  for (const [k, o] of Object.entries(result.outputs)) {
    if (!o.secret) leaks.push(...plainOccurrences(o.value, marker, `stack output ${k}`));
  }
  return leaks;
}

/** A finished run's outputs as a peer stack reads them through a StackReference. */
export function asStackReference(result: RunResult): StackReferenceState {
  return {
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, o]) => [k, reveal(o.value)])),
    secretOutputNames: Object.entries(result.outputs).filter(([, o]) => o.secret).map(([k]) => k),
  };
}
