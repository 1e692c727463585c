/**
 * The derived credentials of an adopted PKI (client-credentials.ts) as secret Outputs,
 * built from the PKI item's fields without any resource: known at preview whenever the
 * fields are (they come from invokes), secret from the moment they exist, never logged,
 * written to a file or exported.
 */
import * as pulumi from "@pulumi/pulumi";
import { derivedKubeconfig, derivedTalosconfig, type KubernetesTarget, type TalosRole, type TalosTarget } from "./client-credentials";
import type { PkiFields } from "./rules/pki";

export { talosTarget, CREDENTIAL_WINDOW_HOURS, type TalosRole, type TalosTarget, type KubernetesTarget } from "./client-credentials";

/**
 * A talosconfig for the target whose client certificate of `role` the adopted OS CA signs
 * (secret). Callable before any resource is registered: it needs only the PKI fields.
 */
export function derivedTalosconfigOutput(
  fields: pulumi.Input<PkiFields>,
  target: TalosTarget,
  role: TalosRole,
  now: Date = new Date(),
): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(fields).apply((f) => derivedTalosconfig(f, target, role, now)));
}

/** The `os:reader` talosconfig the day-2 observation and previews use (secret). */
export function observerTalosconfig(fields: pulumi.Input<PkiFields>, target: TalosTarget, now: Date = new Date()): pulumi.Output<string> {
  return derivedTalosconfigOutput(fields, target, "os:reader", now);
}

/** An admin kubeconfig for the cluster endpoint whose client certificate the adopted Kubernetes CA signs (secret). */
export function derivedKubeconfigOutput(fields: pulumi.Input<PkiFields>, target: KubernetesTarget, now: Date = new Date()): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(fields).apply((f) => derivedKubeconfig(f, target, now)));
}
