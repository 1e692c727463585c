/**
 * Phase 2, the hand-off: what Flux reads before it can reconcile anything. The namespaces
 * of the releases (labels from their manifests in kubernetes/), the 1Password Connect token
 * external-secrets authenticates with, the cluster-settings ConfigMap every Kustomization
 * substitutes from, and the one Flux sync, which is the FluxInstance of the flux-instance
 * release: the program registers no GitRepository or Kustomization of its own.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartSpec } from "../../bootstrap/loader";
import type { NamespaceManifest } from "../../bootstrap/namespaces";
import type { Settings } from "../../bootstrap/substitute";
import type { KubernetesOptions } from "./crds";
import { isRecord } from "../../lib/guards";
import { CLUSTER_SETTINGS, CONNECT_TOKEN, PROGRAM_WRITE_ANNOTATIONS, RECONCILE_DISABLED } from "../../bootstrap/handoff-objects";

export { CLUSTER_SETTINGS, CONNECT_TOKEN } from "../../bootstrap/handoff-objects";

export interface FluxSync {
  readonly kind: string;
  readonly url: string;
  readonly ref: string;
  readonly path: string;
}

// Everything here keeps the running cluster reconciling: a destroyed stack leaves it.
const RETAIN = { retainOnDelete: true } as const;

export function createNamespaces(manifests: readonly NamespaceManifest[], opts: KubernetesOptions): Map<string, k8s.core.v1.Namespace> {
  return new Map(
    manifests.map((m) => [
      m.name,
      // Deleting a namespace deletes everything in it.
      new k8s.core.v1.Namespace(m.name, { metadata: { name: m.name, labels: { ...m.labels }, annotations: { ...PROGRAM_WRITE_ANNOTATIONS } } }, { ...opts, ...RETAIN }),
    ]),
  );
}

function namespaceOf(namespaces: ReadonlyMap<string, pulumi.Resource>, name: string, what: string): pulumi.Resource {
  const found = namespaces.get(name);
  if (!found) throw new Error(`${what} lives in namespace ${name}, which no bootstrapped release installs into`);
  return found;
}

/** `flux-system/cluster-settings`: the settings map, the same one the releases were substituted from. */
export function createClusterSettings(
  settings: Settings,
  namespaces: ReadonlyMap<string, pulumi.Resource>,
  opts: KubernetesOptions,
): k8s.core.v1.ConfigMap {
  const namespace = namespaceOf(namespaces, CLUSTER_SETTINGS.namespace, "ConfigMap cluster-settings");
  return new k8s.core.v1.ConfigMap(
    CLUSTER_SETTINGS.name,
    {
      metadata: { name: CLUSTER_SETTINGS.name, namespace: CLUSTER_SETTINGS.namespace, annotations: { ...PROGRAM_WRITE_ANNOTATIONS, ...RECONCILE_DISABLED } },
      data: { ...settings },
    },
    { ...opts, ...RETAIN, dependsOn: [namespace] },
  );
}

/**
 * `external-secrets/onepassword-connect-token` from the 1Password field named in config.
 * Without 1Password there is no token to seed: the release and Flux still come up, and the
 * onepassword ClusterSecretStore stays not ready until someone creates the Secret.
 */
export function createConnectToken(
  token: pulumi.Output<string> | undefined,
  namespaces: ReadonlyMap<string, pulumi.Resource>,
  opts: KubernetesOptions,
): k8s.core.v1.Secret | undefined {
  const { name, namespace, key } = CONNECT_TOKEN;
  if (token === undefined) {
    void pulumi.log.warn(
      `1Password is disabled: Secret ${namespace}/${name} (key ${key}) is not seeded, so the onepassword ClusterSecretStore stays not ready until it is created by hand`,
      opts.parent,
    );
    return undefined;
  }
  const ns = namespaceOf(namespaces, namespace, `Secret ${name}`);
  return new k8s.core.v1.Secret(
    name,
    { metadata: { name, namespace, annotations: { ...PROGRAM_WRITE_ANNOTATIONS } }, type: "Opaque", stringData: { [key]: pulumi.secret(token) } },
    { ...opts, ...RETAIN, dependsOn: [ns] },
  );
}

/**
 * The Flux sync of the bootstrapped FluxInstance (values `instance.sync`). Exactly one
 * release must define it: none would leave the cluster without GitOps, two would be the
 * overlapping syncs of the old repository.
 */
export function fluxSyncOf(charts: readonly ChartSpec[]): FluxSync {
  const syncs = charts.flatMap((c) => {
    const instance = c.values.instance;
    const sync = isRecord(instance) ? instance.sync : undefined;
    return isRecord(sync) ? [{ chart: c, sync }] : [];
  });
  if (syncs.length !== 1) {
    throw new Error(`exactly one bootstrapped release must define the Flux sync (values instance.sync); found ${syncs.length}`);
  }
  const { chart, sync } = syncs[0];
  const field = (k: string): string => {
    const v = sync[k];
    if (typeof v !== "string" || v === "") throw new Error(`${chart.sourcePath}: instance.sync.${k} must be set`);
    return v;
  };
  return { kind: field("kind"), url: field("url"), ref: field("ref"), path: field("path") };
}
