/**
 * The typed schema of a stack's config (namespace `k8s-gitops`). Structure and the
 * checks that concern one value live here; checks across values live in validate.ts.
 * Every object is strict so a typo in a key is an error, not a silently ignored value.
 */
import { z } from "zod";
import { isCidr, isIpv4 } from "../lib/net";
import { kubernetesTagProblem, talosTagProblem } from "../lib/versions";
import { recursiveNameserverProblem } from "./dns01";
import { boundedString, gitBranch, itemName, safeUrl } from "./strings";

const ipv4 = z.string().refine(isIpv4, { message: "is not an IPv4 address" });
const cidr = z.string().refine(isCidr, { message: "is not an IPv4 CIDR (network address/prefix)" });
const dnsName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "is not a DNS name");
const label = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "is not a lower-case DNS label");

/*
 * Version pins are used as tags: the installer image
 * `factory.talos.dev/<platform>-installer/<schematic>:<talos>` (Image Factory serves the
 * release tag, v-prefixed) and `talosctl upgrade-k8s --to`. So a pin without its `v` is
 * refused rather than guessed (lib/versions.ts).
 */
/** A Kubernetes pin: a release tag by the one rule lib/versions.ts kubernetesTagProblem defines. */
const kubernetesTag = z.string().superRefine((value, ctx) => {
  const problem = kubernetesTagProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A Talos pin: a release tag by the one rule lib/versions.ts talosTagProblem defines. */
const talosTag = z.string().superRefine((value, ctx) => {
  const problem = talosTagProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const asn = z.number().int().min(1).max(4294967295);

const clusterSchema = z.strictObject({
  name: label,
  id: z.number().int().min(1, "cluster id must be 1-255").max(255, "cluster id must be 1-255"),
  /**
   * The Kubernetes API: `https://host:port`, the port always explicit and nothing after it.
   * It becomes Talos's cluster.controlPlane.endpoint and every kubeconfig's `server`;
   * kube-apiserver serves the API at the root, so a path would send every client to 404s.
   */
  endpoint: safeUrl({ protocols: ["https:"], requirePort: true, path: "none" }),
  bootstrapNode: ipv4,
  domain: dnsName,
});

const linkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/, "is not a Linux link name (1-15 characters)");

/**
 * The bond every node's address sits on (bare metal). Optional: a node may instead carry
 * its address on one `interface`, or leave the network to the platform (containers, DHCP).
 * updelay/downdelay: Talos warns on an 802.3ad bond without them (bond.go validateFor8023AD).
 */
const bondSchema = z.strictObject({
  name: linkName.default("bond0"),
  mode: z.enum(["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"]),
  xmitHashPolicy: z.enum(["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4"]).default("layer3+4"),
  lacpRate: z.enum(["slow", "fast"]).default("fast"),
  miimon: z.number().int().min(0).default(100),
  updelay: z.number().int().min(0).default(200),
  downdelay: z.number().int().min(0).default(200),
  mtu: z.number().int().min(576).max(9216).default(1500),
  /** Ring sizes of every member link (EthernetConfig); unset leaves the driver's. */
  memberRings: z.strictObject({ rx: z.number().int().min(1), tx: z.number().int().min(1) }).optional(),
});

const vlanSchema = z.strictObject({
  id: z.number().int().min(1).max(4094),
  mtu: z.number().int().min(576).max(9216).default(1500),
});

const networkSchema = z.strictObject({
  nodeSubnet: cidr,
  /** Default route of every node's address; required when a node configures a link (bond or interface). */
  gateway: ipv4.optional(),
  nameservers: z.array(ipv4).min(1),
  timeServers: z.array(z.union([ipv4, dnsName])).min(1),
  podCidr: cidr,
  serviceCidr: cidr,
  bond: bondSchema.optional(),
  /** Tagged VLANs on the bond (no address of their own); need network.bond. */
  vlans: z.array(vlanSchema).default([]),
  /** Links the program never configures (e.g. a management port). */
  ignoredInterfaces: z.array(linkName).default([]),
});

/**
 * One node = one entry. Its network documents are generated from this entry and
 * `network`; talos/<cluster>/<ip>.yaml is an optional override for what config cannot say.
 */
const nodeSchema = z.strictObject({
  address: ipv4,
  hostname: label,
  role: z.enum(["controlplane", "worker"]),
  /** Model of the install disk; optional because a node that does not install (container) has none. */
  installDiskModel: z.string().min(1).optional(),
  /** Kernel names of the bond's member links (with network.bond). */
  bondMembers: z.array(linkName).min(1).optional(),
  /** The one link carrying the address when there is no bond. Neither: the platform configures the network. */
  interface: linkName.optional(),
});

const ciliumSchema = z.strictObject({
  coredns: z.strictObject({ clusterIp: ipv4, replicas: z.number().int().min(1).default(2) }),
  lbPool: z.strictObject({ start: ipv4, end: ipv4 }),
  gateways: z.strictObject({ external: ipv4, internal: ipv4 }),
  bgp: z.strictObject({ localAsn: asn, peerAsn: asn, peerAddress: ipv4 }),
});

const talosSchema = z
  .strictObject({
    /** `adopt` reads the running cluster's PKI from 1Password; `generate` creates it once. */
    pki: z.enum(["adopt", "generate"]),
    /**
     * Kept only to refuse `true`: a reset hidden in the apply's delete would run on destroy,
     * on a replacement (after the new apply) and on a node dropped from config, every node
     * at once where nothing orders them. Removal is explicit (`decommission`).
     */
    resetOnDestroy: z
      .boolean()
      .refine((reset) => !reset, {
        message:
          "is no longer supported: `pulumi destroy` never touches a machine. Remove a node with talos.decommission (drain, leave etcd, " +
          "reset, delete the Node, in order), or wipe a cluster you discard with `talosctl reset` (README \"pulumi destroy\"); then set it to false " +
          "and run `pulumi up` once before any destroy, so the state no longer records a reset",
      })
      .default(false),
    applyTimeout: z.string().regex(/^\d{1,4}(s|m|h)$/, "is not a duration such as 10m").default("10m"),
    healthTimeout: z.string().regex(/^\d{1,4}(s|m|h)$/, "is not a duration such as 10m").default("15m"),
    /**
     * etcd already runs (the cluster is up): the Bootstrap resource is imported, never run.
     * Defaults to true with pki adopt, false with generate.
     */
    bootstrapped: z.boolean().optional(),
    /**
     * Allows a talos.pki switch on a cluster that exists (recorded by an earlier run, or
     * bootstrapped), which replaces the PKI its nodes trust. Off: such a switch is refused.
     */
    confirmPkiSwitch: z.boolean().default(false),
    /**
     * Addresses of nodes removed from `nodes` that the next `up` takes out of the running
     * cluster (graceful reset, leave etcd, delete the Kubernetes node). An etcd member that
     * left `nodes` without being listed here is refused.
     */
    decommission: z.array(ipv4).default([]),
    /**
     * udev rules of every node (machine.udev.rules). Talos applies a change to them only
     * with a reboot: they are not among the fields CanApplyImmediate lets change live
     * (siderolabs/talos v1.13.9 internal/app/machined/pkg/runtime/v1alpha1/
     * v1alpha1_runtime.go), so on a running cluster the apply is staged and the day-2 roll
     * reboots node after node. The e2e run changes them to exercise that roll.
     */
    udevRules: z.array(z.string().min(1).max(1000).regex(/^[^\n]+$/, "is not one udev rule on one line")).default([]),
  })
  .default({ pki: "adopt", resetOnDestroy: false, applyTimeout: "10m", healthTimeout: "15m", confirmPkiSwitch: false, decommission: [], udevRules: [] });

const onepasswordSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Vault and item of the Talos PKI (the 14-field item). */
  talosVault: itemName,
  talosItem: itemName,
  /** Vault external-secrets reads, and where the program writes `kubernetes/<cluster>/...` items. */
  clusterVault: itemName,
  connectHost: safeUrl({ protocols: ["http:", "https:"] }),
  /**
   * Plain-HTTP Connect sends the bearer token, the Talos PKI and kubeconfigs in clear;
   * it is refused unless this names why it is acceptable (e.g. "loopback only").
   */
  allowInsecureConnect: boundedString(200, /^[\p{L}\p{N}\p{P} ]+$/u, "letters, digits, punctuation and spaces").optional(),
  connectToken: z.strictObject({ item: itemName, field: itemName }),
});

const cloudflareSchema = z.strictObject({
  enabled: z.boolean().default(true),
  accountId: z.string().regex(/^[0-9a-f]{32}$/, "is not a Cloudflare account id (32 hex digits)").optional(),
  zoneId: z.string().regex(/^[0-9a-f]{32}$/, "is not a Cloudflare zone id (32 hex digits)").optional(),
  /** Zone name; defaults to cluster.domain. */
  zone: dnsName.optional(),
  tunnel: z.strictObject({
    /**
     * The cluster's external gateway service the tunnel sends traffic to: scheme, host and
     * port only. cloudflared refuses an ingress service with any path, even `/`
     * (cloudflare/cloudflared ingress/ingress.go validateIngress: u.Path != "").
     */
    service: safeUrl({ protocols: ["http:", "https:"], path: "none" }),
    /** TLS name verified at an https gateway; defaults to external.<zone>. */
    originServerName: dnsName.optional(),
  }),
});

const fluxSchema = z.strictObject({
  /** Credentials never go in the URL: Flux reads them from its own secret. */
  repository: safeUrl({ protocols: ["https:", "ssh:"], allowUserFor: ["ssh:"], path: "required" }),
  /**
   * A branch name, not a reference: the program syncs `refs/heads/<branch>` (settings.ts
   * FLUX_SYNC_REF), as Flux's own clone does for spec.ref.branch (fluxcd/pkg git/gogit
   * clone.go cloneBranch: plumbing.NewBranchReferenceName(branch)), so `refs/heads/main`
   * would ask for refs/heads/refs/heads/main. Use flux.ref for a full reference.
   */
  branch: gitBranch,
  /**
   * A full Git reference Flux syncs instead of `refs/heads/<branch>`, such as a pull
   * request's `refs/pull/<n>/head` (the end-to-end run syncs the pull request's own commit).
   * The FluxInstance turns sync.ref into the GitRepository's `ref.name`, which takes a full
   * reference (controlplaneio-fluxcd/flux-operator internal/builder/templates.go, syncTmpl).
   */
  ref: z
    .string()
    .regex(/^refs\/(heads|tags|pull)\/[A-Za-z0-9._/-]+$/, "is not a full Git reference (refs/heads/..., refs/tags/... or refs/pull/...)")
    .refine((ref) => !ref.split("/").some((part) => part === "" || part === "." || part === ".." || part.endsWith(".lock")), {
      message: "is not a valid Git reference (empty, . or .. component, or a .lock suffix)",
    })
    .optional(),
  /** Defaults to kubernetes/clusters/<cluster.name>. */
  path: z
    .string()
    .max(255, "must be at most 255 characters")
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "is not a relative path inside the repository")
    // Flux resolves the path inside the artifact; `.`/`..` segments point elsewhere (or at the root).
    .refine((p) => !p.split("/").some((part) => part === "." || part === ".."), { message: "is not a relative path inside the repository (no . or .. segment)" })
    .optional(),
});

/** A Pulumi stack: `name` (this stack's organization and project) or `org/project/name`. */
const stackName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+)?$/, "is not a stack name (use <stack> or <organization>/<project>/<stack>)");

const clustermeshSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    apiserverIp: ipv4.optional(),
    apiserverPort: z.number().int().min(1).max(65535).default(2379),
    /** Peer stacks: `name` (same organization and project) or `org/project/name`. */
    peers: z.array(stackName).default([]),
  })
  .default({ enabled: false, apiserverPort: 2379, peers: [] });

/** cert-manager's DNS-01 self-check resolvers (stacks/dns01.ts says why and which formats). */
const certManagerSchema = z
  .strictObject({
    /** `<ip>:<port>` or a https:// DoH URL, each; unset: every network.nameservers entry on port 53. */
    dns01RecursiveNameservers: z
      .array(
        z.string().superRefine((value, ctx) => {
          const problem = recursiveNameserverProblem(value);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
      )
      .min(1, "must name at least one resolver (leave it out to use network.nameservers)")
      .optional(),
    /** Ask only those resolvers, never the zone's authoritative servers directly. */
    dns01RecursiveNameserversOnly: z.boolean().default(false),
  })
  .default({ dns01RecursiveNameserversOnly: false });

const versionsSchema = z.strictObject({
  talos: talosTag,
  kubernetes: kubernetesTag,
  /**
   * Config contract of the generated machine configs (getConfiguration `talosVersion`),
   * pinned apart from the installed Talos so an upgrade does not rewrite every config.
   */
  talosContract: z.string().regex(/^v\d+\.\d+$/, "is not a Talos minor such as v1.11"),
});

/** Top-level config keys of the `k8s-gitops` namespace. */
export const stackConfigSchema = z.strictObject({
  cluster: clusterSchema,
  network: networkSchema,
  nodes: z.array(nodeSchema).min(1, "at least one node is required"),
  cilium: ciliumSchema,
  talos: talosSchema,
  onepassword: onepasswordSchema,
  cloudflare: cloudflareSchema,
  flux: fluxSchema,
  clustermesh: clustermeshSchema,
  certManager: certManagerSchema,
  versions: versionsSchema,
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type NodeConfig = RawStackConfig["nodes"][number];
