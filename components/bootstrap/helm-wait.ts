/**
 * How long, and whether, a bootstrap release waits for its workloads with Helm's own wait.
 *
 * The Kubernetes provider installs with the Helm v3 SDK. Its wait (pkg/kube/ready.go)
 * counts a Deployment ready with `replicas - maxUnavailable` ready pods, a rolling
 * DaemonSet with `desired - maxUnavailable`, Jobs not at all (waitForJobs off), and a
 * LoadBalancer Service only once it has an ingress address.
 *
 * Cilium 1.20 with the values in kubernetes/ (chart defaults from its values.yaml), before
 * CoreDNS exists:
 *  - hubble-relay (resolves the hubble-peer Service by DNS, so it is Ready only after
 *    CoreDNS): 1 replica, updateStrategy maxUnavailable 1, so 0 ready pods suffice. No
 *    deadlock.
 *  - cilium-operator: 2 replicas, maxUnavailable 50%, one ready pod needed; it runs on the
 *    host network and reaches the API through KubePrism, without DNS.
 *  - cilium and cilium-envoy DaemonSets: maxUnavailable 2; agents need no DNS either.
 *  - clustermesh-apiserver (meshed clusters only): 1 replica, maxUnavailable 0; its
 *    certificates come from the certgen Job; no DNS needed. But its Service is a
 *    LoadBalancer whose address LB-IPAM assigns from the CiliumLoadBalancerIPPool that
 *    Flux creates after the hand-off: Helm's wait would never see an ingress address and
 *    time out. That release skips Helm's wait; CoreDNS, which depends on it and is waited
 *    for, is Ready only once Cilium's datapath and kube-proxy replacement work.
 */
import type { Values } from "../../bootstrap/values";

/** helm-controller's default `spec.timeout`. */
export const FLUX_DEFAULT_TIMEOUT = "5m";

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A Go duration (`10m`, `1h30m`, `5m0s`) in whole seconds, rounded up. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) {
    throw new Error(`${duration} is not a Go duration such as 10m`);
  }
  return Math.ceil(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit], 0));
}

function get(values: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Values)[k] : undefined), values);
}

/**
 * Why Helm's wait can never succeed during the bootstrap for this chart and these values,
 * or undefined when it can. Keyed by the chart's name.
 */
const WAIT_BLOCKERS: Record<string, (values: Values) => string | undefined> = {
  cilium: (values) =>
    get(values, ["clustermesh", "useAPIServer"]) === true &&
    get(values, ["clustermesh", "apiserver", "service", "type"]) === "LoadBalancer" &&
    get(values, ["clustermesh", "apiserver", "service", "externallyCreated"]) !== true
      ? "the clustermesh-apiserver LoadBalancer Service gets its address from an LB-IPAM pool that Flux creates after the hand-off"
      : undefined,
};

/** The chart's name: the last segment of its OCI URL or repository chart name. */
export function chartName(chart: string): string {
  return chart.split("/").pop() ?? chart;
}

export function helmWaitBlocker(chart: string, values: Values): string | undefined {
  return WAIT_BLOCKERS[chartName(chart)]?.(values);
}
