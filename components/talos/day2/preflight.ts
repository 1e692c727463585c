/**
 * The preflight verdict of a running cluster, from what was observed (plain data): go with
 * the plan, refused with every reason and the way through, or "cannot observe" with the
 * reason. On an adopted PKI the certificates the nodes present are checked against the
 * adopted CAs first: a node whose Talos API (50000) or Kubernetes API (6443) certificate
 * the adopted OS or Kubernetes CA did not sign runs another PKI, and applying this one
 * would replace what its nodes trust. Pure: no Pulumi, no I/O (node:crypto only).
 */
import { X509Certificate } from "crypto";
import { KUBERNETES_API_PORT, TALOS_API_PORT } from "./runner";
import {
  assumedAtPins,
  ClusterObservation,
  Day2Plan,
  Day2PreflightError,
  Day2Targets,
  observationGap,
  planDay2,
  PlannedNode,
  PresentedCertificate,
} from "./plan";

/** The adopted CA certificates, base64 PEM as the 1Password item holds them (public). */
export interface AdoptedCas {
  readonly MACHINE_CA_CRT: string;
  readonly CLUSTER_CA_CRT: string;
}

export type PreflightVerdict =
  | { readonly kind: "go"; readonly plan: Day2Plan; readonly notes: readonly string[] }
  | { readonly kind: "refused"; readonly problems: readonly string[] }
  | { readonly kind: "unobserved"; readonly reason: string; readonly plan: Day2Plan };

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/** `AB:CD:...` of the certificate's DER, as `openssl x509 -fingerprint -sha256` prints it. */
export function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

interface Anchor {
  readonly api: string;
  readonly port: number;
  readonly fields: string;
  readonly ca: X509Certificate;
}

/** Problems with the adopted PKI, and the anchors no certificate could be read for. */
function trustProblems(
  nodes: readonly PlannedNode[],
  observed: ClusterObservation,
  adopted: AdoptedCas,
): { problems: string[]; unread: string[]; notes: string[] } {
  const anchors: Anchor[] = [
    { api: "Talos API", port: TALOS_API_PORT, fields: "MACHINE_CA_CRT and MACHINE_CA_KEY", ca: new X509Certificate(decode(adopted.MACHINE_CA_CRT)) },
    { api: "Kubernetes API", port: KUBERNETES_API_PORT, fields: "CLUSTER_CA_CRT and CLUSTER_CA_KEY", ca: new X509Certificate(decode(adopted.CLUSTER_CA_CRT)) },
  ];
  const hostname = new Map(nodes.map((n) => [n.address, n.hostname]));
  const where = (c: PresentedCertificate) => `node ${c.address}${hostname.has(c.address) ? ` (${hostname.get(c.address) ?? ""})` : ""}`;
  const problems: string[] = [];
  const unread: string[] = [];
  const notes: string[] = [];
  for (const anchor of anchors) {
    const presented = (observed.certificates ?? []).filter((c) => c.port === anchor.port);
    let verified = 0;
    let mismatched = 0;
    for (const c of presented) {
      if (!c.certificate) {
        notes.push(`${where(c)}: the ${anchor.api} certificate (port ${anchor.port}) could not be read: ${c.error ?? "no answer"}`);
        continue;
      }
      let leaf: X509Certificate;
      try {
        leaf = new X509Certificate(c.certificate);
      } catch {
        notes.push(`${where(c)}: the ${anchor.api} (port ${anchor.port}) presented no readable certificate`);
        continue;
      }
      if (leaf.checkIssued(anchor.ca) && leaf.verify(anchor.ca.publicKey)) {
        verified++;
        continue;
      }
      mismatched++;
      problems.push(
        `${where(c)}: its ${anchor.api} (port ${anchor.port}) presents a certificate issued by "${leaf.issuer.replace(/\n/g, ", ")}" ` +
          `(sha256 ${leaf.fingerprint256}), which the adopted CA "${anchor.ca.subject.replace(/\n/g, ", ")}" (sha256 ${anchor.ca.fingerprint256}) ` +
          `did not sign: the item's ${anchor.fields} are not this cluster's. Fix the 1Password item (or talos.pki) before any apply`,
      );
    }
    if (verified === 0 && mismatched === 0) {
      unread.push(`no node's ${anchor.api} certificate (port ${anchor.port}) could be read to compare with the adopted ${anchor.fields.split(" ")[0]}`);
    }
  }
  // A node that refused the client certificate the adopted OS CA signed does not trust that CA.
  for (const n of observed.nodes) {
    if (n.talos || !/tls: bad certificate|unknown certificate authority|certificate required/i.test(n.reason ?? "")) continue;
    problems.push(
      `node ${n.address}${hostname.has(n.address) ? ` (${hostname.get(n.address) ?? ""})` : ""}: refuses a client certificate signed by the adopted ` +
        `MACHINE_CA_CRT and MACHINE_CA_KEY (${n.reason ?? ""}): the item's OS CA is not this cluster's`,
    );
  }
  return { problems, unread, notes };
}

function refusedOr<T>(plan: () => T): T | { kind: "refused"; problems: readonly string[] } {
  try {
    return plan();
  } catch (err) {
    if (err instanceof Day2PreflightError) return { kind: "refused", problems: err.problems };
    throw err;
  }
}

/** "cannot observe": the plan a preview shows assumes the pins; config-level refusals still refuse. */
export function unobservedVerdict(nodes: readonly PlannedNode[], targets: Day2Targets, reason: string): PreflightVerdict {
  const plan = refusedOr(() => planDay2(nodes, assumedAtPins(nodes, targets), targets));
  return "kind" in plan ? plan : { kind: "unobserved", reason, plan };
}

/**
 * The verdict of one observation. `adopted`: the CAs of an adopted PKI, compared with what
 * the nodes present before anything else (a mismatch refuses, naming the fields).
 */
export function preflightVerdict(
  nodes: readonly PlannedNode[],
  observed: ClusterObservation,
  targets: Day2Targets,
  adopted?: AdoptedCas,
): PreflightVerdict {
  const trust = adopted ? trustProblems(nodes, observed, adopted) : { problems: [], unread: [], notes: [] };
  const gap = observationGap(observed);
  if (trust.problems.length > 0) {
    // Version problems of the nodes that did answer come along: one pass fixes both.
    const versions = gap ? [] : (() => {
      const planned = refusedOr(() => planDay2(nodes, observed, targets));
      return "kind" in planned ? planned.problems : [];
    })();
    return { kind: "refused", problems: [...trust.problems, ...versions] };
  }
  const silent = observed.nodes.filter((n) => !n.talos && n.reason).map((n) => `${n.address}: ${n.reason ?? ""}`);
  if (gap) return unobservedVerdict(nodes, targets, silent.length > 0 ? `${gap} (${silent.join("; ")})` : gap);
  const plan = refusedOr(() => planDay2(nodes, observed, targets));
  if ("kind" in plan) return plan;
  if (trust.unread.length > 0) return { kind: "unobserved", reason: `the adopted PKI could not be compared: ${trust.unread.join("; ")}`, plan };
  return { kind: "go", plan, notes: trust.notes };
}

/** One line per verdict, as every preview logs it. */
export function describeVerdict(verdict: PreflightVerdict, adopted?: AdoptedCas): string {
  switch (verdict.kind) {
    case "refused":
      return `day-2 preflight: refused (${verdict.problems.length} problem${verdict.problems.length === 1 ? "" : "s"})`;
    case "unobserved":
      return `day-2 preflight: cannot observe the running cluster: ${verdict.reason}`;
    case "go": {
      const { plan } = verdict;
      const talos = plan.talosUpgrades.length > 0 ? plan.talosUpgrades.map((u) => `${u.address} ${u.from} → ${u.to}`).join(", ") : "none";
      const kubernetes = plan.kubernetesUpgrade ? `${plan.kubernetesUpgrade.from} → ${plan.kubernetesUpgrade.to}` : "none";
      const joining = plan.joiningNodes.length > 0 ? `; joining: ${plan.joiningNodes.join(", ")}` : "";
      const leaving = plan.leavingMember ? `; leaving etcd: ${plan.leavingMember.hostname}` : "";
      const drift = [
        ...plan.drift.talos.map((d) => `${d.address} Talos ${d.observed} (the previous run left ${d.recorded})`),
        ...plan.drift.kubernetes.map((d) => `${d.address} Kubernetes ${d.observed} (the previous run left ${d.recorded})`),
      ];
      const drifted = drift.length > 0 ? `; drift, re-run: ${drift.join(", ")}` : "";
      const pki = adopted
        ? `; adopted PKI matches the nodes (OS CA sha256 ${fingerprint(decode(adopted.MACHINE_CA_CRT))}, Kubernetes CA sha256 ${fingerprint(decode(adopted.CLUSTER_CA_CRT))})`
        : "";
      return `day-2 preflight: go. Talos upgrades: ${talos}; Kubernetes upgrade: ${kubernetes}${joining}${leaving}${drifted}${pki}`;
    }
  }
}
