/**
 * The Talos cluster component under the mock runtime, for both stacks: PKI (adopt and
 * generate, never regenerated), one apply per node (named by address, staged on a running
 * cluster; ordering in day2-graph.test.ts), bootstrap after every
 * control-plane apply, kubeconfig after bootstrap, the health gate before the Kubernetes
 * provider, and secret outputs.
 */
import { X509Certificate } from "crypto";
import { parse } from "yaml";
import {
  dependsOn,
  MockSecret,
  named,
  ofType,
  PROJECT_ROOT,
  programResources,
  readProjectConfig,
  RegisteredResource,
  reveal,
  runProgram,
  RunResult,
  secretLeaks,
  TALOS_PKI_FIELDS,
} from "../harness";
import { KUBERNETES_PROVIDER_IDENTITY } from "../components/talos/cluster";
import { fieldsFromMachineSecrets, requirePkiFields, versionContract } from "../components/talos/pki";
import { PINS } from "./helpers/pins";
import { talosPkiItem } from "../harness/pki-fixtures";
import { generatingPki } from "./helpers/generated-pki";

/** The first release of the minor after `version` (v1.13.9 → v1.14.0). */
const nextMinor = (version: string) => version.replace(/^v(\d+)\.(\d+)\.\d+$/, (_m, major: string, minor: string) => `v${major}.${Number(minor) + 1}.0`);

const T = {
  secrets: "talos:machine/secrets:Secrets",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  schematic: "talos:imageFactory/schematic:Schematic",
  provider: "pulumi:providers:kubernetes",
  item: "onepassword:index/item:Item",
  getConfiguration: "talos:machine/getConfiguration:getConfiguration",
  health: "talos:cluster/getHealth:getHealth",
  talosconfig: "talos:client/getConfiguration:getConfiguration",
  getItem: "onepassword:index/getItem:getItem",
  component: "k8s-gitops:talos:Cluster",
};

interface NodeEntry {
  address: string;
  hostname: string;
  role: string;
}

const STACKS = ["infra", "apps"] as const;

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const pem = (label: string, body: string) => b64(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`);

/** A complete `<cluster>-talos` item with recognisable values (keys carry the mock secret marker). */
/** The committed test-only PKI item of a title (harness/pki-fixtures.ts): real throwaway material. */
function pkiItem(title: string): Record<string, string> {
  return talosPkiItem(title);
}

function nodesOf(stack: string): NodeEntry[] {
  return readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:nodes"] as NodeEntry[];
}

function bootstrapNodeOf(stack: string): string {
  return (readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:cluster"] as { bootstrapNode: string }).bootstrapNode;
}


const runs = new Map<string, RunResult>();
async function run(stack: string): Promise<RunResult> {
  if (!runs.has(stack)) {
    const result = await runProgram({ stack, onepasswordItems: { [`${stack}-talos`]: pkiItem(`${stack}-talos`) } });
    expect(result.error).toBeUndefined();
    runs.set(stack, result);
  }
  return runs.get(stack) as RunResult;
}

interface Kubeconfig {
  clusters: { cluster: { server: string } }[];
  users: { name: string; user: { "client-certificate-data": string } }[];
  "current-context": string;
}

function secretString(value: unknown): string {
  expect(value).toBeInstanceOf(MockSecret);
  return reveal(value) as string;
}

describe.each(STACKS)("%s stack", (stack) => {
  const nodes = nodesOf(stack);

  it("applies one machine config per node, named by its address (hostname alias), staged so nothing reboots", async () => {
    const result = await run(stack);
    const applies = ofType(result, T.apply);
    expect(applies.map((a) => a.name).sort()).toEqual(nodes.map((n) => n.address).sort());
    for (const node of nodes) {
      const apply = named(result, T.apply, node.address);
      expect(apply.inputs.node).toBe(node.address);
      expect(apply.inputs.endpoint).toBe(node.address);
      // A running cluster (adopted): a change that needs a reboot is staged, never applied with one.
      expect(apply.inputs.applyMode).toBe("staged_if_needing_reboot");
      expect(apply.options.aliases).toContain(node.hostname);
      expect(apply.parent).toContain(T.component);
    }
  });

  it("renders each node's config with its machine type, endpoint, config contract and pinned Kubernetes", async () => {
    const result = await run(stack);
    const versions = readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:versions"] as Record<string, string>;
    const invokes = result.invokes.filter((i) => i.token === T.getConfiguration);
    expect(invokes).toHaveLength(nodes.length);
    for (const node of nodes) {
      const invoke = invokes.find((i) => reveal(i.inputs.configPatches)?.toString().includes(`${node.address}/24`));
      expect(invoke?.inputs).toMatchObject({
        clusterName: stack,
        clusterEndpoint: `https://${stack}-k8s.monosense.io:6443`,
        machineType: node.role,
        talosVersion: versions.talosContract,
        kubernetesVersion: versions.kubernetes,
      });
      // The rendered config reaches the node's apply, and only that node's.
      const apply = named(result, T.apply, node.address);
      const rendered = secretString(apply.inputs.machineConfigurationInput);
      expect(rendered).toContain(`hostname: ${node.hostname}`);
      expect(rendered).toContain(`${node.address}/24`);
    }
  });

  it("puts the installer image of the schematic for the pinned Talos version into every node's patches", async () => {
    const result = await run(stack);
    const schematic = named(result, T.schematic, "schematic");
    const schematicBody = parse(String(schematic.inputs.schematic)) as { customization: { systemExtensions: { officialExtensions: string[] } } };
    expect(schematicBody.customization.systemExtensions.officialExtensions).toContain("siderolabs/iscsi-tools");
    const urls = result.invokes.find((i) => i.token === "talos:imageFactory/getUrls:getUrls");
    expect(urls?.inputs).toMatchObject({ schematicId: schematic.id, talosVersion: PINS.talos, platform: "metal" });
    const installer = `factory.talos.dev/metal-installer/${String(schematic.id)}:${PINS.talos}`;
    for (const invoke of result.invokes.filter((i) => i.token === T.getConfiguration)) {
      const patches = reveal(invoke.inputs.configPatches) as string[];
      expect(patches.filter((p) => p.includes(`image: ${installer}`))).toHaveLength(1);
    }
    expect(result.outputs.installerImage).toEqual({ value: installer, secret: false });
    expect(result.outputs.schematicId).toEqual({ value: schematic.id, secret: false });
  });

  it("bootstraps etcd on the bootstrap node's own address after every control-plane apply", async () => {
    const result = await run(stack);
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    expect(bootstrap.inputs.node).toBe(bootstrapNodeOf(stack));
    expect(bootstrap.inputs.endpoint).toBe(bootstrapNodeOf(stack));
    for (const node of nodes.filter((n) => n.role === "controlplane")) {
      const apply = named(result, T.apply, node.address);
      expect(bootstrap.dependsOn).toContain(apply.urn);
      expect(apply.seq).toBeLessThan(bootstrap.seq);
    }
  });

  it("takes the kubeconfig from the bootstrap node after bootstrap, context named after the cluster", async () => {
    const result = await run(stack);
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    const kubeconfig = named(result, T.kubeconfig, `${stack}-kubeconfig`);
    expect(kubeconfig.inputs.node).toBe(bootstrapNodeOf(stack));
    expect(dependsOn(result, kubeconfig, bootstrap)).toBe(true);

    expect(result.outputs.kubeconfig.secret).toBe(true);
    const config = parse(String(result.outputs.kubeconfig.value)) as {
      "current-context": string;
      contexts: { name: string; context: { cluster: string; user: string } }[];
      users: { name: string }[];
    };
    expect(config["current-context"]).toBe(stack);
    expect(config.contexts.map((c) => c.name)).toEqual([stack]);
    expect(config.contexts[0].context).toMatchObject({ cluster: stack, user: stack });
    expect(config.users.map((u) => u.name)).toEqual([stack]);
  });

  it("gates on Talos health of every control-plane node, without Kubernetes checks, before the provider", async () => {
    const result = await run(stack);
    const health = result.invokes.filter((i) => i.token === T.health);
    expect(health).toHaveLength(1);
    const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
    expect(health[0].inputs).toMatchObject({
      controlPlaneNodes: controlPlanes,
      endpoints: controlPlanes,
      workerNodes: [],
      skipKubernetesChecks: true,
      timeouts: { read: "15m" },
    });
    const provider = named(result, T.provider, "kubernetes");
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    const kubeconfig = named(result, T.kubeconfig, `${stack}-kubeconfig`);
    // The health invoke waits for bootstrap and kubeconfig; the provider waits for its answer.
    expect(health[0].seq).toBeGreaterThan(kubeconfig.seq);
    expect(health[0].seq).toBeGreaterThan(bootstrap.seq);
    expect(provider.seq).toBeGreaterThan(health[0].seq);
    // The kubeconfig the provider gets is gated on the health answer, so it carries the health
    // check's own dependencies (every apply, the bootstrap), not just the Kubeconfig resource.
    const gated = provider.propertyDependencies.kubeconfig;
    expect(gated).toContain(kubeconfig.urn);
    expect(gated).toContain(bootstrap.urn);
    for (const apply of ofType(result, T.apply)) expect(gated).toContain(apply.urn);
  });

  it("gives the Kubernetes provider a stable identity and, the PKI being adopted, an admin kubeconfig derived from its CA, as a secret", async () => {
    const result = await run(stack);
    const provider = named(result, T.provider, "kubernetes");
    // A constant: no config edit (a renamed cluster) replaces the provider and what it created.
    expect(provider.inputs.clusterIdentifier).toBe(KUBERNETES_PROVIDER_IDENTITY);
    const derived = parse(secretString(provider.inputs.kubeconfig)) as Kubeconfig;
    const exported = parse(String(result.outputs.kubeconfig.value)) as Kubeconfig;
    // Same cluster, server and names as the exported one; its own short-lived client certificate.
    expect(derived.clusters[0].cluster.server).toBe((readProjectConfig(PROJECT_ROOT, stack).values["k8s-gitops:cluster"] as { endpoint: string }).endpoint);
    expect(derived["current-context"]).toBe(exported["current-context"]);
    expect(derived.users.map((u) => u.name)).toEqual(exported.users.map((u) => u.name));
    const ca = new X509Certificate(Buffer.from(pkiItem(`${stack}-talos`).CLUSTER_CA_CRT, "base64"));
    const cert = new X509Certificate(Buffer.from(derived.users[0].user["client-certificate-data"], "base64"));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject).toContain("O=system:masters");
  });

  it("exports talosconfig with every control-plane endpoint and every node, as a secret", async () => {
    const result = await run(stack);
    const invoke = result.invokes.find((i) => i.token === T.talosconfig);
    expect(invoke?.inputs).toMatchObject({
      clusterName: stack,
      endpoints: nodes.filter((n) => n.role === "controlplane").map((n) => n.address),
      nodes: nodes.map((n) => n.address),
    });
    expect(result.outputs.talosconfig.secret).toBe(true);
    const talosconfig = parse(String(result.outputs.talosconfig.value)) as { context: string; contexts: Record<string, { nodes: string[] }> };
    expect(talosconfig.context).toBe(stack);
    expect(talosconfig.contexts[stack].nodes).toEqual(nodes.map((n) => n.address));
    expect(result.outputs.nodes).toEqual({ value: nodes.map(({ address, hostname, role }) => ({ address, hostname, role })), secret: false });
  });

  it("times applies out from config and leaves machines running on destroy by default", async () => {
    const result = await run(stack);
    for (const apply of ofType(result, T.apply)) {
      expect(apply.inputs.timeouts).toEqual({ create: "10m", update: "10m", delete: "10m" });
      expect(apply.inputs.onDestroy).toEqual({ graceful: true, reboot: false, reset: false });
    }
  });

  it("adopts the PKI from 1Password: no machine.Secrets, every machine secret from the item's fields", async () => {
    const result = await run(stack);
    expect(ofType(result, T.secrets)).toEqual([]);
    expect(result.invokes.find((i) => i.token === T.getItem && i.inputs.title === `${stack}-talos`)).toBeDefined();
    const item = pkiItem(`${stack}-talos`);
    // Built leaf by leaf from the item's fields, each leaf handed over as a secret.
    const expected = {
      certs: {
        etcd: { cert: item.CLUSTER_ETCD_CA_CRT, key: item.CLUSTER_ETCD_CA_KEY },
        k8s: { cert: item.CLUSTER_CA_CRT, key: item.CLUSTER_CA_KEY },
        k8sAggregator: { cert: item.CLUSTER_AGGREGATORCA_CRT, key: item.CLUSTER_AGGREGATORCA_KEY },
        k8sServiceaccount: { key: item.CLUSTER_SERVICEACCOUNT_KEY },
        os: { cert: item.MACHINE_CA_CRT, key: item.MACHINE_CA_KEY },
      },
      cluster: { id: item.CLUSTER_ID, secret: item.CLUSTER_SECRET },
      secrets: { bootstrapToken: item.CLUSTER_TOKEN, secretboxEncryptionSecret: item.CLUSTER_SECRETBOXENCRYPTIONSECRET },
      trustdinfo: { token: item.MACHINE_TOKEN },
    };
    for (const invoke of result.invokes.filter((i) => i.token === T.getConfiguration)) {
      expect(reveal(invoke.inputs.machineSecrets)).toEqual(expected);
      const leaves = (v: unknown): unknown[] => (v instanceof MockSecret ? [v] : v !== null && typeof v === "object" ? Object.values(v).flatMap(leaves) : [v]);
      const all = leaves(invoke.inputs.machineSecrets);
      expect(all).toHaveLength(14);
      expect(all.every((leaf) => leaf instanceof MockSecret)).toBe(true);
    }
  });

  it("issues the talosconfig admin certificate from the OS CA with role os:admin, renewed before expiry", async () => {
    const result = await run(stack);
    const key = named(result, "tls:index/privateKey:PrivateKey", "talos-admin");
    const request = named(result, "tls:index/certRequest:CertRequest", "talos-admin");
    const cert = named(result, "tls:index/locallySignedCert:LocallySignedCert", "talos-admin");
    expect(key.inputs.algorithm).toBe("ED25519");
    expect(request.inputs.subject).toEqual({ organization: "os:admin" });
    expect(cert.inputs).toMatchObject({ allowedUses: ["digital_signature", "client_auth"], validityPeriodHours: 8760, earlyRenewalHours: 720 });
    expect(cert.inputs.earlyRenewalHours as number).toBeLessThan(cert.inputs.validityPeriodHours as number);
    expect(secretString(cert.inputs.caCertPem)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // Talos's `ED25519 PRIVATE KEY` label becomes the standard PKCS#8 one the TLS provider parses.
    const caKey = secretString(cert.inputs.caPrivateKeyPem);
    expect(caKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(caKey).toMatch(/\n-----END PRIVATE KEY-----\n$/);

    const apply = ofType(result, T.apply)[0];
    const client = reveal(apply.inputs.clientConfiguration) as Record<string, string>;
    expect(apply.inputs.clientConfiguration).toBeInstanceOf(MockSecret);
    expect(Buffer.from(client.clientCertificate, "base64").toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(client.clientKey, "base64").toString()).toMatch(/PRIVATE KEY-----/);
    expect(dependsOn(result, apply, cert)).toBe(true);
  });

  it("records the running cluster's bootstrap by import instead of re-running it", async () => {
    const result = await run(stack);
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    expect(bootstrap.id).toBe("machine_bootstrap");
    expect(bootstrap.options.ignoreChanges.sort()).toEqual(["clientConfiguration", "endpoint", "node", "timeouts"]);
  });

  it("leaks no secret into resource inputs or outputs", async () => {
    expect(secretLeaks(await run(stack))).toEqual([]);
  });
});

describe("generated PKI", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runProgram({ stack: "apps", ...generatingPki("apps") });
  });

  it("runs", () => {
    expect(result.error).toBeUndefined();
  });

  it("gives the Kubernetes provider Talos's kubeconfig of the cluster it creates (nothing to derive from before)", () => {
    const provider = named(result, T.provider, "kubernetes");
    expect(provider.inputs.kubeconfig).toBeInstanceOf(MockSecret);
    expect(reveal(provider.inputs.kubeconfig)).toBe(result.outputs.kubeconfig.value);
  });

  it("creates machine.Secrets once: retained, unprotected while backed up (protected without 1Password: tests/mode-switches.test.ts), pinned to the version contract, deaf to version changes", () => {
    const secrets = ofType(result, T.secrets);
    expect(secrets).toHaveLength(1);
    expect(secrets[0].name).toBe("machine-secrets");
    expect(secrets[0].inputs.talosVersion).toBe(PINS.talos.split(".").slice(0, 2).join("."));
    expect(secrets[0].options).toMatchObject({ protect: false, retainOnDelete: true, ignoreChanges: ["talosVersion"] });
  });

  it("keeps the same resource, and so the same PKI, across a Talos upgrade", async () => {
    const upgraded = await runProgram({ stack: "apps", ...generatingPki("apps", { "k8s-gitops:versions.talos": nextMinor(PINS.talos) }) });
    expect(upgraded.error).toBeUndefined();
    const before = ofType(result, T.secrets)[0];
    const after = ofType(upgraded, T.secrets);
    expect(after).toHaveLength(1);
    expect(after[0].urn).toBe(before.urn);
    expect(after[0].options.ignoreChanges).toContain("talosVersion");
    const backup = (r: RunResult) => ofType(r, T.item).find((i) => i.name === "talos-pki");
    expect(backup(upgraded)?.urn).toBe(backup(result)?.urn);
  });

  it("names the PKI resources without the cluster name, so no config value is part of their identity", () => {
    // urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>: the cluster name appears only as the stack.
    for (const r of [ofType(result, T.secrets)[0], named(result, T.item, "talos-pki")]) {
      expect(r.urn.split("::").slice(2).join("::")).not.toContain("apps");
    }
  });

  it("backs the bundle up to 1Password in the 14-field layout, retained, not protected", () => {
    const item = named(result, T.item, "talos-pki");
    expect(item.options).toMatchObject({ protect: false, retainOnDelete: true, deleteBeforeReplace: false });
    const sections = reveal(item.inputs.sections) as { fields: { label: string; type: string; value: string }[] }[];
    const fields = sections.flatMap((s) => s.fields);
    expect(fields.map((f) => f.label)).toEqual([...TALOS_PKI_FIELDS]);
    expect(fields.every((f) => f.type === "CONCEALED")).toBe(true);
    expect(item.inputs.title).toBe("apps-talos");
    const vault = result.invokes.find((i) => i.token === "onepassword:index/getVault:getVault" && i.inputs.name === "Prod");
    expect(vault).toBeDefined();
    // Field values are the generated bundle's, each one a secret.
    const secrets = ofType(result, T.secrets)[0];
    expect(dependsOn(result, item, secrets)).toBe(true);
    expect(item.inputs.sections).toBeInstanceOf(MockSecret);
    const byLabel = Object.fromEntries(fields.map((f) => [f.label, f.value]));
    expect(Buffer.from(byLabel.MACHINE_CA_KEY, "base64").toString()).toContain("ED25519 PRIVATE KEY");
    expect(byLabel.MACHINE_TOKEN).toBe("MOCK-SECRET-machine-secrets-trustd-token");
  });

  it("reads no PKI item (only looks its title up, once, before backing up to it), issues no client certificate, and uses the bundle's own client configuration", () => {
    expect(result.invokes.filter((i) => i.token === T.getItem && i.inputs.title === "apps-talos")).toHaveLength(1);
    expect(ofType(result, "tls:index/locallySignedCert:LocallySignedCert").filter((c) => c.name === "talos-admin")).toEqual([]);
    const secrets = ofType(result, T.secrets)[0];
    const apply = ofType(result, T.apply)[0];
    expect(apply.inputs.clientConfiguration).toBeInstanceOf(MockSecret);
    expect(dependsOn(result, apply, secrets)).toBe(true);
    const ms = result.invokes.find((i) => i.token === T.getConfiguration)?.inputs.machineSecrets as Record<string, Record<string, unknown>>;
    expect(reveal(ms.trustdinfo.token)).toBe("MOCK-SECRET-machine-secrets-trustd-token");
    expect(ms.trustdinfo.token).toBeInstanceOf(MockSecret);
  });

  it("really bootstraps a new cluster (no import)", () => {
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    expect(bootstrap.id).toBe(bootstrap.inputs.node);
    expect(bootstrap.options.ignoreChanges).toEqual([]);
  });

  it("keeps every secret output secret and leaks nothing", () => {
    expect(result.outputs.kubeconfig.secret).toBe(true);
    expect(result.outputs.talosconfig.secret).toBe(true);
    expect(secretLeaks(result)).toEqual([]);
  });
});

describe("config choices", () => {
  it("never resets a machine on delete, and uses the configured timeouts only when asked", async () => {
    const result = await runProgram({
      stack: "infra",
      config: { "k8s-gitops:talos.applyTimeout": "20m", "k8s-gitops:talos.healthTimeout": "30m" },
    });
    expect(result.error).toBeUndefined();
    for (const apply of ofType(result, T.apply)) {
      expect(apply.inputs.onDestroy).toEqual({ graceful: true, reboot: false, reset: false });
      expect(apply.inputs.timeouts).toEqual({ create: "20m", update: "20m", delete: "20m" });
    }
    expect(result.invokes.find((i) => i.token === T.health)?.inputs.timeouts).toEqual({ read: "30m" });
  });

  it("an explicit talos.bootstrapped overrides the adopt default", async () => {
    const result = await runProgram({ stack: "infra", config: { "k8s-gitops:talos.bootstrapped": false } });
    expect(result.error).toBeUndefined();
    const bootstrap = named(result, T.bootstrap, "bootstrap");
    expect(bootstrap.id).toBe("10.25.11.11");
    expect(programResources(result).some((r: RegisteredResource) => r.type === T.secrets)).toBe(false);
  });
});

// The presence and PEM-label check of the item's fields; the whole adopt-path check (this
// and rules/pki.ts) failing a run is in talos-pki-adopt.test.ts.
describe("the adopted item's fields", () => {
  it("passes a complete item through, field by field", () => {
    const item = { ...pkiItem("infra-talos"), notes: "ignored" };
    expect(requirePkiFields(item, "infra-talos")).toEqual(pkiItem("infra-talos"));
  });

  it("names the item and every missing field, never a value", () => {
    const partial = { MACHINE_TOKEN: "MOCK-SECRET-t", MACHINE_CA_CRT: pem("CERTIFICATE", "x") };
    expect(() => requirePkiFields(partial, "infra-talos")).toThrow(
      '1Password item "infra-talos" lacks the Talos PKI fields MACHINE_CA_KEY, CLUSTER_ID, CLUSTER_SECRET, CLUSTER_TOKEN, CLUSTER_CA_CRT, CLUSTER_CA_KEY, ' +
        "CLUSTER_AGGREGATORCA_CRT, CLUSTER_AGGREGATORCA_KEY, CLUSTER_ETCD_CA_CRT, CLUSTER_ETCD_CA_KEY, CLUSTER_SERVICEACCOUNT_KEY, CLUSTER_SECRETBOXENCRYPTIONSECRET",
    );
  });

  it("names the fields that are not base64-encoded PEM of the right kind", () => {
    const item = { ...pkiItem("infra-talos"), CLUSTER_CA_KEY: "not-a-pem", CLUSTER_ETCD_CA_CRT: pem("EC PRIVATE KEY", "MOCK-SECRET-x") };
    let message = "";
    try {
      requirePkiFields(item, "infra-talos");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('1Password item "infra-talos": fields CLUSTER_CA_KEY, CLUSTER_ETCD_CA_CRT are not base64-encoded PEM');
    expect(message).not.toContain("MOCK-SECRET");
  });

  it("maps a generated bundle to the same 14 fields", () => {
    const ms = {
      certs: {
        etcd: { cert: "e", key: "ek" },
        k8s: { cert: "k", key: "kk" },
        k8sAggregator: { cert: "a", key: "ak" },
        k8sServiceaccount: { key: "sa" },
        os: { cert: "o", key: "ok" },
      },
      cluster: { id: "id", secret: "cs" },
      secrets: { bootstrapToken: "bt", secretboxEncryptionSecret: "sb" },
      trustdinfo: { token: "tt" },
    };
    expect(fieldsFromMachineSecrets(ms)).toEqual({
      MACHINE_TOKEN: "tt", MACHINE_CA_CRT: "o", MACHINE_CA_KEY: "ok", CLUSTER_ID: "id", CLUSTER_SECRET: "cs", CLUSTER_TOKEN: "bt",
      CLUSTER_CA_CRT: "k", CLUSTER_CA_KEY: "kk", CLUSTER_AGGREGATORCA_CRT: "a", CLUSTER_AGGREGATORCA_KEY: "ak",
      CLUSTER_ETCD_CA_CRT: "e", CLUSTER_ETCD_CA_KEY: "ek", CLUSTER_SERVICEACCOUNT_KEY: "sa", CLUSTER_SECRETBOXENCRYPTIONSECRET: "sb",
    });
  });

  it("pins machine.Secrets to the major.minor contract", () => {
    expect(versionContract("v1.7.42")).toBe("v1.7");
    expect(versionContract("1.14.0-rc.1")).toBe("v1.14");
  });
});
