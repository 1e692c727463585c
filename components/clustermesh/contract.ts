/**
 * What one meshed stack exports for its peers (`clustermesh`, plain), and how a peer reads
 * it back. Only public material crosses stacks: each cluster keeps its own mesh CA and
 * exports its certificate, which peers add to their trust bundle. No key is exported.
 */
import { z } from "zod";
import { ipToInt, isCidr, isIpv4 } from "../../lib/net";

export const CONTRACT_OUTPUT = "clustermesh";

/**
 * Cilium's clustermesh.maxConnectedClusters: it cannot change on a running cluster and
 * must be the same in every cluster of a mesh (cilium/cilium v1.20,
 * install/kubernetes/cilium/values.yaml: "Supported values are 255 and 511"). 255 keeps
 * the most cluster-local identities; it is compared across the mesh through the contract.
 */
export const MAX_CONNECTED_CLUSTERS = 255;

/** A cluster's LB-IPAM pool (config cilium.lbPool), inclusive. */
export interface LbPool {
  readonly start: string;
  readonly end: string;
}

export interface MeshContract {
  /** Cilium cluster name (unique in the mesh). */
  readonly name: string;
  /** Cilium cluster id, 1-255 (unique in the mesh). */
  readonly id: number;
  readonly podCidr: string;
  /** Where peers reach this cluster's clustermesh-apiserver. */
  readonly apiserver: { readonly address: string; readonly port: number };
  /** The peers this stack accepts, fully qualified: a peer is meshed only if it is listed here. */
  readonly peers: readonly string[];
  /** This cluster's mesh CA certificate (PEM); peers trust it, the key never leaves this stack. */
  readonly caCert: string;
  /** This cluster's clustermesh.maxConnectedClusters; must be equal across the mesh. */
  readonly maxConnectedClusters: number;
  /**
   * This cluster's LoadBalancer IP pool; pools must not overlap across the mesh. Absent
   * only from a contract an earlier version of the program exported.
   */
  readonly lbPool?: LbPool;
}

// Not strict: a newer program may add fields, an older reader ignores them.
const contractSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, "is not a Cilium cluster name"),
  id: z.number().int().min(1).max(255),
  podCidr: z.string().refine(isCidr, "is not an IPv4 CIDR"),
  apiserver: z.object({
    address: z.string().refine(isIpv4, "is not an IPv4 address"),
    port: z.number().int().min(1).max(65535),
  }),
  peers: z.array(z.string().min(1)),
  caCert: z
    .string()
    .regex(/^-----BEGIN CERTIFICATE-----[\s\S]*-----END CERTIFICATE-----/, "is not a PEM certificate")
    // A contract is public: refuse one that carries key material rather than pass it on.
    .refine((pem) => !/PRIVATE KEY/.test(pem), "must not contain a private key"),
  maxConnectedClusters: z.union([z.literal(255), z.literal(511)]),
  lbPool: z
    .object({ start: z.string().refine(isIpv4, "is not an IPv4 address"), end: z.string().refine(isIpv4, "is not an IPv4 address") })
    .refine((p) => !isIpv4(p.start) || !isIpv4(p.end) || ipToInt(p.start) <= ipToInt(p.end), "start is after end")
    .optional(),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(value)"} ${i.message}`).join("; ");
}

/** The contract, or a description of what is wrong with the exported value (never the value itself). */
export function parseContract(value: unknown): MeshContract | string {
  const parsed = contractSchema.safeParse(value);
  return parsed.success ? parsed.data : describe(parsed.error);
}
