/**
 * `npx ts-node --transpile-only tools/e2e/cli.ts <command> [stack]` (stack defaults to e2e):
 *   env             KEY=value lines for $GITHUB_ENV: tool versions (tools/ci/tool-versions.ts), subnet,
 *                   node counts and addresses
 *   kustomizations  the Flux Kustomizations to wait for, one per line
 *   skipped         the ones that cannot become Ready, with the reason
 *   releases        `namespace release` of every Helm release the program installs, read
 *                   from the real program run offline under the mock runtime
 *   initial-versions `key value` lines of the versions object the first `up` runs with: the
 *                   stack's, with talos at the previous patch of the pin (talos-versions.ts).
 *                   A stack value replaces a project-level object whole (pulumi/pulumi#13176),
 *                   so every key is set; the last day-2 phase removes the override again.
 */
import { PROJECT_ROOT, ofType, readProjectConfig, runProgram } from "../../harness";
import { envLines, toolVersions } from "../ci/tool-versions";
import { clusterPlan, fluxKustomizations, kustomizationGates } from "./plan";
import { previousPatch } from "./talos-versions";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

async function main(argv: readonly string[]): Promise<number> {
  const [command, stack = "e2e"] = argv;
  const { values } = readProjectConfig(PROJECT_ROOT, stack);
  const plan = clusterPlan(values);
  const out = (lines: readonly string[]) => process.stdout.write(lines.map((l) => `${l}\n`).join(""));
  switch (command) {
    case "env":
      out([
        `E2E_STACK=${stack}`,
        `E2E_CLUSTER=${plan.cluster}`,
        // What tools/ci/install-tools.sh installs; TALOS_VERSION is also the Talos the last day-2 phase upgrades to.
        ...envLines(toolVersions(PROJECT_ROOT, stack)),
        // The Talos the VMs boot and the first up installs; the last day-2 phase upgrades to TALOS_VERSION.
        `E2E_TALOS_INITIAL=${previousPatch(plan.talosVersion)}`,
        `E2E_CIDR=${plan.cidr}`,
        `E2E_CONTROLPLANES=${plan.controlPlanes.length}`,
        `E2E_WORKERS=${plan.workers.length}`,
        `E2E_CONTROLPLANE_NODES=${plan.controlPlanes.join(",")}`,
        `E2E_WORKER_NODES=${plan.workers.join(",")}`,
        `E2E_NODES=${[...plan.controlPlanes, ...plan.workers].join(",")}`,
        `E2E_ENDPOINT=${plan.endpoint}`,
      ]);
      return 0;
    case "initial-versions": {
      const versions = values["k8s-gitops:versions"] as Readonly<Record<string, unknown>>;
      out(Object.entries({ ...versions, talos: previousPatch(plan.talosVersion) }).map(([key, value]) => `${key} ${String(value)}`));
      return 0;
    }
    case "kustomizations":
      out(kustomizationGates(fluxKustomizations(PROJECT_ROOT, plan.fluxPath)).ready);
      return 0;
    case "skipped":
      out([...kustomizationGates(fluxKustomizations(PROJECT_ROOT, plan.fluxPath)).skipped].map(([name, why]) => `${name}: ${why}`));
      return 0;
    case "releases": {
      const result = await runProgram({ stack });
      if (result.error) throw result.error;
      out(
        ofType(result, HELM_RELEASE).map((r) => {
          const { name, namespace } = r.inputs as { name?: unknown; namespace?: unknown };
          return `${String(namespace)} ${String(name)}`;
        }),
      );
      return 0;
    }
    default:
      process.stderr.write("usage: tools/e2e/cli.ts env|initial-versions|kustomizations|skipped|releases [stack]\n");
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
