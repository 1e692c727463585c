/**
 * TLS of the Gateways, link by link, for both clusters: every HTTPS listener's Secret
 * is issued by one Certificate in the tree, for the listener's hostname, by an issuer in
 * the tree whose Cloudflare DNS-01 solver reads the Secret an ExternalSecret creates in
 * cert-manager's cluster resource namespace through a store in the tree; and, under the
 * real program, that ExternalSecret reads exactly the 1Password item and field the
 * program writes, in the vault the store reads, and the certificate is for the zone the
 * token may edit and the name the Cloudflare tunnel verifies the external gateway as.
 */
import * as fs from "fs";
import * as path from "path";
import { parseSubstitutedManifests, type KubeObject } from "../bootstrap/manifests";
import { DNS_TOKEN_CONSUMERS } from "../components/cloudflare/tokens";
import { FIELDS } from "../components/onepassword/cluster-secrets";
import { clusterItemTitle } from "../components/onepassword/items";
import { MockSecret, named, ofType, runProgram, type RunResult } from "../harness";
import { fixtureSettings } from "./helpers/cluster-settings";

const repoRoot = path.resolve(__dirname, "..");
const clusters = ["infra", "apps"] as const;
const T = {
  item: "onepassword:index/item:Item",
  configMap: "kubernetes:core/v1:ConfigMap",
  tunnelConfig: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
  getVault: "onepassword:index/getVault:getVault",
  getZone: "cloudflare:index/getZone:getZone",
};
/**
 * The item the program writes for cert-manager: `<app>/cloudflare`, field `credential`
 * (components/onepassword/cluster-secrets.ts), for the consumer `cert-manager`.
 */
const TOKEN_ITEM = { app: "cert-manager", purpose: "cloudflare", field: FIELDS.apiToken } as const;
const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

type Settings = Record<string, string>;
const fixture = (cluster: string): Settings =>
  fixtureSettings(cluster);

function get(obj: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], obj);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The objects of one cluster: the shared tree and that cluster's root, substituted with its settings. */
function treeObjects(settings: Settings): KubeObject[] {
  return walk(path.join(repoRoot, "kubernetes"))
    .sort()
    .map((f) => path.relative(repoRoot, f).split(path.sep).join("/"))
    .filter((f) => /\.ya?ml$/.test(f) && path.basename(f) !== "kustomization.yaml")
    .filter((f) => !f.startsWith("kubernetes/clusters/") || f.startsWith(`${settings.FLUX_SYNC_PATH}/`))
    .flatMap((f) => parseSubstitutedManifests(fs.readFileSync(path.join(repoRoot, f), "utf8"), settings, f));
}

/** A TLS certificate name covers a host: the same name, or a wildcard for exactly one more label. */
function certCovers(dnsName: string, host: string): boolean {
  if (dnsName === host) return true;
  if (!dnsName.startsWith("*.")) return false;
  const dot = host.indexOf(".");
  return dot > 0 && !host.slice(0, dot).includes("*") && host.slice(dot + 1) === dnsName.slice(2);
}

/** Gateway API listener hostnames: `*.x` matches any name below x (any depth), not x itself. */
function listenerMatches(hostname: string | undefined, host: string): boolean {
  if (hostname === undefined) return true;
  return hostname.startsWith("*.") ? host.endsWith(hostname.slice(1)) : hostname === host;
}

const inZone = (name: string, zone: string): boolean => name.replace(/^\*\./, "") === zone || name.endsWith(`.${zone}`);

interface TlsRef {
  readonly gateway: KubeObject;
  readonly listener: string;
  readonly hostname?: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Every `tls.certificateRefs` entry of every Gateway listener, with the API's defaults applied. */
function listenerTlsRefs(objects: readonly KubeObject[]): TlsRef[] {
  return objects
    .filter((o) => o.apiVersion.startsWith("gateway.networking.k8s.io/") && o.kind === "Gateway")
    .flatMap((gateway) =>
      ((get(gateway, "spec.listeners") as Array<Record<string, unknown>> | undefined) ?? []).flatMap((l) =>
        ((get(l, "tls.certificateRefs") as Array<Record<string, string | undefined>> | undefined) ?? []).map((ref) => ({
          gateway,
          listener: String(l.name),
          hostname: l.hostname as string | undefined,
          group: ref.group ?? "",
          kind: ref.kind ?? "Secret",
          namespace: ref.namespace ?? String(gateway.metadata.namespace),
          name: String(ref.name),
        })),
      ),
    );
}

/** Where cert-manager reads ClusterIssuer credentials: its release namespace unless the chart overrides it. */
function clusterResourceNamespace(objects: readonly KubeObject[]): string | undefined {
  const release = objects.find((o) => o.kind === "HelmRelease" && get(o, "spec.chartRef.name") === "cert-manager");
  if (release === undefined) return undefined;
  const override = get(release, "spec.values.clusterResourceNamespace");
  return typeof override === "string" && override !== "" ? override : String(get(release, "spec.targetNamespace") ?? release.metadata.namespace);
}

interface TokenLink {
  readonly secret: { readonly namespace: string; readonly name: string; readonly key: string };
  readonly externalSecret: KubeObject;
  readonly store: KubeObject;
}

interface ChainLink {
  readonly ref: TlsRef;
  readonly certificate: KubeObject;
  readonly issuer: KubeObject;
  readonly tokens: readonly TokenLink[];
}

/** The Cloudflare solvers of an ACME issuer with their zone selector (undefined: any name). */
function cloudflareSolvers(issuer: KubeObject): Array<{ zones?: string[]; secret: { name?: string; key?: string } }> {
  return ((get(issuer, "spec.acme.solvers") as unknown[] | undefined) ?? [])
    .filter((s) => get(s, "dns01.cloudflare") !== undefined)
    .map((s) => ({
      zones: get(s, "selector.dnsZones") as string[] | undefined,
      secret: (get(s, "dns01.cloudflare.apiTokenSecretRef") ?? {}) as { name?: string; key?: string },
    }));
}

/** The ExternalSecret and store behind a Secret key, or why there is none. */
function tokenLink(objects: readonly KubeObject[], secret: TokenLink["secret"]): TokenLink | string {
  const what = `Secret ${secret.namespace}/${secret.name}`;
  const creators = objects.filter(
    (o) => o.kind === "ExternalSecret" && o.metadata.namespace === secret.namespace && (get(o, "spec.target.name") ?? o.metadata.name) === secret.name,
  );
  if (creators.length !== 1) return `${what} is created by ${creators.length} ExternalSecrets, not 1`;
  const [externalSecret] = creators;
  const keys = ((get(externalSecret, "spec.data") as Array<{ secretKey: string }> | undefined) ?? []).map((d) => d.secretKey);
  if (!keys.includes(secret.key)) return `${what}: ExternalSecret ${externalSecret.metadata.name} has no key ${secret.key} (has ${keys.join(", ")})`;
  const storeRef = get(externalSecret, "spec.secretStoreRef") as { kind?: string; name: string };
  const kind = storeRef.kind ?? "SecretStore";
  const store = objects.find(
    (o) => o.kind === kind && o.metadata.name === storeRef.name && (kind === "ClusterSecretStore" || o.metadata.namespace === secret.namespace),
  );
  if (store === undefined) return `${what}: ExternalSecret ${externalSecret.metadata.name} reads ${kind} ${storeRef.name}, which the tree does not hold`;
  return { secret, externalSecret, store };
}

/**
 * Follows each listener's certificate reference through the tree: Certificate, issuer,
 * token Secret, ExternalSecret, store. Each broken link is a problem naming it.
 */
function resolveChain(objects: readonly KubeObject[]): { links: ChainLink[]; problems: string[] } {
  const links: ChainLink[] = [];
  const problems: string[] = [];
  const resourceNamespace = clusterResourceNamespace(objects);
  for (const ref of listenerTlsRefs(objects)) {
    const what = `Gateway ${ref.gateway.metadata.name} listener ${ref.listener}`;
    if (ref.group !== "" || ref.kind !== "Secret") {
      problems.push(`${what} references a ${ref.group}/${ref.kind}, not a Secret`);
      continue;
    }
    const issuing = objects.filter((o) => o.kind === "Certificate" && o.metadata.namespace === ref.namespace && get(o, "spec.secretName") === ref.name);
    if (issuing.length !== 1) {
      problems.push(`${what}: Secret ${ref.namespace}/${ref.name} is issued by ${issuing.length} Certificates, not 1`);
      continue;
    }
    const [certificate] = issuing;
    const dnsNames = (get(certificate, "spec.dnsNames") as string[] | undefined) ?? [];
    if (ref.hostname !== undefined && !dnsNames.some((n) => certCovers(n, ref.hostname as string))) {
      problems.push(`${what}: Certificate ${certificate.metadata.name} (${dnsNames.join(", ")}) does not cover ${ref.hostname}`);
    }
    const issuerRef = get(certificate, "spec.issuerRef") as { group?: string; kind?: string; name: string };
    const issuerKind = issuerRef.kind ?? "Issuer";
    const issuer = objects.find(
      (o) =>
        o.apiVersion.startsWith(`${issuerRef.group ?? "cert-manager.io"}/`) &&
        o.kind === issuerKind &&
        o.metadata.name === issuerRef.name &&
        (issuerKind === "ClusterIssuer" || o.metadata.namespace === certificate.metadata.namespace),
    );
    if (issuer === undefined) {
      problems.push(`${what}: Certificate ${certificate.metadata.name} names ${issuerKind} ${issuerRef.name}, which the tree does not hold`);
      continue;
    }
    const solvers = cloudflareSolvers(issuer);
    for (const name of dnsNames) {
      if (!solvers.some((s) => s.zones === undefined || s.zones.some((z) => inZone(name, z)))) problems.push(`${issuerKind} ${issuer.metadata.name} has no Cloudflare solver for ${name}`);
    }
    // A ClusterIssuer reads its Secrets from the cluster resource namespace; an Issuer from its own.
    const secretNamespace = issuerKind === "ClusterIssuer" ? resourceNamespace : issuer.metadata.namespace;
    const tokens: TokenLink[] = [];
    for (const { secret } of solvers) {
      if (secret.name === undefined || secret.key === undefined || secretNamespace === undefined) {
        problems.push(`${issuerKind} ${issuer.metadata.name}: apiTokenSecretRef needs name and key, and cert-manager a release in the tree`);
        continue;
      }
      const link = tokenLink(objects, { namespace: secretNamespace, name: secret.name, key: secret.key });
      if (typeof link === "string") problems.push(`${issuerKind} ${issuer.metadata.name}: ${link}`);
      else tokens.push(link);
    }
    links.push({ ref, certificate, issuer, tokens });
  }
  return { links, problems };
}

/** A copy of `objects` with `change` applied to the first object of `kind`. */
function breaking(objects: readonly KubeObject[], kind: string, change: (o: Record<string, unknown>) => void): KubeObject[] {
  const copy = structuredClone(objects) as KubeObject[];
  const target = copy.find((o) => o.kind === kind);
  if (target === undefined) throw new Error(`no ${kind} to break`);
  change(target as unknown as Record<string, unknown>);
  return copy;
}

describe.each(clusters)("the Gateways' TLS chain in the tree of the %s cluster", (cluster) => {
  const objects = treeObjects(fixture(cluster));
  const { links, problems } = resolveChain(objects);

  test("every HTTPS listener of every Gateway references a Secret", () => {
    const https = listenerTlsRefs(objects);
    const gateways = objects.filter((o) => o.kind === "Gateway");
    expect(gateways.length).toBeGreaterThan(0);
    const httpsListeners = gateways.flatMap((g) => ((get(g, "spec.listeners") as Array<{ protocol: string }>) ?? []).filter((l) => l.protocol === "HTTPS"));
    expect(https).toHaveLength(httpsListeners.length);
  });

  test("every listener's Secret is issued by exactly one Certificate, for the listener's hostname, whose issuer and token Secret exist", () => {
    expect(problems).toEqual([]);
    expect(links.length).toBe(listenerTlsRefs(objects).length);
    for (const link of links) {
      expect(link.certificate.metadata.namespace).toBe(link.ref.namespace);
      expect(get(link.certificate, "spec.secretName")).toBe(link.ref.name);
    }
  });

  test("the issuer is Let's Encrypt production, solving DNS-01 through Cloudflare only, with a token", () => {
    for (const { issuer, tokens } of links) {
      expect(issuer.kind).toBe("ClusterIssuer");
      expect(get(issuer, "spec.acme.server")).toBe(LETSENCRYPT_PRODUCTION);
      const solvers = get(issuer, "spec.acme.solvers") as unknown[];
      expect(solvers.length).toBe(cloudflareSolvers(issuer).length);
      expect(tokens.length).toBe(solvers.length);
    }
  });

  test("every ClusterIssuer's apiTokenSecretRef names the Secret an ExternalSecret creates in cert-manager's namespace, through the onepassword store", () => {
    const issuers = objects.filter((o) => o.kind === "ClusterIssuer");
    expect(issuers.length).toBeGreaterThan(0);
    const namespace = clusterResourceNamespace(objects);
    expect(namespace).toBe("cert-manager");
    for (const issuer of issuers) {
      const solvers = cloudflareSolvers(issuer);
      expect(solvers.length).toBeGreaterThan(0);
      for (const { secret } of solvers) {
        const link = tokenLink(objects, { namespace: String(namespace), name: String(secret.name), key: String(secret.key) });
        expect(typeof link === "string" ? link : `${link.store.kind}/${link.store.metadata.name}`).toBe("ClusterSecretStore/onepassword");
      }
    }
  });

  test("the checks catch each broken link", () => {
    const one = (o: readonly KubeObject[]): string[] => resolveChain(o).problems.filter((p, i, all) => all.indexOf(p) === i);
    expect(one(breaking(objects, "Certificate", (c) => ((c.spec as Record<string, unknown>).secretName = "other-tls")))).toEqual([
      "Gateway external listener https: Secret kube-system/wildcard-tls is issued by 0 Certificates, not 1",
      "Gateway internal listener https: Secret kube-system/wildcard-tls is issued by 0 Certificates, not 1",
    ]);
    expect(one(breaking(objects, "Certificate", (c) => ((c.spec as Record<string, unknown>).dnsNames = ["www.example.org"])))[0]).toMatch(
      /^Gateway external listener https: Certificate wildcard \(www.example.org\) does not cover \*\./,
    );
    expect(one(breaking(objects, "Certificate", (c) => ((c.spec as { issuerRef: { name: string } }).issuerRef.name = "missing")))[0]).toBe(
      "Gateway external listener https: Certificate wildcard names ClusterIssuer missing, which the tree does not hold",
    );
    expect(one(breaking(objects, "ExternalSecret", (e) => ((e.metadata as Record<string, unknown>).namespace = "kube-system")))[0]).toBe(
      "ClusterIssuer letsencrypt-production: Secret cert-manager/cloudflare-api-token is created by 0 ExternalSecrets, not 1",
    );
    expect(one(breaking(objects, "ExternalSecret", (e) => ((e.spec as { data: Array<{ secretKey: string }> }).data[0].secretKey = "token")))[0]).toBe(
      "ClusterIssuer letsencrypt-production: Secret cert-manager/cloudflare-api-token: ExternalSecret cloudflare-api-token has no key api-token (has token)",
    );
    expect(one(breaking(objects, "ExternalSecret", (e) => ((e.spec as { secretStoreRef: { name: string } }).secretStoreRef.name = "vault")))[0]).toBe(
      "ClusterIssuer letsencrypt-production: Secret cert-manager/cloudflare-api-token: ExternalSecret cloudflare-api-token reads ClusterSecretStore vault, which the tree does not hold",
    );
  });
});

describe.each(clusters)("the %s stack writes the token the issuers read", (stack) => {
  let result: RunResult;
  let settings: Settings;
  let links: ChainLink[];
  let problems: string[];
  beforeAll(async () => {
    result = await runProgram({ stack });
    // The map the program hands Flux as cluster-settings, not a fixture.
    settings = named(result, T.configMap, "cluster-settings").inputs.data as Settings;
    ({ links, problems } = resolveChain(treeObjects(settings)));
  });

  test("the ExternalSecret's remoteRef is the item title and field the program writes, in the vault the store reads", () => {
    expect(result.error).toBeUndefined();
    expect(problems).toEqual([]);
    expect(DNS_TOKEN_CONSUMERS).toContain(TOKEN_ITEM.app);
    const title = clusterItemTitle(settings.CLUSTER, TOKEN_ITEM.app, TOKEN_ITEM.purpose);
    const tokens = links.flatMap((l) => l.tokens);
    expect(tokens.length).toBeGreaterThan(0);
    for (const { secret, externalSecret, store } of tokens) {
      const entry = (get(externalSecret, "spec.data") as Array<{ secretKey: string; remoteRef: Record<string, unknown> }>).find((d) => d.secretKey === secret.key);
      expect(entry?.remoteRef).toEqual({ key: title, property: TOKEN_ITEM.field });

      const written = ofType(result, T.item).filter((r) => r.inputs.title === title);
      expect(written).toHaveLength(1);
      const vaults = Object.keys((get(store, "spec.provider.onepassword.vaults") ?? {}) as object);
      const vaultUuids = vaults.map((name) => result.world.call({ token: T.getVault, inputs: { name }, provider: "" }).uuid);
      expect(vaultUuids).toContain(written[0].inputs.vault);
      const sections = written[0].inputs.sections;
      const fields = ((sections instanceof MockSecret ? sections.value : sections) as Array<{ fields: Array<{ label: string; type: string }> }>).flatMap((s) => s.fields);
      expect(fields.filter((f) => f.label === TOKEN_ITEM.field).map((f) => f.type)).toEqual(["CONCEALED"]);
    }
  });

  test("the certificate is for the zone the token may edit, and covers the name the tunnel verifies the external gateway as", () => {
    const zones = result.invokes.filter((i) => i.token === T.getZone).map((i) => get(i.inputs, "filter.name"));
    expect(zones).toEqual([settings.SECRET_DOMAIN]);
    const zone = String(zones[0]);
    for (const { certificate } of links) {
      const names = get(certificate, "spec.dnsNames") as string[];
      expect(names).toEqual(expect.arrayContaining([zone, `*.${zone}`]));
      for (const name of names) expect(inZone(name, zone)).toBe(true);
    }

    const ingresses = get(named(result, T.tunnelConfig, "tunnel-config").inputs, "config.ingresses") as Array<{ service: string; originRequest?: { originServerName?: string } }>;
    const toGateway = ingresses.filter((i) => i.originRequest?.originServerName !== undefined);
    expect(toGateway.length).toBeGreaterThan(0);
    for (const { service, originRequest } of toGateway) {
      // Cilium serves Gateway <name> as Service cilium-gateway-<name> in the Gateway's namespace.
      const [, gateway, namespace] = /^https:\/\/cilium-gateway-([a-z0-9-]+)\.([a-z0-9-]+)\.svc/.exec(service) ?? [];
      const sni = String(originRequest?.originServerName);
      const serving = links.filter(
        (l) => l.ref.gateway.metadata.name === gateway && l.ref.gateway.metadata.namespace === namespace && listenerMatches(l.ref.hostname, sni),
      );
      expect(serving.length).toBeGreaterThan(0);
      for (const { certificate } of serving) expect((get(certificate, "spec.dnsNames") as string[]).some((n) => certCovers(n, sni))).toBe(true);
    }
  });
});
