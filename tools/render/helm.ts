/** Each Helm release: its values as Helm receives them, with chart, version and namespace. */
import { MockSecret, RegisteredResource, RunResult, reveal } from "../../harness";
import { FileNames, byTypeAndName, compare, subject } from "./names";
import { Redactor } from "./redact";
import { comment, toYaml } from "./yaml";

export const HELM_TYPE = /^kubernetes:helm\.sh\/v\d+:(Release|Chart)$/;

export interface HelmReleaseRender {
  readonly release: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly repository?: string;
  readonly resource: string;
  readonly file: string;
  readonly content: string;
}

function text(value: unknown, fallback: string): string {
  const plain = reveal(value);
  return typeof plain === "string" && plain !== "" ? plain : fallback;
}

function optionsNote(resource: RegisteredResource): string[] {
  const notes: string[] = [];
  if (resource.options.ignoreChanges.length > 0) notes.push(`ignoreChanges: ${resource.options.ignoreChanges.join(", ")}`);
  if (resource.options.retainOnDelete) notes.push("retainOnDelete: true");
  if (resource.options.protect) notes.push("protect: true");
  return notes;
}

export function renderHelm(result: RunResult, redactor: Redactor, files: FileNames): HelmReleaseRender[] {
  const releases = result.resources.filter((r) => HELM_TYPE.test(r.type)).sort(byTypeAndName);
  const rendered = releases.map((resource) => {
    const inputs = resource.inputs;
    const release = text(inputs.name, resource.name);
    const namespace = text(inputs.namespace, "default");
    const chart = text(inputs.chart, "(no chart)");
    const version = text(inputs.version, "(unpinned)");
    const repositoryOpts = reveal(inputs.repositoryOpts) as Record<string, unknown> | undefined;
    const repository = typeof repositoryOpts?.repo === "string" ? repositoryOpts.repo : undefined;
    const where = subject(resource);
    const values = redactor.clean(inputs.values ?? {}, where, "values");
    const rest = redactor.clean(
      Object.fromEntries(Object.entries(inputs).filter(([k]) => !["values", "name", "namespace", "chart", "version"].includes(k))),
      where,
    );
    const header = [
      `Helm release ${namespace}/${release}`,
      `chart: ${chart}`,
      `version: ${version}`,
      ...(repository ? [`repository: ${repository}`] : []),
      `resource: ${where}`,
      ...optionsNote(resource),
      ...(inputs.values instanceof MockSecret ? ["The values are a Pulumi secret as a whole; only their secret leaves are replaced below."] : []),
      "Other inputs:",
      toYaml(rest).replace(/\n$/, ""),
      "",
      "Values:",
    ].join("\n");
    return {
      release,
      namespace,
      chart,
      version,
      repository,
      resource: where,
      file: files.take("helm", `${namespace}-${release}`, ".values.yaml"),
      content: comment(header) + toYaml(values),
    };
  });
  return rendered.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.release, b.release) || compare(a.file, b.file));
}

/** helm/releases.yaml: every release with its chart and version, for a one-glance review. */
export function helmIndex(releases: readonly HelmReleaseRender[]): string {
  return (
    comment("Helm releases the program installs, with chart, version and values file.") +
    toYaml(
      releases.map((r) => ({
        release: r.release,
        namespace: r.namespace,
        chart: r.chart,
        version: r.version,
        repository: r.repository,
        values: r.file,
        resource: r.resource,
      })),
      ["release", "namespace", "chart", "version"],
    )
  );
}
