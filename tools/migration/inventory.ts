/**
 * Flux inventories: what the running Flux applied, per Kustomization, as kustomize-controller
 * records it in `.status.inventory.entries[].id` (fluxcd/cli-utils object.ObjMetadata:
 * `<namespace>_<name>_<group>_<kind>`, namespace empty for cluster-scoped objects, group
 * empty for the core API). Read from a saved file, offline:
 *
 *   kubectl get kustomizations.kustomize.toolkit.fluxcd.io -A -o yaml > infra.inventory.yaml
 *
 * Optionally with more objects in the same List (`kubectl get kustomizations,helmreleases -A
 * -o yaml`): HelmReleases give the running chart versions, and any object carrying
 * `kustomize.toolkit.fluxcd.io/prune: disabled` is known to survive a prune. CustomResourceDefinitions
 * in the file (the CRD sets of bootstrap/crds.yaml, name and annotations only) give the running
 * CRD bundles: each CRD's bundle version and channel annotations, read per CRD. The live read
 * (./live.ts) builds the same List from the cluster, so both go through this parser.
 */
import { parseAllDocuments } from "yaml";
import { PRUNE_ANNOTATION, PRUNE_DISABLED, kustomizationKey } from "../../bootstrap/flux-tree";
import type { KubeObject } from "../../bootstrap/manifests";
import { ProjectError } from "../../lib/problems";
import { asRecord } from "../../lib/guards";

export class InventoryError extends ProjectError {}

/** `<namespace>_<name>_<group>_<kind>`, Flux's inventory entry id. */
export function objectId(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  const slash = object.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : object.apiVersion.slice(0, slash);
  return `${object.metadata.namespace ?? ""}_${object.metadata.name}_${group}_${object.kind}`;
}

/** `kube-system_cilium_helm.toolkit.fluxcd.io_HelmRelease` → `HelmRelease kube-system/cilium`. */
export function describeId(id: string): string {
  const [namespace, name, , kind] = id.split("_");
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

export const kustomizationId = (namespace: string, name: string): string => `${namespace}_${name}_kustomize.toolkit.fluxcd.io_Kustomization`;

export interface RunningKustomization {
  readonly name: string;
  readonly namespace: string;
  readonly path?: string;
  readonly prune: boolean;
  readonly suspended: boolean;
  readonly entries: ReadonlySet<string>;
}

export interface RunningRelease {
  readonly name: string;
  readonly namespace: string;
  /** The chart version of the last successful release (status.history[0], or lastAppliedRevision). */
  readonly version?: string;
}

/** A running CRD as the bundle comparison needs it: its name and annotations (upstream's bundle stamps). */
export interface RunningCrd {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** kubectl's client-side apply copy of the whole object: the size of the CRD itself, never read. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The annotations of a CRD, as strings, without kubectl's last-applied copy. */
export function crdAnnotations(metadata: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(metadata?.annotations) ?? {})
      .filter(([k, v]) => k !== LAST_APPLIED && typeof v === "string")
      .map(([k, v]) => [k, v as string]),
  );
}

export interface RunningInventory {
  /** By `namespace/name`. */
  readonly kustomizations: ReadonlyMap<string, RunningKustomization>;
  readonly releases: readonly RunningRelease[];
  /** Ids of objects whose live annotations disable pruning. */
  readonly protected: ReadonlySet<string>;
  /** The Flux distribution a FluxInstance in the file runs (status.lastAppliedRevision, else spec). */
  readonly flux?: string;
  /** The CustomResourceDefinitions in the file, by name order. */
  readonly crds: readonly RunningCrd[];
}

const ID = /^[a-z0-9.-]*_[A-Za-z0-9.:-]+_[a-z0-9.-]*_[A-Za-z0-9]+$/;

function asString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function releaseVersion(status: Record<string, unknown> | undefined): string | undefined {
  const history = status?.history;
  const first = Array.isArray(history) ? asRecord(history[0]) : undefined;
  const version = asString(first?.chartVersion) ?? asString(status?.lastAppliedRevision) ?? asString(status?.lastAttemptedRevision);
  // helm-controller appends +<digest> for OCI sources (mutateChartWithSourceRevision).
  return version?.split("+")[0];
}

/** Parses a saved inventory (YAML or JSON; a List, or one object per document). */
export function parseInventory(text: string, file: string): RunningInventory {
  const objects: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new InventoryError(`${file}: invalid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    const value = asRecord(doc.toJS());
    if (!value) continue;
    const items = value.kind === "List" || (typeof value.kind === "string" && value.kind.endsWith("List")) ? value.items : [value];
    for (const item of Array.isArray(items) ? items : []) {
      const record = asRecord(item);
      if (record) objects.push(record);
    }
  }
  const kustomizations = new Map<string, RunningKustomization>();
  const releases: RunningRelease[] = [];
  const crds: RunningCrd[] = [];
  const protectedIds = new Set<string>();
  const problems: string[] = [];
  let flux: string | undefined;
  for (const o of objects) {
    const metadata = asRecord(o.metadata);
    const apiVersion = asString(o.apiVersion);
    const kind = asString(o.kind);
    const name = asString(metadata?.name);
    if (!apiVersion || !kind || !name) {
      problems.push("an object without apiVersion, kind or metadata.name");
      continue;
    }
    const namespace = asString(metadata?.namespace);
    if (asRecord(metadata?.annotations)?.[PRUNE_ANNOTATION] === PRUNE_DISABLED) {
      protectedIds.add(objectId({ apiVersion, kind, metadata: { name, namespace } }));
    }
    const spec = asRecord(o.spec);
    const status = asRecord(o.status);
    if (kind === "Kustomization" && apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) {
      const ns = namespace ?? "flux-system";
      const inventory = asRecord(status?.inventory);
      if (!inventory) {
        problems.push(`Kustomization ${ns}/${name} has no status.inventory (saved with -o yaml? never reconciled?)`);
        continue;
      }
      const entries = inventory.entries ?? [];
      const ids = (Array.isArray(entries) ? entries : []).map((e) => asString(asRecord(e)?.id));
      const bad = ids.filter((id) => id === undefined || !ID.test(id));
      if (bad.length > 0) problems.push(`Kustomization ${ns}/${name}: ${bad.length} inventory entr${bad.length === 1 ? "y is" : "ies are"} not <namespace>_<name>_<group>_<kind>`);
      kustomizations.set(kustomizationKey(ns, name), {
        name,
        namespace: ns,
        path: asString(spec?.path),
        prune: spec?.prune === true,
        suspended: spec?.suspend === true,
        entries: new Set(ids.filter((id): id is string => id !== undefined && ID.test(id))),
      });
    } else if (kind === "HelmRelease" && apiVersion.startsWith("helm.toolkit.fluxcd.io/")) {
      releases.push({ name, namespace: namespace ?? "flux-system", version: releaseVersion(status) });
    } else if (kind === "CustomResourceDefinition" && apiVersion.startsWith("apiextensions.k8s.io/")) {
      crds.push({ name, annotations: crdAnnotations(metadata) });
    } else if (kind === "FluxInstance" && apiVersion.startsWith("fluxcd.controlplane.io/")) {
      // lastAppliedRevision is `v2.7.3@sha256:...`.
      flux = asString(status?.lastAppliedRevision)?.split("@")[0] ?? asString(asRecord(spec?.distribution)?.version);
    }
  }
  if (problems.length > 0) throw new InventoryError(`${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  if (kustomizations.size === 0) throw new InventoryError(`${file}: no Flux Kustomization with a status.inventory`);
  crds.sort((a, b) => a.name.localeCompare(b.name));
  return { kustomizations, releases, protected: protectedIds, flux, crds };
}
