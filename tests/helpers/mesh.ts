/** Mesh test helpers: peers as StackReferences and the documented deployment order. */
import { asStackReference, runProgram, RunResult, StackReferenceState } from "../../harness";

/** A stack's fully-qualified name under the mock runtime's organization and project. */
export const fq = (stack: string): string => `organization/k8s-gitops/${stack}`;

/** A finished, successful run as its peers see it through a StackReference. */
export function asPeer(result: RunResult): StackReferenceState {
  expect(result.error).toBeUndefined();
  return asStackReference(result);
}

/** `pulumi up` of infra, then apps, then infra again, each reading the previous run's outputs. */
export async function deployInfraAppsInfra(): Promise<{ first: RunResult; apps: RunResult; again: RunResult }> {
  const first = await runProgram({ stack: "infra" });
  const apps = await runProgram({ stack: "apps", stackReferences: { [fq("infra")]: asPeer(first) } });
  const again = await runProgram({ stack: "infra", stackReferences: { [fq("apps")]: asPeer(apps) } });
  return { first, apps, again };
}
