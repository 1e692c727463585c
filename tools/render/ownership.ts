/**
 * The summary's "Who owns the Helm releases" section, built from the program's `bootstrap`
 * stack output (components/bootstrap: `releaseOwner`, `releases` release → chart version
 * pinned in kubernetes/, `fluxSync`) and the Helm releases the run registers:
 *   releaseOwner flux    an adopted cluster, or one whose hand-off a previous run recorded:
 *                        Pulumi registers no release and Flux owns each at its version;
 *   releaseOwner pulumi  a fresh cluster's first run: which releases Pulumi installs, in
 *                        which order, before Flux takes them over.
 * Deterministic: rows in dependency order, ties by name.
 */
import { RegisteredResource, RunResult, reveal } from "../../harness";
import { HELM_TYPE, HelmReleaseRender } from "./helm";
import { compare } from "./names";

export interface BootstrapOwnership {
  readonly releaseOwner: "flux" | "pulumi";
  /** Release → chart version pinned in kubernetes/. */
  readonly releases: Readonly<Record<string, string>>;
  readonly fluxSync?: { readonly url: string; readonly ref: string; readonly path: string };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The `bootstrap` output, when the program exports one of the expected shape. */
export function bootstrapOwnership(result: RunResult): BootstrapOwnership | undefined {
  const output = record(reveal(result.outputs.bootstrap?.value));
  const owner = output?.releaseOwner;
  const releases = record(output?.releases);
  if ((owner !== "flux" && owner !== "pulumi") || !releases) return undefined;
  const sync = record(output?.fluxSync);
  const fluxSync =
    sync && typeof sync.url === "string" && typeof sync.ref === "string" && typeof sync.path === "string" ? { url: sync.url, ref: sync.ref, path: sync.path } : undefined;
  return { releaseOwner: owner, releases: Object.fromEntries(Object.entries(releases).map(([k, v]) => [k, String(v)])), fluxSync };
}

/** Release name (its `name` input) of a registered Helm release. */
function releaseName(resource: RegisteredResource): string {
  const name = reveal(resource.inputs.name);
  return typeof name === "string" && name !== "" ? name : resource.name;
}

/** Each registered release → the other registered releases it directly waits for. */
function helmDependencies(result: RunResult): Map<string, string[]> {
  const helm = result.resources.filter((r) => HELM_TYPE.test(r.type));
  const byUrn = new Map(helm.map((r) => [r.urn, releaseName(r)]));
  return new Map(
    helm.map((r) => [
      releaseName(r),
      [...new Set(r.dependencies.map((u) => byUrn.get(u)).filter((n): n is string => n !== undefined))].sort(compare),
    ]),
  );
}

/** Releases in install order: each after what it waits for, ties by name. */
function installOrder(dependencies: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const pending = new Set([...dependencies.keys()]);
  while (pending.size > 0) {
    const ready = [...pending].filter((r) => (dependencies.get(r) ?? []).every((d) => !pending.has(d))).sort(compare);
    // A cycle cannot be installed by Helm either; list what remains by name rather than loop.
    const next = ready.length > 0 ? ready : [...pending].sort(compare);
    for (const r of next) {
      order.push(r);
      pending.delete(r);
    }
  }
  return order;
}

type Table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) => string;

function syncSentence(ownership: BootstrapOwnership): string {
  const sync = ownership.fluxSync;
  return sync ? ` Flux reconciles them from \`${sync.path}\` of ${sync.url} (\`${sync.ref}\`).` : "";
}

/** Markdown lines of the section; none when the program exports no bootstrap output. */
export function ownershipSection(result: RunResult, helm: readonly HelmReleaseRender[], table: Table): string[] {
  const ownership = bootstrapOwnership(result);
  if (!ownership) return [];
  const lines = ["## Who owns the Helm releases", ""];
  const registered = new Map(helm.map((h) => [h.release, h]));
  if (ownership.releaseOwner === "flux") {
    lines.push(
      `Flux owns every bootstrapped release (\`bootstrap.releaseOwner: flux\`): Pulumi registers no Helm release, neither install nor import, and performs no Helm operation on them.${syncSentence(ownership)}`,
      "",
      table(
        ["release", "version (pinned in kubernetes/)", "owner"],
        Object.entries(ownership.releases)
          .sort(([a], [b]) => compare(a, b))
          .map(([release, version]) => [release, version, "Flux"]),
      ),
    );
    if (registered.size > 0) {
      lines.push("", `**Not as expected:** the run registers Helm releases although Flux owns them: ${[...registered.keys()].sort(compare).join(", ")}.`);
    }
    return lines;
  }
  const dependencies = helmDependencies(result);
  const order = installOrder(dependencies);
  const notInstalled = Object.keys(ownership.releases)
    .filter((r) => !registered.has(r))
    .sort(compare);
  lines.push(
    `Fresh cluster (\`bootstrap.releaseOwner: pulumi\`): Pulumi installs these Helm releases before the hand-off, each after the ones it waits for. Once Flux's release exists the run records the hand-off (\`lifecycle.fluxOwnsReleases\`); from the next run on Pulumi registers no release and Flux owns each at the version pinned in kubernetes/.${syncSentence(ownership)}`,
    "",
    table(
      ["order", "release", "namespace", "chart", "version", "installed after"],
      order.map((release, i) => {
        const h = registered.get(release);
        return [i + 1, release, h?.namespace ?? "", h?.chart ?? "", h?.version ?? ownership.releases[release] ?? "", (dependencies.get(release) ?? []).join(", ") || "-"];
      }),
    ),
  );
  if (notInstalled.length > 0) {
    lines.push("", `Listed in \`bootstrap.releases\` but not installed by this run: ${notInstalled.map((r) => `${r} ${ownership.releases[r]}`).join(", ")}.`);
  }
  return lines;
}
