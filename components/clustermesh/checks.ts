/**
 * Cross-stack checks of a mesh, pure: this stack and the peers whose contracts it read.
 * Problems fail the deployment and name both stacks; warnings leave a peer out for now.
 */
import { ipToInt, overlaps, parseCidr, Range } from "../../lib/net";
import { coveringCidr } from "./cidr";
import { LbPool, MeshContract } from "./contract";

/** A stack and its contract; this stack's own is known before its CA exists, so without `caCert`. */
export interface Member<C extends OwnContract = MeshContract> {
  /** Fully-qualified stack name. */
  readonly stack: string;
  readonly contract: C;
}

export type OwnContract = Omit<MeshContract, "caCert">;

const poolRange = (pool: LbPool): Range => ({ first: ipToInt(pool.start), last: ipToInt(pool.end) });
const poolText = (pool: LbPool) => `${pool.start}-${pool.end}`;

/** An address range of this cluster that pod traffic must keep reaching through masquerading. */
export interface GuardedRange {
  readonly label: string;
  readonly range: Range;
}

export interface MeshCheck {
  readonly problems: string[];
  readonly warnings: string[];
  /** Peers that list this stack back: the ones meshed now. */
  readonly reciprocal: Member[];
}

function pairs<T>(items: readonly T[]): [T, T][] {
  return items.flatMap((a, i) => items.slice(i + 1).map((b): [T, T] => [a, b]));
}

export function checkMesh(self: Member<OwnContract>, peers: readonly Member[], guarded: readonly GuardedRange[]): MeshCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const members: Member<OwnContract>[] = [self, ...peers];

  for (const [a, b] of pairs(members)) {
    const both = `${a.stack} and ${b.stack}`;
    if (a.contract.name === b.contract.name) problems.push(`${both} both use cluster name "${a.contract.name}"`);
    if (a.contract.id === b.contract.id) problems.push(`${both} both use cluster id ${a.contract.id}`);
    const netA = parseCidr(a.contract.podCidr);
    const netB = parseCidr(b.contract.podCidr);
    if (netA && netB && overlaps(netA, netB)) {
      problems.push(`${both} have overlapping pod CIDRs (${a.contract.podCidr} and ${b.contract.podCidr})`);
    }
    // LB-IPAM would hand out the same LoadBalancer address in both clusters (a peer's
    // clustermesh-apiserver, a Gateway), and both would announce it.
    const poolA = a.contract.lbPool;
    const poolB = b.contract.lbPool;
    if (poolA && poolB && overlaps(poolRange(poolA), poolRange(poolB))) {
      problems.push(
        `${a.stack} k8s-gitops:cilium.lbPool (${poolText(poolA)}) overlaps ${b.stack} k8s-gitops:cilium.lbPool (${poolText(poolB)}): ` +
          "LB-IPAM would give the same LoadBalancer address to a Service in each cluster; give each cluster of the mesh its own range",
      );
    }
  }

  for (const peer of peers) {
    if (!peer.contract.lbPool) {
      warnings.push(
        `${peer.stack} exports no lbPool in its clustermesh output (an earlier version of this program deployed it), so its ` +
          `LoadBalancer pool is not compared with this cluster's until \`pulumi up\` has run there again`,
      );
    }
    if (peer.contract.maxConnectedClusters !== self.contract.maxConnectedClusters) {
      problems.push(
        `${self.stack} and ${peer.stack} set different clustermesh.maxConnectedClusters (${self.contract.maxConnectedClusters} and ` +
          `${peer.contract.maxConnectedClusters}); every cluster of a mesh must use the same value, and a running cluster cannot change it`,
      );
    }
  }

  // Traffic to the native-routing CIDR leaves the node without masquerading. It may cover
  // service CIDRs (the datapath translates service addresses before routing), but never an
  // address this cluster's pods reach on the node network.
  const covering = coveringCidr(members.map((m) => m.contract.podCidr));
  const apiservers = peers.map((m): GuardedRange => {
    const ip = parseCidr(`${m.contract.apiserver.address}/32`) as Range;
    return { label: `the clustermesh-apiserver of ${m.stack} (${m.contract.apiserver.address})`, range: ip };
  });
  for (const g of [...guarded, ...apiservers]) {
    if (overlaps(covering, g.range)) {
      problems.push(
        `the native-routing CIDR ${covering.text} that covers the pod CIDRs of ${members.map((m) => m.stack).join(", ")} ` +
          `would also cover ${g.label}; give the meshed clusters pod CIDRs that sit together in one block apart from node and LoadBalancer addresses`,
      );
    }
  }

  const reciprocal = peers.filter((peer) => {
    if (peer.contract.peers.includes(self.stack)) return true;
    warnings.push(
      `${peer.stack} does not list ${self.stack} among its clustermesh peers, so it stays out of this cluster's mesh for now: ` +
        `add ${self.stack} to its k8s-gitops:clustermesh.peers, run \`pulumi up\` there, then here`,
    );
    return false;
  });
  return { problems, warnings, reciprocal };
}
