/**
 * Reads the mesh peers' exports before anything else is registered: one StackReference
 * per stack named in config (reads only), their outputs awaited, the cross-stack checks
 * run. A failed check throws one MeshError naming the stacks involved; a peer without a
 * contract yet, or one that does not name this stack back, is a warning and stays out.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../stacks/config";
import { ipToInt, parseCidr, Range } from "../../stacks/net";
import { checkMesh, GuardedRange, Member } from "./checks";
import { coveringCidr } from "./cidr";
import { CA_OUTPUT, CONTRACT_OUTPUT, MeshCa, MeshContract, parseCa, parseContract } from "./contract";
import { currentStack, fullName, qualifyStack, StackIdentity } from "./names";

export type MeshCaSource =
  /** This stack owns the CA and generates it. */
  | { readonly kind: "generate" }
  /** Taken from the owner's `clustermeshCa` output; always a secret. */
  | { readonly kind: "peer"; readonly stack: string; readonly ca: pulumi.Output<MeshCa> };

export interface MeshPeers {
  /** This stack, fully qualified. */
  readonly self: string;
  /** This stack's export for its peers; undefined when the mesh is off. */
  readonly contract?: MeshContract;
  /** Undefined when the mesh is off, or the owner has not exported the CA yet (unmeshed). */
  readonly ca?: MeshCaSource;
  /** The peers meshed now: they export a contract, name this stack back, and a CA exists. */
  readonly peers: readonly Member[];
  /** The smallest CIDR covering this cluster's and every meshed peer's pod CIDR. */
  readonly nativeRoutingCidr: string;
}

export class MeshError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `clustermesh checks failed (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "MeshError";
  }
}

function host(ip: string): Range {
  return parseCidr(`${ip}/32`) as Range;
}

/** This cluster's addresses that pods reach on the node network, with masquerading. */
function guardedRanges(config: StackConfig): GuardedRange[] {
  const { network, cilium } = config;
  return [
    { label: `network.nodeSubnet ${network.nodeSubnet}`, range: parseCidr(network.nodeSubnet) as Range },
    ...(network.gateway ? [{ label: `network.gateway ${network.gateway}`, range: host(network.gateway) }] : []),
    ...network.nameservers.map((ip) => ({ label: `nameserver ${ip}`, range: host(ip) })),
    { label: `cilium.lbPool ${cilium.lbPool.start}-${cilium.lbPool.end}`, range: { first: ipToInt(cilium.lbPool.start), last: ipToInt(cilium.lbPool.end) } },
    { label: `cilium.bgp.peerAddress ${cilium.bgp.peerAddress}`, range: host(cilium.bgp.peerAddress) },
  ];
}

async function readOutputs(ref: pulumi.StackReference, stack: string, names: readonly string[]): Promise<Record<string, unknown>> {
  try {
    const details = await Promise.all(names.map((name) => ref.getOutputDetails(name)));
    return Object.fromEntries(names.map((name, i) => [name, details[i].secretValue ?? details[i].value]));
  } catch (err) {
    // The engine fails the deployment on a stack that was never created; say what to do.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `clustermesh: cannot read stack ${stack} (${reason}). Every stack named in k8s-gitops:clustermesh ` +
        `(peers, caOwnerStack) must exist before any of them is deployed: run \`pulumi stack init ${stack}\` first`,
    );
  }
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export async function resolveMeshPeers(config: StackConfig, identity: StackIdentity = currentStack()): Promise<MeshPeers> {
  const self = fullName(identity);
  const mesh = config.clustermesh;
  if (!mesh.enabled) return { self, peers: [], nativeRoutingCidr: config.network.podCidr };
  if (!mesh.apiserverIp || !mesh.caOwnerStack) throw new Error("clustermesh: apiserverIp and caOwnerStack are required (validate.ts)");

  const problems: string[] = [];
  const warnings: string[] = [];
  const peerNames = mesh.peers.map((name) => qualifyStack(name, identity));
  const caOwner = qualifyStack(mesh.caOwnerStack, identity);
  peerNames.forEach((peer, i) => {
    if (peer === self) problems.push(`k8s-gitops:clustermesh.peers[${i}] names this stack (${self}) itself`);
    else if (peerNames.indexOf(peer) !== i) problems.push(`k8s-gitops:clustermesh.peers[${i}] repeats ${peer}`);
  });
  if (problems.length > 0) throw new MeshError(problems);

  const contract: MeshContract = {
    name: config.cluster.name,
    id: config.cluster.id,
    podCidr: config.network.podCidr,
    apiserver: { address: mesh.apiserverIp, port: mesh.apiserverPort },
    peers: peerNames,
    caOwner,
  };

  // Register every reference first, then await them together.
  const stacks = unique([...peerNames, ...(caOwner === self ? [] : [caOwner])]);
  const refs = stacks.map((stack) => new pulumi.StackReference(stack, { name: stack }));
  const read = await Promise.all(
    stacks.map((stack, i) => readOutputs(refs[i], stack, stack === caOwner ? [CONTRACT_OUTPUT, CA_OUTPUT] : [CONTRACT_OUTPUT])),
  );
  const outputs = new Map(stacks.map((stack, i) => [stack, read[i]]));

  const members: Member[] = [];
  for (const stack of peerNames) {
    const raw = outputs.get(stack)?.[CONTRACT_OUTPUT];
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

  let ca: MeshCaSource | undefined;
  if (caOwner === self) ca = { kind: "generate" };
  else {
    const raw = outputs.get(caOwner)?.[CA_OUTPUT];
    const parsed = raw === undefined ? undefined : parseCa(raw);
    if (parsed === undefined) {
      warnings.push(`${caOwner} owns the mesh CA but exports no ${CA_OUTPUT} yet; this cluster comes up unmeshed until \`pulumi up\` has run there`);
    } else if (typeof parsed === "string") {
      problems.push(`${caOwner} exports a ${CA_OUTPUT} output ${self} cannot read: ${parsed}`);
    } else {
      ca = { kind: "peer", stack: caOwner, ca: pulumi.secret(parsed) };
    }
  }

  if (problems.length > 0) throw new MeshError(problems);
  for (const warning of warnings) void pulumi.log.warn(`clustermesh: ${warning}`);
  const peers = ca ? check.reciprocal : [];
  const nativeRoutingCidr = coveringCidr([contract.podCidr, ...peers.map((p) => p.contract.podCidr)]).text;
  return { self, contract, ca, peers, nativeRoutingCidr };
}
