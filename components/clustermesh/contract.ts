/**
 * What one meshed stack exports for its peers, and how a peer reads it back.
 *
 * `clustermesh` (plain): this cluster's identity in the mesh. `clustermeshCa` (secret,
 * exported by the CA owner only): the shared CA's certificate and key as PEM.
 */
import { z } from "zod";
import { isCidr, isIpv4 } from "../../stacks/net";

export const CONTRACT_OUTPUT = "clustermesh";
export const CA_OUTPUT = "clustermeshCa";

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
  /** The stack whose CA this cluster uses, fully qualified. */
  readonly caOwner: string;
}

export interface MeshCa {
  readonly cert: string;
  readonly key: string;
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
  caOwner: z.string().min(1),
});

const caSchema = z.object({
  cert: z.string().regex(/-----BEGIN CERTIFICATE-----/, "is not a PEM certificate"),
  key: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "is not a PEM private key"),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(value)"} ${i.message}`).join("; ");
}

/** The contract, or a description of what is wrong with the exported value. */
export function parseContract(value: unknown): MeshContract | string {
  const parsed = contractSchema.safeParse(value);
  return parsed.success ? parsed.data : describe(parsed.error);
}

/** The CA, or a description of what is wrong (never the value itself: it holds a key). */
export function parseCa(value: unknown): MeshCa | string {
  const parsed = caSchema.safeParse(value);
  return parsed.success ? parsed.data : describe(parsed.error);
}
