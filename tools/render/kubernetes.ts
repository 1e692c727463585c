/**
 * The Kubernetes objects the program creates, one file each, as the API server would
 * receive them. A yaml/v2 ConfigGroup or ConfigFile is expanded into its objects when
 * they are inline (`objs`, `yaml`); files it only references are listed as such.
 */
import { parseAllDocuments } from "yaml";
import { RegisteredResource, RunResult, reveal } from "../../harness";
import { HELM_TYPE } from "./helm";
import { FileNames, byTypeAndName, compare, providerUrn, urnSubject, subject } from "./names";
import { Redactor } from "./redact";
import { comment, toYaml } from "./yaml";
import { asRecord } from "../../lib/guards";

export interface KubernetesObjectRender {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly resource: string;
  readonly file: string;
  readonly content: string;
}

const OBJECT_ORDER = ["apiVersion", "kind", "metadata"];

/** `kubernetes:core/v1:ConfigMap` → apiVersion `v1`, kind `ConfigMap`. */
export function typeToGvk(type: string): { apiVersion: string; kind: string } {
  const [, groupVersion = "", kind = ""] = type.split(":");
  return { apiVersion: groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion, kind };
}

const record = asRecord;

/** Inline objects of a yaml/v2 ConfigGroup/ConfigFile, plain (for naming) and as recorded (for cleaning). */
function inlineObjects(inputs: Record<string, unknown>): unknown[] {
  const objs = inputs.objs;
  const list: unknown[] = Array.isArray(objs) ? objs.flat() : objs !== undefined ? [objs] : [];
  const yamlText = reveal(inputs.yaml);
  for (const text of Array.isArray(yamlText) ? yamlText : [yamlText]) {
    if (typeof text !== "string") continue;
    for (const doc of parseAllDocuments(text)) {
      const value: unknown = doc.toJS();
      if (value !== null && value !== undefined) list.push(value);
    }
  }
  return list;
}

export function renderKubernetes(result: RunResult, redactor: Redactor, files: FileNames): KubernetesObjectRender[] {
  const resources = result.resources.filter((r) => r.type.startsWith("kubernetes:") && !HELM_TYPE.test(r.type)).sort(byTypeAndName);
  const rendered: KubernetesObjectRender[] = [];

  const emit = (resource: RegisteredResource, object: unknown, note: string[]) => {
    const where = subject(resource);
    const cleaned = (record(redactor.clean(object, where)) ?? {}) as Record<string, unknown>;
    const plain = record(reveal(object)) ?? {};
    const metadata = record(plain.metadata) ?? {};
    const derived = typeToGvk(resource.type);
    const kind = typeof plain.kind === "string" ? plain.kind : derived.kind;
    const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    const autoNamed = typeof metadata.name !== "string";
    const name = autoNamed ? resource.name : String(metadata.name);
    const object_ = { apiVersion: plain.apiVersion ?? derived.apiVersion, kind, ...cleaned };
    const header = [
      `${kind} ${namespace ? `${namespace}/` : ""}${name}`,
      `resource: ${where}`,
      ...(resource.provider ? [`provider: ${urnSubject(providerUrn(resource.provider))}`] : []),
      ...(autoNamed ? [`metadata.name is not set: Pulumi names it ${resource.name}-<random suffix>.`] : []),
      ...note,
    ].join("\n");
    rendered.push({
      kind,
      namespace,
      name,
      resource: where,
      file: files.take("kubernetes", `${kind.toLowerCase()}-${namespace ? `${namespace}-` : ""}${name}`, ".yaml"),
      content: comment(header) + toYaml(object_, OBJECT_ORDER),
    });
  };

  for (const resource of resources) {
    const inputs = resource.inputs;
    if (record(reveal(inputs.metadata)) || typeof reveal(inputs.kind) === "string") {
      emit(resource, inputs, []);
      continue;
    }
    // A component such as kubernetes:yaml/v2:ConfigGroup: its objects, then what it references.
    const objects = inlineObjects(inputs);
    objects.forEach((object, i) => emit(resource, object, [`object ${i + 1} of ${objects.length} inline in ${subject(resource)}`]));
    const rest = Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== "objs" && k !== "yaml"));
    if (objects.length === 0 || Object.keys(rest).length > 0) {
      const where = subject(resource);
      rendered.push({
        kind: typeToGvk(resource.type).kind,
        name: resource.name,
        resource: where,
        file: files.take("kubernetes", `${typeToGvk(resource.type).kind.toLowerCase()}-${resource.name}`, ".yaml"),
        content: comment(`${where}: inputs other than inline objects`) + toYaml(redactor.clean(rest, where)),
      });
    }
  }
  return rendered.sort((a, b) => compare(a.file, b.file));
}
