/**
 * Talos config patches as documents: parsing and the checks that need no schema (the
 * program runs where ../shared/schemas does not exist). Full schema validation lives in
 * the tests (tests/helpers/talos-schema.ts).
 */
import { parseAllDocuments } from "yaml";
import { isRecord } from "../../lib/guards";

/** The document kinds of the Talos 1.13 config schema (its top-level oneOf). */
export const TALOS_DOCUMENT_KINDS: readonly string[] = [
  "ExistingVolumeConfig", "ExternalVolumeConfig", "RawVolumeConfig", "SwapVolumeConfig", "UserVolumeConfig",
  "VolumeConfig", "ZswapConfig", "RegistryAuthConfig", "RegistryMirrorConfig", "RegistryTLSConfig",
  "ExtensionServiceConfig", "PCIDriverRebindConfig", "BlackholeRouteConfig", "BondConfig", "BridgeConfig",
  "NetworkDefaultActionConfig", "DHCPv4Config", "DHCPv6Config", "DummyLinkConfig", "EthernetConfig",
  "HCloudVIPConfig", "HostnameConfig", "KubeSpanConfig", "KubeSpanEndpoints", "Layer2VIPConfig", "LinkConfig",
  "LinkAliasConfig", "ResolverConfig", "RoutingRuleConfig", "NetworkRuleConfig", "StaticHostConfig",
  "TCPProbeConfig", "TimeSyncConfig", "VLANConfig", "VRFConfig", "WireguardConfig", "EnvironmentConfig",
  "EventSinkConfig", "KmsgLogConfig", "OOMConfig", "WatchdogTimerConfig", "TrustedRootsConfig", "SideroLinkConfig",
];

/** The kind name this module gives the `machine:`/`cluster:` (v1alpha1.Config) document. */
export const V1ALPHA1 = "v1alpha1";

/** Keys that make Talos decode a kind-less document as v1alpha1.Config. */
const V1ALPHA1_KEYS = ["machine", "cluster", "debug", "persist"];

/**
 * v1alpha1 fields Talos 1.13 still decodes but its schema no longer has, with what
 * replaces them. A patch using them would not validate against the pinned schema.
 */
const REMOVED_FIELDS: Readonly<Record<string, string>> = {
  "machine.network": "use HostnameConfig, LinkConfig, BondConfig, VLANConfig, ResolverConfig, ... documents",
  "machine.time": "use a TimeSyncConfig document",
  "machine.registries": "use RegistryMirrorConfig, RegistryAuthConfig and RegistryTLSConfig documents",
  "machine.disks": "use UserVolumeConfig documents",
  "machine.env": "use an EnvironmentConfig document",
  "machine.systemDiskEncryption": "use VolumeConfig documents with encryption",
  "machine.install.extraKernelArgs": "put kernel arguments in the Image Factory schematic",
  "machine.install.extensions": "put extensions in the Image Factory schematic",
  "machine.install.bootloader": "removed",
  "machine.features.rbac": "always on",
  "machine.features.stableHostname": "use a HostnameConfig document",
  "machine.features.apidCheckExtKeyUsage": "always on",
  "cluster.allowSchedulingOnMasters": "use cluster.allowSchedulingOnControlPlanes",
  "cluster.etcd.subnet": "use cluster.etcd.advertisedSubnets",
  "cluster.apiServer.disablePodSecurityPolicy": "removed",
  persist: "removed",
};

export type Mapping = Record<string, unknown>;

export interface PatchDocument {
  /** 1-based position in its patch. */
  readonly index: number;
  /** `v1alpha1` for the machine/cluster document, otherwise its `kind`. */
  readonly kind: string;
  readonly name?: string;
  readonly body: Mapping;
}

export interface ParsedPatch {
  readonly documents: PatchDocument[];
  /** Reasons the patch is unusable, each naming the document. */
  readonly problems: string[];
}

/** `document 3 (BondConfig bond0)`: how problems point into a patch. */
export function describe(doc: Pick<PatchDocument, "index" | "kind" | "name">): string {
  return `document ${doc.index} (${doc.kind}${doc.name ? ` ${doc.name}` : ""})`;
}

function at(body: Mapping, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), body);
}

function documentProblems(doc: PatchDocument): string[] {
  const problems: string[] = [];
  const where = describe(doc);
  if (doc.kind === V1ALPHA1) {
    for (const [field, instead] of Object.entries(REMOVED_FIELDS)) {
      if (at(doc.body, field) !== undefined) problems.push(`${where}: ${field} is not in the Talos 1.13 schema (${instead})`);
    }
    return problems;
  }
  if (!TALOS_DOCUMENT_KINDS.includes(doc.kind)) problems.push(`${where}: unknown document kind for Talos 1.13`);
  return problems;
}

/** Parses one patch (one or more YAML documents) and checks what needs no schema. */
export function parsePatch(text: string): ParsedPatch {
  const documents: PatchDocument[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  parseAllDocuments(text).forEach((parsed, i) => {
    const index = i + 1;
    if (parsed.errors.length > 0) {
      problems.push(`document ${index}: invalid YAML: ${parsed.errors[0].message.split("\n")[0]}`);
      return;
    }
    const body: unknown = parsed.toJS();
    if (body === null || body === undefined) return; // comment-only document
    if (!isRecord(body)) {
      problems.push(`document ${index}: is not a mapping`);
      return;
    }
    const hasV1alpha1Keys = V1ALPHA1_KEYS.some((k) => k in body) || body.version === V1ALPHA1;
    let kind: string;
    if (body.kind !== undefined) {
      if (typeof body.kind !== "string" || typeof body.apiVersion !== "string") {
        problems.push(`document ${index}: kind and apiVersion must both be strings`);
        return;
      }
      if (hasV1alpha1Keys) {
        problems.push(`document ${index} (${body.kind}): mixes kind with the v1alpha1 machine/cluster form`);
        return;
      }
      kind = body.kind;
    } else if (hasV1alpha1Keys) {
      kind = V1ALPHA1;
    } else {
      problems.push(`document ${index}: has neither apiVersion and kind nor the v1alpha1 machine/cluster form`);
      return;
    }
    const doc: PatchDocument = { index, kind, name: typeof body.name === "string" ? body.name : undefined, body };
    // Talos rejects the same document twice within one patch.
    const identity = `${kind}/${doc.name ?? ""}`;
    if (seen.has(identity)) problems.push(`${describe(doc)}: duplicates an earlier document of this patch`);
    seen.add(identity);
    problems.push(...documentProblems(doc));
    documents.push(doc);
  });
  if (documents.length === 0 && problems.length === 0) problems.push("has no documents");
  return { documents, problems };
}
