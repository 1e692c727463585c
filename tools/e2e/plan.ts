/**
 * The end-to-end run's plan, derived from the e2e stack's config and the Flux tree so the
 * workflow repeats nothing: the `talosctl cluster create qemu` arguments (versions, subnet,
 * node counts), the addresses that cluster will hand out, and which Flux Kustomizations can
 * become Ready with 1Password and Cloudflare off. Pure: files in, data out, no Pulumi.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { contains, intToIp, isCidr, isIpv4, parseCidr } from "../../lib/net";
import { formatProblems, ProjectError } from "../../lib/problems";
import { asRecord } from "../../lib/guards";
import { kubernetesTagProblem, talosTagProblem } from "../../lib/versions";

const NAMESPACE = "k8s-gitops";

export interface ClusterPlan {
  readonly cluster: string;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  /** network.nodeSubnet, passed as `--cidr`. */
  readonly cidr: string;
  readonly controlPlanes: readonly string[];
  readonly workers: readonly string[];
  readonly endpoint: string;
  /** flux.path, defaulting as the program does. */
  readonly fluxPath: string;
}

export class E2ePlanError extends ProjectError {
  constructor(readonly problems: readonly string[]) {
    super(formatProblems("the e2e stack config cannot drive `talosctl cluster create qemu`", problems));
  }
}

const record = (value: unknown): Record<string, unknown> => asRecord(value) ?? {};

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The n-th address of a network (n = 0 is the network address itself). */
export function nthAddress(cidr: string, n: number): string {
  const net = parseCidr(cidr);
  if (!net) throw new Error(`${cidr} is not an IPv4 CIDR`);
  return intToIp(net.first + n);
}

/**
 * talosctl's QEMU provisioner gives the host bridge the subnet's first address and the
 * nodes the following ones, control planes first, then workers, each in creation order
 * (siderolabs/talos v1.13.9 cmd/talosctl/cmd/mgmt/cluster/create/clusterops/configmaker/
 * internal/makers/common.go: gatewayOffset = 1, nodesOffset = 2, Maker.initIPs and
 * Maker.initNodeRequests). Its DHCP server leases each VM's MAC that address
 * (pkg/provision/providers/vm/dhcpd.go, handlerDHCP4), and a node whose config names no
 * link runs DHCPv4 on its physical links (internal/app/machined/pkg/controllers/network/
 * operator_config.go, the default DHCP operators). So the stack config must list the nodes
 * exactly so: control planes at offsets 2.., workers after them.
 */
export const QEMU_NODES_OFFSET = 2;

function endpointHost(endpoint: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return "";
  }
}

/** Reads the flat `namespace:key` config (Pulumi.yaml under Pulumi.<stack>.yaml) into a plan. */
export function clusterPlan(values: Readonly<Record<string, unknown>>): ClusterPlan {
  const problems: string[] = [];
  const get = (key: string) => values[`${NAMESPACE}:${key}`];
  const cluster = record(get("cluster"));
  const network = record(get("network"));
  const versions = record(get("versions"));
  const flux = record(get("flux"));
  const nodes = Array.isArray(get("nodes")) ? (get("nodes") as unknown[]).map(record) : [];

  const name = text(cluster.name) ?? "";
  if (!name) problems.push(`${NAMESPACE}:cluster.name is required`);
  const talosVersion = text(versions.talos) ?? "";
  // The one rule of a Talos pin (lib/versions.ts); `talosctl cluster create qemu` also refuses a version without the leading v (create_qemu.go).
  const talosProblem = talosTagProblem(talosVersion);
  if (talosProblem) problems.push(`${NAMESPACE}:versions.talos ${talosProblem}, found ${talosVersion || "none"}`);
  const kubernetesVersion = text(versions.kubernetes) ?? "";
  const kubernetesProblem = kubernetesTagProblem(kubernetesVersion);
  if (kubernetesProblem) problems.push(`${NAMESPACE}:versions.kubernetes ${kubernetesProblem}, found ${kubernetesVersion || "none"}`);
  const cidr = text(network.nodeSubnet) ?? "";
  if (!isCidr(cidr)) problems.push(`${NAMESPACE}:network.nodeSubnet must be an IPv4 CIDR, found ${cidr || "none"}`);
  const endpoint = text(cluster.endpoint) ?? "";

  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const workers = nodes.filter((n) => n.role === "worker");
  if (controlPlanes.length === 0) problems.push(`${NAMESPACE}:nodes has no controlplane node (talosctl creates at least one)`);
  if (isCidr(cidr)) {
    [...controlPlanes, ...workers].forEach((node, i) => {
      const expected = nthAddress(cidr, QEMU_NODES_OFFSET + i);
      const at = nodes.indexOf(node);
      if (text(node.address) !== expected) {
        problems.push(
          `${NAMESPACE}:nodes[${at}].address is ${String(node.address)}, but talosctl gives the ${i + 1}. ${String(node.role)} VM ${expected} (control planes first, from the subnet's third address)`,
        );
      }
    });
    const net = parseCidr(cidr);
    const host = endpointHost(endpoint);
    if (!net || !isIpv4(host) || !contains(net, host)) {
      problems.push(`${NAMESPACE}:cluster.endpoint must name a control-plane node by address (no DNS for the VMs), found ${endpoint || "none"}`);
    } else if (!controlPlanes.some((n) => n.address === host)) {
      problems.push(`${NAMESPACE}:cluster.endpoint ${endpoint} is not a control-plane node's address (no load balancer in front of the VMs)`);
    }
  }
  if (problems.length > 0) throw new E2ePlanError(problems);
  return {
    cluster: name,
    talosVersion,
    kubernetesVersion,
    cidr,
    controlPlanes: controlPlanes.map((n) => String(n.address)),
    workers: workers.map((n) => String(n.address)),
    endpoint,
    fluxPath: text(flux.path) ?? `kubernetes/clusters/${name}`,
  };
}

// ---- Flux Kustomizations the run can wait for ------------------------------------------

export interface FluxKustomization {
  readonly name: string;
  /** Repo-relative folder it reconciles. */
  readonly path: string;
  readonly dependsOn: readonly string[];
  /** Kinds of the objects it applies (from its folder, not following nested Kustomizations). */
  readonly kinds: readonly string[];
}

/**
 * What each kind needs that the e2e stack turns off. ExternalSecret and ClusterSecretStore
 * read 1Password; a Certificate is issued by the DNS-01 ClusterIssuer, which needs the
 * Cloudflare token. A Kustomization with `wait: true` is Ready only once such objects are.
 */
export const EXTERNAL_KINDS: Readonly<Record<string, string>> = {
  ClusterSecretStore: "1Password (onepassword.enabled is false)",
  ExternalSecret: "1Password (onepassword.enabled is false)",
  Certificate: "Cloudflare DNS-01 (cloudflare.enabled is false)",
};

interface Doc {
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown };
  readonly spec?: { readonly path?: unknown; readonly dependsOn?: unknown };
}

function documents(file: string): Doc[] {
  return parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Doc => d !== null && typeof d === "object");
}

/** Files a kustomize folder yields: its kustomization.yaml resources, or every YAML file when it has none (as Flux generates one). */
function folderFiles(dir: string): string[] {
  const kustomization = path.join(dir, "kustomization.yaml");
  if (!fs.existsSync(kustomization)) {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? folderFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
  }
  const resources = record(documents(kustomization)[0]).resources;
  return (Array.isArray(resources) ? resources : [])
    .filter((r): r is string => typeof r === "string")
    .map((r) => path.resolve(dir, r))
    .flatMap((r) => (fs.statSync(r).isDirectory() ? folderFiles(r) : [r]));
}

/** Every Flux Kustomization reachable from the sync path, as kustomize-controller would apply them. */
export function fluxKustomizations(repoRoot: string, syncPath: string): FluxKustomization[] {
  const found = new Map<string, FluxKustomization>();
  const visit = (relPath: string) => {
    for (const file of folderFiles(path.join(repoRoot, relPath))) {
      for (const doc of documents(file)) {
        if (doc.kind !== "Kustomization" || typeof doc.metadata?.name !== "string" || typeof doc.spec?.path !== "string") continue;
        const name = doc.metadata.name;
        if (found.has(name)) continue;
        const folder = path.normalize(doc.spec.path).replace(/^\.\//, "");
        const dependsOn = (Array.isArray(doc.spec.dependsOn) ? doc.spec.dependsOn : []).map((d) => String(record(d).name));
        const kinds = [...new Set(folderFiles(path.join(repoRoot, folder)).flatMap((f) => documents(f).map((d) => String(d.kind))))].sort();
        found.set(name, { name, path: folder, dependsOn, kinds });
        visit(folder);
      }
    }
  };
  // The sync path itself is Kustomization flux-system, created by the FluxInstance.
  found.set("flux-system", { name: "flux-system", path: syncPath, dependsOn: [], kinds: [] });
  visit(syncPath);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export interface KustomizationGates {
  readonly ready: readonly string[];
  /** name → why it cannot become Ready in the e2e run. */
  readonly skipped: ReadonlyMap<string, string>;
}

/** Splits the Kustomizations into those the run waits for and those that need a switched-off integration. */
export function kustomizationGates(kustomizations: readonly FluxKustomization[]): KustomizationGates {
  const byName = new Map(kustomizations.map((k) => [k.name, k]));
  const skipped = new Map<string, string>();
  const reasonOf = (k: FluxKustomization, seen: Set<string>): string | undefined => {
    if (skipped.has(k.name)) return skipped.get(k.name);
    const own = k.kinds.find((kind) => EXTERNAL_KINDS[kind]);
    if (own) return `applies ${own} objects, which need ${EXTERNAL_KINDS[own]}`;
    for (const dep of k.dependsOn) {
      const target = byName.get(dep);
      if (!target || seen.has(dep)) continue;
      if (reasonOf(target, new Set([...seen, dep]))) return `depends on ${dep}, which cannot become Ready`;
    }
    return undefined;
  };
  for (const k of kustomizations) {
    const reason = reasonOf(k, new Set([k.name]));
    if (reason) skipped.set(k.name, reason);
  }
  return { ready: kustomizations.filter((k) => !skipped.has(k.name)).map((k) => k.name), skipped };
}
