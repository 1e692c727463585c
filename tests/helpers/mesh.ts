/** Mesh test helpers: peers as StackReferences and the documented deployment order. */
import { asStackReference, sharedRun, RunResult, StackReferenceState } from "../../harness";
import { MAX_CONNECTED_CLUSTERS } from "../../components/clustermesh/contract";

/** A stack's fully-qualified name under the mock runtime's organization and project. */
export const fq = (stack: string): string => `organization/k8s-gitops/${stack}`;

/** A finished, successful run as its peers see it through a StackReference. */
export function asPeer(result: RunResult): StackReferenceState {
  expect(result.error).toBeUndefined();
  return asStackReference(result);
}

/** `pulumi up` of infra, then apps, then infra again, each reading the previous run's outputs. */
export async function deployInfraAppsInfra(): Promise<{ first: RunResult; apps: RunResult; again: RunResult }> {
  const first = await sharedRun({ stack: "infra" });
  const apps = await sharedRun({ stack: "apps", stackReferences: { [fq("infra")]: asPeer(first) } });
  const again = await sharedRun({ stack: "infra", stackReferences: { [fq("apps")]: asPeer(apps) } });
  return { first, apps, again };
}

/** A third cluster's contract, as if stack `edge` had been deployed and named infra and apps. */
export const EDGE_CONTRACT = {
  name: "edge",
  id: 3,
  podCidr: "10.248.0.0/16",
  apiserver: { address: "10.25.11.140", port: 2379 },
  peers: [fq("infra"), fq("apps")],
  /** Its own CA's certificate: a peer exports certificates, never keys. */
  caCert: `-----BEGIN CERTIFICATE-----\n${Buffer.from("mock certificate of edge's own mesh CA").toString("base64")}\n-----END CERTIFICATE-----\n`,
  maxConnectedClusters: MAX_CONNECTED_CLUSTERS,
  lbPool: { start: "10.25.11.140", end: "10.25.11.159" },
};

/** infra, apps, infra again, each listing the other two; `edge` exports `edgeContract`. */
export async function deployWithEdge(edgeContract: object = EDGE_CONTRACT): Promise<{ infra: RunResult; apps: RunResult; again: RunResult }> {
  const edge = { outputs: { clustermesh: edgeContract } };
  const infraPeers = { "k8s-gitops:clustermesh.peers": ["apps", "edge"] };
  const infra = await sharedRun({ stack: "infra", config: infraPeers });
  const apps = await sharedRun({
    stack: "apps",
    config: { "k8s-gitops:clustermesh.peers": ["infra", "edge"] },
    stackReferences: { [fq("infra")]: asPeer(infra), [fq("edge")]: edge },
  });
  const again = await sharedRun({ stack: "infra", config: infraPeers, stackReferences: { [fq("apps")]: asPeer(apps), [fq("edge")]: edge } });
  return { infra, apps, again };
}
