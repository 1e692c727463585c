/**
 * The typed schema of a stack's config (namespace `k8s-gitops`). Structure and the
 * checks that concern one value live here; checks across values live in validate.ts.
 * Every object is strict so a typo in a key is an error, not a silently ignored value.
 */
import { z } from "zod";
import { isCidr, isIpv4 } from "./net";

const ipv4 = z.string().refine(isIpv4, { message: "is not an IPv4 address" });
const cidr = z.string().refine(isCidr, { message: "is not an IPv4 CIDR (network address/prefix)" });
const dnsName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "is not a DNS name");
const label = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "is not a lower-case DNS label");

function url(protocols: readonly string[]) {
  return z.string().refine(
    (value) => {
      try {
        const parsed = new URL(value);
        return protocols.includes(parsed.protocol) && parsed.hostname !== "";
      } catch {
        return false;
      }
    },
    { message: `is not a ${protocols.map((p) => p.replace(":", "://")).join(" or ")} URL` },
  );
}

/** An exact release: `v1.13.9` or `1.13.9`; never `latest`, a range or a bare minor. */
export const PINNED_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const pinnedVersion = z
  .string()
  .regex(PINNED_VERSION, "is not a pinned version (use an exact release such as v1.13.9, not latest or a range)");

const asn = z.number().int().min(1).max(4294967295);

const clusterSchema = z.strictObject({
  name: label,
  id: z.number().int().min(1, "cluster id must be 1-255").max(255, "cluster id must be 1-255"),
  endpoint: url(["https:"]),
  bootstrapNode: ipv4,
  domain: dnsName,
});

const bondSchema = z.strictObject({
  mode: z.enum(["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"]),
  xmitHashPolicy: z.enum(["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4"]).default("layer3+4"),
  lacpRate: z.enum(["slow", "fast"]).default("fast"),
  miimon: z.number().int().min(0).default(100),
  mtu: z.number().int().min(576).max(9216).default(1500),
});

const vlanSchema = z.strictObject({
  id: z.number().int().min(1).max(4094),
  mtu: z.number().int().min(576).max(9216).default(1500),
});

const networkSchema = z.strictObject({
  nodeSubnet: cidr,
  gateway: ipv4,
  nameservers: z.array(ipv4).min(1),
  timeServers: z.array(z.union([ipv4, dnsName])).min(1),
  podCidr: cidr,
  serviceCidr: cidr,
  bond: bondSchema,
  vlans: z.array(vlanSchema).default([]),
  ignoredInterfaces: z.array(z.string().min(1)).default([]),
});

const macGlob = z
  .string()
  .regex(/^([0-9a-f]{2}|\*)(:([0-9a-f]{2}|\*)){0,5}$/, "is not a lower-case MAC address or MAC glob such as f8:f2:1e:20:57:*");

const nodeSchema = z.strictObject({
  address: ipv4,
  hostname: label,
  role: z.enum(["controlplane", "worker"]),
  installDiskModel: z.string().min(1),
  bondMembers: z.strictObject({
    hardwareAddr: macGlob,
    driver: z.string().min(1),
    links: z.array(z.string().min(1)).min(1),
  }),
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
    /** Wipe machines on `pulumi destroy`. Off: destroy leaves nodes running. */
    resetOnDestroy: z.boolean().default(false),
    applyTimeout: z.string().regex(/^\d+(s|m|h)$/, "is not a duration such as 10m").default("10m"),
    healthTimeout: z.string().regex(/^\d+(s|m|h)$/, "is not a duration such as 10m").default("15m"),
    /**
     * etcd already runs (the cluster is up): the Bootstrap resource is imported, never run.
     * Defaults to true with pki adopt, false with generate.
     */
    bootstrapped: z.boolean().optional(),
  })
  .default({ pki: "adopt", resetOnDestroy: false, applyTimeout: "10m", healthTimeout: "15m" });

const onepasswordSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Vault and item of the Talos PKI (the 14-field item). */
  talosVault: z.string().min(1),
  talosItem: z.string().min(1),
  /** Vault external-secrets reads, and where the program writes `kubernetes/<cluster>/...` items. */
  clusterVault: z.string().min(1),
  connectHost: url(["http:", "https:"]),
  connectToken: z.strictObject({ item: z.string().min(1), field: z.string().min(1) }),
});

const cloudflareSchema = z.strictObject({
  enabled: z.boolean().default(true),
  accountId: z.string().regex(/^[0-9a-f]{32}$/, "is not a Cloudflare account id (32 hex digits)").optional(),
  zoneId: z.string().regex(/^[0-9a-f]{32}$/, "is not a Cloudflare zone id (32 hex digits)").optional(),
  /** Zone name; defaults to cluster.domain. */
  zone: dnsName.optional(),
  tunnel: z.strictObject({
    /** The cluster's external gateway service the tunnel sends traffic to. */
    service: url(["http:", "https:"]),
    /** TLS name verified at an https gateway; defaults to external.<zone>. */
    originServerName: dnsName.optional(),
  }),
});

const fluxSchema = z.strictObject({
  repository: url(["https:", "ssh:"]),
  branch: z.string().regex(/^[A-Za-z0-9._/-]+$/, "is not a branch name"),
  /** Defaults to kubernetes/clusters/<cluster.name>. */
  path: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "is not a relative path inside the repository")
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

const versionsSchema = z.strictObject({
  talos: pinnedVersion,
  kubernetes: pinnedVersion,
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
  versions: versionsSchema,
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type NodeConfig = RawStackConfig["nodes"][number];
