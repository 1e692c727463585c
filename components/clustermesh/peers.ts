/**
 * Reads the mesh peers' contracts before anything else is registered: one StackReference
 * per peer named in config (reads only), their outputs awaited, the cross-stack checks
 * run. A failed check throws one MeshError naming the stacks involved; a peer without a
 * contract yet, or one that does not name this stack back, is a warning and stays out.
 * Only the plain `clustermesh` output is read: no peer exports a key.
 */
import * as pulumi from "@pulumi/pulumi";
import { ipToInt, parseCidr, Range } from "../../lib/net";
import { checkMesh, GuardedRange, Member, OwnContract } from "./checks";
import { coveringCidr } from "./cidr";
import { CONTRACT_OUTPUT, MAX_CONNECTED_CLUSTERS, parseContract } from "./contract";
import { currentStack, fullName, qualifyStack, StackIdentity } from "./names";
import { countProblems, formatProblems, ProjectError } from "../../lib/problems";

export interface MeshPeers {
  /** This stack, fully qualified. */
  readonly self: string;
  /** This stack's export for its peers, but its CA certificate; undefined when the mesh is off. */
  readonly contract?: OwnContract;
  /** The peers meshed now: they export a contract and name this stack back. */
  readonly peers: readonly Member[];
  /** The smallest CIDR covering this cluster's and every meshed peer's pod CIDR. */
  readonly nativeRoutingCidr: string;
}

export class MeshError extends ProjectError {
  constructor(readonly problems: readonly string[]) {
    super(formatProblems(`clustermesh checks failed (${countProblems(problems)})`, problems));
  }
}

function host(ip: string): Range {
  return parseCidr(`${ip}/32`) as Range;
}

/** What resolving the peers needs from the stack config (a validated StackConfig satisfies it). */
export interface MeshPeersArgs {
  readonly cluster: { readonly name: string; readonly id: number };
  readonly network: {
    readonly nodeSubnet: string;
    readonly gateway?: string;
    readonly nameservers: readonly string[];
    readonly podCidr: string;
  };
  readonly cilium: {
    readonly lbPool: { readonly start: string; readonly end: string };
    readonly bgp: { readonly peerAddress: string };
  };
  readonly clustermesh: {
    readonly enabled: boolean;
    readonly apiserverIp?: string;
    readonly apiserverPort: number;
    /** Stack names, bare or fully qualified. */
    readonly peers: readonly string[];
  };
}

/** This cluster's addresses that pods reach on the node network, with masquerading. */
function guardedRanges(config: MeshPeersArgs): GuardedRange[] {
  const { network, cilium } = config;
  return [
    { label: `network.nodeSubnet ${network.nodeSubnet}`, range: parseCidr(network.nodeSubnet) as Range },
    ...(network.gateway ? [{ label: `network.gateway ${network.gateway}`, range: host(network.gateway) }] : []),
    ...network.nameservers.map((ip) => ({ label: `nameserver ${ip}`, range: host(ip) })),
    { label: `cilium.lbPool ${cilium.lbPool.start}-${cilium.lbPool.end}`, range: { first: ipToInt(cilium.lbPool.start), last: ipToInt(cilium.lbPool.end) } },
    { label: `cilium.bgp.peerAddress ${cilium.bgp.peerAddress}`, range: host(cilium.bgp.peerAddress) },
  ];
}

async function readContract(ref: pulumi.StackReference, stack: string): Promise<unknown> {
  try {
    const details = await ref.getOutputDetails(CONTRACT_OUTPUT);
    return details.value ?? details.secretValue;
  } catch (err) {
    // The engine fails the deployment on a stack that was never created; say what to do.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `clustermesh: cannot read stack ${stack} (${reason}). Every stack named in k8s-gitops:clustermesh.peers ` +
        `must exist before any of them is deployed: run \`pulumi stack init ${stack}\` first`,
    );
  }
}

export async function resolveMeshPeers(config: MeshPeersArgs, identity: StackIdentity = currentStack()): Promise<MeshPeers> {
  const self = fullName(identity);
  const mesh = config.clustermesh;
  if (!mesh.enabled) return { self, peers: [], nativeRoutingCidr: config.network.podCidr };
  if (!mesh.apiserverIp) throw new Error("clustermesh: apiserverIp is required (validate.ts)");

  const problems: string[] = [];
  const warnings: string[] = [];
  const peerNames = mesh.peers.map((name) => qualifyStack(name, identity));
  peerNames.forEach((peer, i) => {
    if (peer === self) problems.push(`k8s-gitops:clustermesh.peers[${i}] names this stack (${self}) itself`);
    else if (peerNames.indexOf(peer) !== i) problems.push(`k8s-gitops:clustermesh.peers[${i}] repeats ${peer}`);
  });
  if (problems.length > 0) throw new MeshError(problems);

  const contract: OwnContract = {
    name: config.cluster.name,
    id: config.cluster.id,
    podCidr: config.network.podCidr,
    apiserver: { address: mesh.apiserverIp, port: mesh.apiserverPort },
    peers: peerNames,
    maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
    lbPool: { start: config.cilium.lbPool.start, end: config.cilium.lbPool.end },
  };

  // Register every reference first, then await them together.
  const refs = peerNames.map((stack) => new pulumi.StackReference(stack, { name: stack }));
  const read = await Promise.all(peerNames.map((stack, i) => readContract(refs[i], stack)));

  const members: Member[] = [];
  for (const [i, stack] of peerNames.entries()) {
    const raw = read[i];
    if (raw === undefined) {
      warnings.push(
        `${stack} exports no ${CONTRACT_OUTPUT} output yet (not deployed, or its mesh is off); ` +
          `this cluster comes up without it and meshes with it on the first \`pulumi up\` here after ${stack} is deployed`,
      );
      continue;
    }
    const parsed = parseContract(raw);
    if (typeof parsed === "string") problems.push(`${stack} exports a ${CONTRACT_OUTPUT} output ${self} cannot read: ${parsed}`);
    else members.push({ stack, contract: parsed });
  }

  const check = checkMesh({ stack: self, contract }, members, guardedRanges(config));
  problems.push(...check.problems);
  warnings.push(...check.warnings);

  if (problems.length > 0) throw new MeshError(problems);
  for (const warning of warnings) void pulumi.log.warn(`clustermesh: ${warning}`);
  const peers = check.reciprocal;
  const nativeRoutingCidr = coveringCidr([contract.podCidr, ...peers.map((p) => p.contract.podCidr)]).text;
  return { self, contract, peers, nativeRoutingCidr };
}
