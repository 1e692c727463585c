/**
 * Everything else a reviewer needs to see change: every resource with its inputs,
 * parent, provider, dependencies and non-default options; every invoke; the stack outputs.
 */
import { MockSecret, RegisteredResource, RunResult, STACK_TYPE, byUrn, programResources } from "../../harness";
import { byTypeAndName, compare, providerUrn, subject, urnSubject } from "./names";
import { invokeSource } from "./origins";
import { Redactor } from "./redact";
import { comment, toYaml } from "./yaml";

/** Options that differ from Pulumi's defaults: what a reviewer should notice. */
export function notableOptions(resource: RegisteredResource): Record<string, unknown> {
  const o = resource.options;
  const notable: Record<string, unknown> = {};
  if (o.protect) notable.protect = true;
  if (o.retainOnDelete) notable.retainOnDelete = true;
  if (o.deleteBeforeReplace) notable.deleteBeforeReplace = true;
  if (o.ignoreChanges.length > 0) notable.ignoreChanges = o.ignoreChanges;
  if (o.replaceOnChanges.length > 0) notable.replaceOnChanges = o.replaceOnChanges;
  if (o.additionalSecretOutputs.length > 0) notable.additionalSecretOutputs = o.additionalSecretOutputs;
  if (o.version) notable.version = o.version;
  if (o.pluginDownloadURL) notable.pluginDownloadURL = o.pluginDownloadURL;
  const timeouts = o.customTimeouts;
  if (timeouts && (timeouts.create || timeouts.update || timeouts.delete)) notable.customTimeouts = timeouts;
  return notable;
}

export function resourcesFile(result: RunResult, redactor: Redactor): string {
  const index = byUrn(result);
  const name = (urn: string) => {
    const resource = index.get(urn);
    return resource ? subject(resource) : urnSubject(urn);
  };
  const entries = programResources(result)
    .sort(byTypeAndName)
    .map((r) => {
      const parent = r.parent && index.get(r.parent)?.type !== STACK_TYPE ? name(r.parent) : undefined;
      const options = notableOptions(r);
      const dependsOn = r.dependencies.map(name).sort(compare);
      return {
        resource: subject(r),
        parent,
        provider: r.provider ? name(providerUrn(r.provider)) : undefined,
        dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
        options: Object.keys(options).length > 0 ? options : undefined,
        inputs: Object.keys(r.inputs).length > 0 ? redactor.clean(r.inputs, subject(r)) : undefined,
      };
    });
  return (
    comment("Every resource the program registers, by type and name: inputs, parent, provider, dependencies, options.") +
    toYaml(entries, ["resource", "parent", "provider", "dependsOn", "options", "inputs"])
  );
}

export function invokesFile(result: RunResult, redactor: Redactor): string {
  const entries = result.invokes
    // The SDK strips secret markers from invoke arguments before they reach the engine
    // (the result turns secret instead), so secret material here is expected: replace
    // it, do not report it. The harness's secretLeaks judges invoke arguments itself.
    .map((i) => ({ token: i.token, inputs: redactor.clean(i.inputs, `invoke ${invokeSource(i)}`, "", true) }))
    .map((e) => ({ ...e, key: `${e.token}\n${toYaml(e.inputs)}` }))
    .sort((a, b) => compare(a.key, b.key))
    .map(({ token, inputs }) => ({ token, inputs }));
  return comment("Every provider function the program calls (data reads), with its inputs.") + toYaml(entries, ["token", "inputs"]);
}

export function outputsFile(result: RunResult, redactor: Redactor): string {
  const outputs = Object.fromEntries(
    Object.entries(result.outputs).map(([key, output]) => [
      key,
      redactor.clean(output.secret ? new MockSecret(output.value) : output.value, "stack output", key),
    ]),
  );
  return comment("Stack outputs; secret ones as placeholders.") + toYaml(outputs);
}
