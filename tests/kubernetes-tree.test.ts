/**
 * The Flux tree under kubernetes/: every manifest against its upstream schema,
 * the kustomize and Flux Kustomization graph of each cluster, substitution with
 * both clusters' settings, and the single version pin of each chart.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap as isYamlMap, parseAllDocuments, visit, type Node } from "yaml";
import { DISTRIBUTIONS_FILE } from "../bootstrap/flux-versions";
import { loadBootstrapPlan, loadChartSpec } from "../bootstrap/loader";
import { suspendSettings } from "../bootstrap/plan";
import { parseManifests, parseSubstitutedManifests, readKustomization, type KubeObject } from "../bootstrap/manifests";
import { crdSchemaPath, describeWithSchemas, validateAgainst, validateCoreObjects } from "./helpers/schemas";
import { fixtureSettings } from "./helpers/cluster-settings";

const repoRoot = path.resolve(__dirname, "..");
const treeRoot = path.join(repoRoot, "kubernetes");
const clusters = ["infra", "apps"] as const;
type Cluster = (typeof clusters)[number];
const settingsOf = (cluster: Cluster): Record<string, string> =>
  fixtureSettings(cluster);

/** Computes on first use, so a broken tree fails the tests that need it, with its error. */
function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

const rel = (abs: string): string => path.relative(repoRoot, abs).split(path.sep).join("/");

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

const allFiles = walk(treeRoot).sort();
const kustomizationFiles = allFiles.filter((f) => path.basename(f) === "kustomization.yaml");
const manifestFiles = allFiles.filter((f) => /\.ya?ml$/.test(f) && path.basename(f) !== "kustomization.yaml");
const textOf = (f: string): string => fs.readFileSync(f, "utf8");

function get(obj: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], obj);
}

/** Manifest files a kustomize build of `dir` includes, recursively. */
function buildFiles(dir: string): string[] {
  return readKustomization(repoRoot, dir).resources.flatMap((r) => (fs.statSync(r).isDirectory() ? buildFiles(r) : [r]));
}

interface FluxKustomization {
  readonly name: string;
  readonly namespace: string;
  readonly object: KubeObject | undefined;
  readonly dir: string;
  readonly files: readonly string[];
  /** Flux Kustomizations this one applies, transitively. */
  readonly creates: readonly string[];
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * The Kustomizations of one cluster, starting from flux-system, which the
 * FluxInstance sync creates on the sync path in cluster-settings. A
 * Kustomization applied twice, or whose path has no kustomization.yaml, is
 * recorded as a problem instead of being followed.
 */
function fluxGraph(cluster: Cluster): { graph: Map<string, FluxKustomization>; problems: string[] } {
  const settings = settingsOf(cluster);
  const graph = new Map<string, FluxKustomization>();
  const problems: string[] = [];
  const visitKs = (name: string, namespace: string, object: KubeObject | undefined, dir: string): string[] => {
    const key = keyOf(namespace, name);
    if (graph.has(key)) {
      problems.push(`${key} is applied more than once`);
      return [];
    }
    if (!fs.existsSync(path.join(dir, "kustomization.yaml"))) {
      problems.push(`${key}: spec.path ${rel(dir)} has no kustomization.yaml`);
      return [];
    }
    const files = buildFiles(dir);
    const created: string[] = [];
    graph.set(key, { name, namespace, object, dir, files, creates: created });
    const children = files.flatMap((f) =>
      parseSubstitutedManifests(textOf(f), settings, rel(f)).filter((o) => o.kind === "Kustomization"),
    );
    for (const child of children) {
      const childNs = child.metadata.namespace ?? namespace;
      created.push(keyOf(childNs, child.metadata.name));
      created.push(...visitKs(child.metadata.name, childNs, child, path.join(repoRoot, String(get(child, "spec.path") ?? ""))));
    }
    return created;
  };
  visitKs("flux-system", "flux-system", undefined, path.join(repoRoot, settings.FLUX_SYNC_PATH));
  return { graph, problems };
}

describe("kustomize structure", () => {
  test("every kustomization.yaml resource is a file, or a folder with a kustomization.yaml", () => {
    const problems = kustomizationFiles.flatMap((k) =>
      readKustomization(repoRoot, path.dirname(k)).resources.flatMap((r) => {
        if (!fs.existsSync(r)) return [`${rel(k)}: ${rel(r)} does not exist`];
        if (fs.statSync(r).isDirectory() && !fs.existsSync(path.join(r, "kustomization.yaml"))) return [`${rel(k)}: ${rel(r)} has no kustomization.yaml`];
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });

  test("every manifest is listed by exactly one kustomization.yaml", () => {
    const listed = kustomizationFiles.flatMap((k) => readKustomization(repoRoot, path.dirname(k)).resources);
    const counts = manifestFiles.map((f) => [rel(f), listed.filter((r) => r === f).length] as const);
    expect(counts.filter(([, n]) => n !== 1)).toEqual([]);
  });

  test("no kustomization.yaml overrides namespaces (objects state their own, as the bootstrap reads them)", () => {
    expect(kustomizationFiles.filter((k) => readKustomization(repoRoot, path.dirname(k)).namespace !== undefined).map(rel)).toEqual([]);
  });
});

describe.each(clusters)("Flux Kustomizations of the %s cluster", (cluster) => {
  const settings = settingsOf(cluster);
  const walkOf = lazy(() => fluxGraph(cluster));
  const graphOf = (): Map<string, FluxKustomization> => walkOf().graph;
  const kustomizationsOf = lazy(() => [...graphOf().values()].filter((k) => k.object !== undefined));
  const depsOf = (k: FluxKustomization): string[] =>
    ((get(k.object, "spec.dependsOn") as Array<{ name: string; namespace?: string }> | undefined) ?? []).map((d) =>
      keyOf(d.namespace ?? k.namespace, d.name),
    );
  /** Kustomizations `key` waits for, transitively through dependsOn. */
  const after = (key: string): Set<string> => {
    const seen = new Set<string>();
    const go = (k: string): void => {
      const ks = graphOf().get(k);
      for (const d of ks ? depsOf(ks) : []) {
        if (seen.has(d)) continue;
        seen.add(d);
        go(d);
      }
    };
    go(key);
    return seen;
  };
  /** Every object of the cluster with the Kustomization that applies it. */
  const appliedObjects = lazy(() =>
    [...graphOf().values()].flatMap((k) =>
      k.files.flatMap((f) => parseSubstitutedManifests(textOf(f), settings, rel(f)).map((object) => ({ owner: keyOf(k.namespace, k.name), object }))),
    ),
  );

  test("every Kustomization is applied once and its spec.path has a kustomization.yaml", () => {
    expect(walkOf().problems).toEqual([]);
    expect(kustomizationsOf().map((k) => k.name).sort()).toEqual([
      "cert-manager", "cert-manager-certificates", "cert-manager-issuers", "cilium", "cilium-bgp", "cilium-gateway", "cilium-ipam", "cilium-l2", "coredns", "external-secrets",
      "external-secrets-stores", "flux-instance", "flux-operator", "infrastructure", "spegel",
    ]);
  });

  test("the FluxInstance sync path is this cluster's root", () => {
    expect(settings.FLUX_SYNC_PATH).toBe(`kubernetes/clusters/${cluster}`);
    expect(fs.existsSync(path.join(repoRoot, settings.FLUX_SYNC_PATH, "kustomization.yaml"))).toBe(true);
  });

  test("every spec.path is a folder of the repository with a kustomization.yaml", () => {
    for (const k of kustomizationsOf()) {
      const p = String(get(k.object, "spec.path"));
      expect(p).toMatch(/^\.\/kubernetes\//);
      expect(fs.existsSync(path.join(k.dir, "kustomization.yaml"))).toBe(true);
    }
  });

  test("all use kustomize.toolkit.fluxcd.io/v1, the flux-system GitRepository and cluster-settings substitution", () => {
    for (const k of kustomizationsOf()) {
      expect(k.object?.apiVersion).toBe("kustomize.toolkit.fluxcd.io/v1");
      expect(get(k.object, "spec.sourceRef")).toEqual({ kind: "GitRepository", name: "flux-system", namespace: "flux-system" });
      expect(get(k.object, "spec.postBuild.substituteFrom")).toEqual([{ kind: "ConfigMap", name: "cluster-settings" }]);
      expect(get(k.object, "spec.targetNamespace")).toBeUndefined();
    }
  });

  test("every dependsOn names an existing Kustomization, never itself or one it creates, without cycles", () => {
    const problems: string[] = [];
    for (const k of kustomizationsOf()) {
      const self = keyOf(k.namespace, k.name);
      for (const d of depsOf(k)) {
        if (!graphOf().has(d)) problems.push(`${self} depends on missing ${d}`);
        if (d === self) problems.push(`${self} depends on itself`);
        if (k.creates.includes(d)) problems.push(`${self} depends on ${d}, which it creates`);
      }
    }
    const state = new Map<string, "visiting" | "done">();
    const dfs = (key: string, trail: string[]): void => {
      if (state.get(key) === "done") return;
      if (state.get(key) === "visiting") {
        problems.push(`cycle: ${[...trail, key].join(" -> ")}`);
        return;
      }
      state.set(key, "visiting");
      const k = graphOf().get(key);
      if (k?.object) for (const d of depsOf(k)) dfs(d, [...trail, key]);
      state.set(key, "done");
    };
    for (const k of kustomizationsOf()) dfs(keyOf(k.namespace, k.name), []);
    expect(problems).toEqual([]);
  });

  test("Kustomizations others depend on wait for their objects to be ready", () => {
    const targets = new Set(kustomizationsOf().flatMap((k) => ((get(k.object, "spec.dependsOn") as Array<{ name: string }> | undefined) ?? []).map((d) => d.name)));
    for (const k of kustomizationsOf().filter((x) => targets.has(x.name))) expect(get(k.object, "spec.wait")).toBe(true);
  });

  test("CRD users are ordered after their providers", () => {
    const deps = (name: string): unknown => get(kustomizationsOf().find((k) => k.name === name)?.object, "spec.dependsOn");
    for (const name of ["cilium-ipam", "cilium-bgp", "cilium-l2", "cilium-gateway", "coredns"]) expect(deps(name)).toEqual(expect.arrayContaining([{ name: "cilium" }]));
    expect(deps("external-secrets-stores")).toEqual([{ name: "external-secrets" }]);
    expect(deps("flux-instance")).toEqual([{ name: "flux-operator" }]);
    expect(deps("cert-manager-issuers")).toEqual(expect.arrayContaining([{ name: "cert-manager" }, { name: "external-secrets-stores" }]));
  });

  test("Flux's own upgrades wait for no other component: flux-operator depends on nothing, flux-instance only on it", () => {
    const deps = (name: string): unknown => get(kustomizationsOf().find((k) => k.name === name)?.object, "spec.dependsOn");
    expect(deps("flux-operator")).toBeUndefined();
    expect(deps("flux-instance")).toEqual([{ name: "flux-operator" }]);
  });

  test("releases.yaml's minNodes gate exists on the Flux side: the release's Kustomization is suspended below it", () => {
    const plan = loadBootstrapPlan(repoRoot);
    const gated = plan.releases.filter((r) => r.minNodes > 1);
    expect(gated.map((r) => r.name)).toContain("spegel");
    for (const release of gated) {
      const appPath = `./${path.posix.dirname(release.helmRelease)}`;
      const ks = kustomizationsOf().find((k) => get(k.object, "spec.path") === appPath);
      expect(ks).toBeDefined();
      // This cluster has three nodes: not suspended.
      expect(get(ks?.object, "spec.suspend")).toBe(false);
      // The same file on a cluster below minNodes, with the settings the program would write.
      const file = path.join(repoRoot, path.dirname(path.dirname(release.helmRelease)), "ks.yaml");
      for (const nodes of [release.minNodes - 1, release.minNodes]) {
        const [small] = parseSubstitutedManifests(textOf(file), { ...settings, ...suspendSettings(plan, nodes) }, rel(file));
        expect(get(small, "spec.suspend")).toBe(nodes < release.minNodes);
      }
    }
  });

  test("the Gateways' TLS chain is ordered: operators, then store, token and issuer, then the certificate, then the Gateways", () => {
    const objects = appliedObjects();
    const find = (kind: string, name: unknown, namespace?: string) =>
      objects.find((x) => x.object.kind === kind && x.object.metadata.name === name && x.object.metadata.namespace === namespace);
    // [what, the Kustomization applying the user, the one applying what it needs]
    const pairs: Array<[string, string | undefined, string | undefined]> = [];
    for (const gw of objects.filter((x) => x.object.kind === "Gateway")) {
      const listeners = (get(gw.object, "spec.listeners") as Array<Record<string, unknown>> | undefined) ?? [];
      for (const ref of listeners.flatMap((l) => (get(l, "tls.certificateRefs") as Array<{ name: string; namespace?: string }> | undefined) ?? [])) {
        const ns = ref.namespace ?? gw.object.metadata.namespace;
        const cert = objects.find((x) => x.object.kind === "Certificate" && x.object.metadata.namespace === ns && get(x.object, "spec.secretName") === ref.name);
        pairs.push([`Gateway ${gw.object.metadata.name} after the Certificate of ${ns}/${ref.name}`, gw.owner, cert?.owner]);
      }
    }
    for (const cert of objects.filter((x) => x.object.kind === "Certificate")) {
      const ref = get(cert.object, "spec.issuerRef") as { kind?: string; name: string };
      const issuer = ref.kind === "ClusterIssuer" ? find("ClusterIssuer", ref.name) : find("Issuer", ref.name, cert.object.metadata.namespace);
      pairs.push([`Certificate ${cert.object.metadata.name} after its issuer ${ref.name}`, cert.owner, issuer?.owner]);
      const solvers = (get(issuer?.object, "spec.acme.solvers") as unknown[] | undefined) ?? [];
      for (const secret of solvers.map((s) => get(s, "dns01.cloudflare.apiTokenSecretRef.name")).filter((n) => n !== undefined)) {
        const es = objects.find((x) => x.object.kind === "ExternalSecret" && (get(x.object, "spec.target.name") ?? x.object.metadata.name) === secret);
        pairs.push([`Certificate ${cert.object.metadata.name} after the ExternalSecret of ${String(secret)}`, cert.owner, es?.owner]);
      }
    }
    const certManager = find("HelmRelease", "cert-manager", "cert-manager")?.owner;
    for (const x of objects.filter((o) => o.object.apiVersion.startsWith("cert-manager.io/"))) {
      pairs.push([`${x.object.kind} ${x.object.metadata.name} after cert-manager`, x.owner, certManager]);
    }
    for (const es of objects.filter((x) => x.object.kind === "ExternalSecret")) {
      const store = get(es.object, "spec.secretStoreRef") as { kind?: string; name: string };
      const found = store.kind === "ClusterSecretStore" ? find("ClusterSecretStore", store.name) : find("SecretStore", store.name, es.object.metadata.namespace);
      pairs.push([`ExternalSecret ${es.object.metadata.name} after its store ${store.name}`, es.owner, found?.owner]);
    }
    expect(pairs.length).toBeGreaterThanOrEqual(6);
    const problems = pairs.filter(([, later, earlier]) => later === undefined || earlier === undefined || !after(later).has(earlier));
    expect(problems.map(([what, later, earlier]) => `${what}: ${later} does not wait for ${earlier}`)).toEqual([]);
  });

  test("every manifest of the shared tree is applied by exactly one Kustomization", () => {
    const applied = [...graphOf().values()].flatMap((k) => k.files);
    const shared = manifestFiles.filter((f) => !rel(f).startsWith("kubernetes/clusters/") || rel(f).startsWith(`${settings.FLUX_SYNC_PATH}/`));
    expect(shared.map((f) => [rel(f), applied.filter((a) => a === f).length]).filter(([, n]) => n !== 1)).toEqual([]);
  });

  test("the root, applied by the FluxInstance sync without substitution, uses no variables", () => {
    for (const f of graphOf().get("flux-system/flux-system")?.files ?? []) expect(textOf(f)).not.toContain("${");
  });
});

describe("one Flux sync per cluster", () => {
  const objectsOf = lazy(() => manifestFiles.flatMap((f) => parseManifests(textOf(f), rel(f))));

  test("the tree holds no GitRepository and no Kustomization on a cluster root: the FluxInstance sync is the only one", () => {
    expect(objectsOf().filter((o) => o.kind === "GitRepository")).toEqual([]);
    const roots = clusters.map((c) => `./${settingsOf(c).FLUX_SYNC_PATH}`);
    const onRoot = objectsOf().filter((o) => o.kind === "Kustomization" && roots.includes(String(get(o, "spec.path")).replace(/\/$/, "")));
    expect(onRoot).toEqual([]);
  });

  test("every Namespace sets one Pod Security level for enforce, audit and warn, and is never pruned", () => {
    const namespaces = objectsOf().filter((o) => o.kind === "Namespace");
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(["cert-manager", "external-secrets", "flux-system"]);
    for (const ns of namespaces) {
      const levels = ["enforce", "audit", "warn"].map((mode) => ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`]);
      expect(new Set(levels).size).toBe(1);
      expect(["privileged", "baseline", "restricted"]).toContain(levels[0]);
      expect(ns.metadata.annotations?.["kustomize.toolkit.fluxcd.io/prune"]).toBe("disabled");
    }
  });

  test("cluster-settings is generated by the program, never committed", () => {
    expect(objectsOf().filter((o) => o.kind === "ConfigMap" && o.metadata.name === "cluster-settings")).toEqual([]);
  });
});

describe("substitution", () => {
  test.each(clusters)("every manifest substitutes with the %s settings, leaving no variable", (cluster) => {
    const settings = settingsOf(cluster);
    for (const f of manifestFiles) {
      for (const o of parseSubstitutedManifests(textOf(f), settings, rel(f))) expect(JSON.stringify(o)).not.toContain("${");
    }
  });

  test("no YAML comment contains a variable (Flux substitutes the built objects, comments are not part of them)", () => {
    const offenders: string[] = [];
    for (const f of [...manifestFiles, ...kustomizationFiles]) {
      const comments: Array<string | null | undefined> = [];
      for (const doc of parseAllDocuments(textOf(f))) {
        comments.push(doc.commentBefore, doc.comment);
        visit(doc, (_key, node) => {
          const n = node as Node & { commentBefore?: string | null; comment?: string | null };
          comments.push(n.commentBefore, n.comment);
          if (isYamlMap(node)) for (const item of node.items) comments.push((item.key as { commentBefore?: string } | null)?.commentBefore);
        });
      }
      if (comments.some((c) => typeof c === "string" && c.includes("${"))) offenders.push(rel(f));
    }
    expect(offenders).toEqual([]);
  });

  test("cluster-specific values appear only through substitution, and no folder is per cluster", () => {
    const [a, b] = clusters.map(settingsOf);
    const specific = Object.keys(a)
      .filter((k) => a[k] !== b[k])
      .flatMap((k) => [a[k], b[k]])
      .filter((v) => /[./]/.test(v) || /^\d{4,}$/.test(v));
    expect(specific.length).toBeGreaterThan(5);
    const sharedFiles = manifestFiles.filter((f) => rel(f).startsWith("kubernetes/infrastructure/"));
    for (const f of sharedFiles) {
      for (const v of specific) expect(`${rel(f)}: ${textOf(f).includes(v) ? v : ""}`).toBe(`${rel(f)}: `);
      for (const c of clusters) expect(rel(f).split("/")).not.toContain(c);
    }
  });
});

describe("chart sources and version pins", () => {
  const settings = settingsOf("infra");
  const specsOf = lazy(() =>
    manifestFiles
      .filter((f) => parseManifests(textOf(f), rel(f)).some((o) => o.kind === "HelmRelease"))
      .map((f) => loadChartSpec(repoRoot, rel(f), settings)),
  );

  test("every HelmRelease in the tree loads with its OCIRepository, and the bootstrap installs each of them", () => {
    expect(specsOf().map((s) => s.sourcePath).sort()).toEqual(loadBootstrapPlan(repoRoot).releases.map((r) => r.helmRelease).sort());
  });

  test("each chart version is written exactly once: in its OCIRepository's spec.ref.tag", () => {
    // The operator → Flux compatibility table lists every operator release: data, not a pin.
    const files = [...allFiles, ...walk(path.join(repoRoot, "bootstrap"))].filter((f) => /\.(ya?ml|ts|md)$/.test(f) && rel(f) !== DISTRIBUTIONS_FILE);
    const specs = specsOf();
    for (const spec of specs) {
      const expected = specs.filter((s) => s.version === spec.version).map((s) => s.chartSourcePath).sort();
      const holding = files.filter((f) => textOf(f).includes(spec.version)).map(rel).sort();
      expect(holding).toEqual(expected);
      expect(textOf(path.join(repoRoot, spec.chartSourcePath)).split(spec.version).length - 1).toBe(1);
      const [hr] = parseManifests(textOf(path.join(repoRoot, spec.sourcePath)), spec.sourcePath);
      expect(get(hr, "spec.chart")).toBeUndefined();
      expect(get(hr, "spec.chartRef.kind")).toBe("OCIRepository");
    }
  });
});

/** Cluster-scoped kinds; every other object must name its namespace. */
const CLUSTER_SCOPED = new Set([
  "Namespace", "GatewayClass", "ClusterSecretStore", "ClusterIssuer", "CiliumLoadBalancerIPPool", "CiliumBGPClusterConfig", "CiliumBGPPeerConfig", "CiliumBGPAdvertisement",
  "CiliumL2AnnouncementPolicy",
]);

type Check = (o: KubeObject) => string[];
const required = (o: KubeObject, paths: string[]): string[] => paths.filter((p) => get(o, p) === undefined || get(o, p) === "").map((p) => `${p} is required`);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const each = <T>(v: unknown, f: (x: T, i: number) => string[]): string[] => (Array.isArray(v) && v.length > 0 ? (v as T[]).flatMap(f) : ["list is empty or missing"]);
const asn = (v: unknown, what: string): string[] => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 4294967295 ? [] : [`${what} must be an ASN integer`]);

/**
 * ../shared/schemas has no schema for these kinds; their required fields and
 * types are checked here from the upstream CRDs (Gateway API v1, cilium.io/v2).
 */
const STRUCTURAL_CHECKS: Record<string, Check> = {
  "gateway.networking.k8s.io/v1/GatewayClass": (o) => required(o, ["spec.controllerName"]),
  "gateway.networking.k8s.io/v1/Gateway": (o) => [
    ...required(o, ["spec.gatewayClassName"]),
    ...each<{ type?: string; value?: string }>(get(o, "spec.addresses"), (a) => (a.type === "IPAddress" && IPV4.test(String(a.value)) ? [] : [`address ${a.value} must be an IPAddress`])),
    ...each<Record<string, unknown>>(get(o, "spec.listeners"), (l, i) => [
      ...(typeof l.name === "string" && Number.isInteger(l.port) && typeof l.protocol === "string" ? [] : [`listeners.${i} needs name, port, protocol`]),
      // Gateway API v1.6 requires tls on HTTPS listeners.
      ...(l.protocol === "HTTPS" && !Array.isArray(get(l, "tls.certificateRefs")) ? [`listeners.${i}: HTTPS needs tls.certificateRefs`] : []),
    ]),
  ],
  "cilium.io/v2/CiliumBGPClusterConfig": (o) =>
    each<Record<string, unknown>>(get(o, "spec.bgpInstances"), (inst) => [
      ...(typeof inst.name === "string" ? [] : ["bgpInstances.name is required"]),
      ...asn(inst.localASN, "localASN"),
      ...each<Record<string, unknown>>(inst.peers, (p) => [
        ...(typeof p.name === "string" ? [] : ["peer name is required"]),
        ...(IPV4.test(String(p.peerAddress)) ? [] : ["peerAddress must be an IP"]),
        ...asn(p.peerASN, "peerASN"),
        ...(typeof get(p, "peerConfigRef.name") === "string" ? [] : ["peerConfigRef.name is required"]),
      ]),
    ]),
  "cilium.io/v2/CiliumBGPPeerConfig": (o) =>
    each<Record<string, unknown>>(get(o, "spec.families"), (f) => (f.afi === "ipv4" || f.afi === "ipv6") && f.safi === "unicast" ? [] : ["families need afi ipv4|ipv6 and safi unicast"]),
  "cilium.io/v2/CiliumBGPAdvertisement": (o) =>
    each<Record<string, unknown>>(get(o, "spec.advertisements"), (a) =>
      ["PodCIDR", "CiliumPodIPPool", "Service", "Interface"].includes(String(a.advertisementType)) ? [] : [`advertisementType ${String(a.advertisementType)} is invalid`],
    ),
};

describeWithSchemas("every manifest against its upstream schema", () => {
  const objectsOf = lazy(() =>
    clusters.flatMap((cluster) =>
      manifestFiles.flatMap((f) => parseSubstitutedManifests(textOf(f), settingsOf(cluster), rel(f)).map((object) => ({ cluster, file: rel(f), object }))),
    ),
  );
  const typeKey = (o: KubeObject): string => `${o.apiVersion}/${o.kind}`;
  // Built-in API groups: none, dot-less (apps, batch) or *.k8s.io, except CRD groups under k8s.io.
  const isCore = (o: KubeObject): boolean => {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    return group === "" || !group.includes(".") || (group.endsWith(".k8s.io") && group !== "gateway.networking.k8s.io");
  };

  test("custom resources with a schema in crds-catalog validate against it", () => {
    const withSchema = objectsOf().filter((x) => crdSchemaPath(x.object.apiVersion, x.object.kind) !== undefined);
    expect(new Set(withSchema.map((x) => typeKey(x.object)))).toEqual(
      new Set([
        "kustomize.toolkit.fluxcd.io/v1/Kustomization",
        "helm.toolkit.fluxcd.io/v2/HelmRelease",
        "source.toolkit.fluxcd.io/v1/OCIRepository",
        "external-secrets.io/v1/ClusterSecretStore",
        "external-secrets.io/v1/ExternalSecret",
        "cert-manager.io/v1/ClusterIssuer",
        "cert-manager.io/v1/Certificate",
        "cilium.io/v2/CiliumLoadBalancerIPPool",
        "cilium.io/v2alpha1/CiliumL2AnnouncementPolicy",
      ]),
    );
    const errors = withSchema.flatMap((x) => {
      const schema = crdSchemaPath(x.object.apiVersion, x.object.kind) ?? "";
      return validateAgainst(schema, x.object).map((e) => `${x.cluster} ${x.file} ${x.object.kind}/${x.object.metadata.name}: ${e}`);
    });
    expect(errors).toEqual([]);
  });

  test("core kinds validate with kubernetes-models", () => {
    const core = objectsOf().filter((x) => isCore(x.object));
    expect(core.length).toBeGreaterThan(0);
    const results = validateCoreObjects(core.map((x) => x.object));
    const problems = results.flatMap((r, i) =>
      !r.modelled ? [`${core[i].file}: no kubernetes-models model for ${typeKey(core[i].object)}`] : r.errors.map((e) => `${core[i].file}: ${e}`),
    );
    expect(problems).toEqual([]);
  });

  test("kinds without an upstream schema get required-field checks, and are reported", () => {
    const rest = objectsOf().filter((x) => !isCore(x.object) && crdSchemaPath(x.object.apiVersion, x.object.kind) === undefined);
    const kinds = [...new Set(rest.map((x) => typeKey(x.object)))].sort();
    console.warn(`no upstream schema in ../shared/schemas for ${kinds.join(", ")}; checked their required fields and types only`);
    const problems = rest.flatMap((x) => {
      const check = STRUCTURAL_CHECKS[typeKey(x.object)];
      if (check === undefined) return [`${x.file}: ${typeKey(x.object)} has neither a schema nor a structural check`];
      return check(x.object).map((e) => `${x.cluster} ${x.file}: ${e}`);
    });
    expect(problems).toEqual([]);
    expect(kinds).toEqual(Object.keys(STRUCTURAL_CHECKS).sort());
  });

  test("namespaced objects name their namespace; cluster-scoped ones do not", () => {
    const wrong = objectsOf().filter((x) => CLUSTER_SCOPED.has(x.object.kind) === (x.object.metadata.namespace !== undefined));
    expect(wrong.map((x) => `${x.file}: ${x.object.kind}`)).toEqual([]);
  });

  test("the structural checks catch a broken object", () => {
    const gateway = objectsOf().find((x) => x.object.kind === "Gateway")?.object as KubeObject;
    const broken = { ...gateway, spec: { ...(gateway.spec as object), listeners: [{ name: "https", port: 443, protocol: "HTTPS" }] } };
    expect(STRUCTURAL_CHECKS[typeKey(gateway)](broken)).toEqual(["listeners.0: HTTPS needs tls.certificateRefs"]);
    const bgp = objectsOf().find((x) => x.object.kind === "CiliumBGPClusterConfig")?.object as KubeObject;
    expect(STRUCTURAL_CHECKS[typeKey(bgp)]({ ...bgp, spec: { bgpInstances: [{ name: "x", localASN: "64512", peers: [] }] } })).toEqual([
      "localASN must be an ASN integer",
      "list is empty or missing",
    ]);
  });
});
