/**
 * cert-manager's DNS-01 self-check resolvers (stack config certManager.*): the formats
 * accepted, the errors that name their config path before anything is registered, what the
 * committed stacks set, and the chart values the program renders from them, on the Flux
 * side and in the bootstrap release, against the pinned cert-manager chart's schema.
 */
import * as path from "path";
import { loadChartSpec } from "../bootstrap/loader";
import { composeValues, type Values } from "../bootstrap/values";
import { named, programResources, readProjectConfig, reveal, sharedRun, RunResult } from "../harness";
import { recursiveNameserverProblem } from "../stacks/dns01";
import { chartPin } from "./helpers/pins";
import { chartDefaults, describeWithSchemas, validateAgainst, valuesSchemaPath } from "./helpers/schemas";

const repoRoot = path.resolve(__dirname, "..");
const HELMRELEASE = "kubernetes/infrastructure/security/cert-manager/app/helmrelease.yaml";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const settingsOf = (r: RunResult): Record<string, string> => reveal(named(r, CONFIG_MAP, "cluster-settings").inputs.data) as Record<string, string>;
/** The cert-manager values Flux renders from the tree with this run's cluster-settings. */
const fluxValuesOf = (r: RunResult): Values => loadChartSpec(repoRoot, HELMRELEASE, settingsOf(r)).values;

describe("recursiveNameserverProblem (cert-manager v1.21.1 formats, host narrowed to an IP)", () => {
  it.each(["1.1.1.1:53", "10.25.10.30:5353", "[2606:4700:4700::1111]:53", "https://1.1.1.1/dns-query", "https://cloudflare-dns.com/dns-query", "https://dns.example:8443/q"])(
    "accepts %s",
    (value) => expect(recursiveNameserverProblem(value)).toBeUndefined(),
  );
  it.each([
    ["1.1.1.1", /not <ip address>:<port>/],
    ["dns.google:53", /is not an IP address/],
    ["1.1.1.1:0", /port "0"/],
    ["1.1.1.1:65536", /port "65536"/],
    ["1.1.1.1:dns", /port "dns"/],
    ["2606:4700:4700::1111:53", /not <ip address>:<port>/],
    ["[1.1.1.1]:53", /not an IPv6 address/],
    ["https://", /not a URL/],
    ["http://1.1.1.1/dns-query", /not https:\/\//],
    ["https://user:pw@dns.example/q", /credentials/],
    ["https://dns.example/q#x", /fragment/],
    ["1.1.1.1:53,8.8.8.8:53", /commas/],
    ['1.1.1.1:53"', /quotes/],
    ["", /must not be empty/],
  ])("refuses %j", (value, reason) => expect(recursiveNameserverProblem(value)).toMatch(reason));
});

describe("bad certManager config fails before anything is registered, naming each entry's path", () => {
  it("names every bad entry and an empty list", async () => {
    const bad = await sharedRun({ stack: "infra", config: { "k8s-gitops:certManager.dns01RecursiveNameservers": ["1.1.1.1:53", "dns.google:53", "1.0.0.1"] } });
    expect(bad.error?.name).toBe("ConfigError");
    expect(bad.error?.message).toContain("k8s-gitops:certManager.dns01RecursiveNameservers[1]: host \"dns.google\" is not an IP address");
    expect(bad.error?.message).toContain("k8s-gitops:certManager.dns01RecursiveNameservers[2]: is not <ip address>:<port>");
    expect(bad.error?.message).not.toContain("dns01RecursiveNameservers[0]");
    expect(programResources(bad)).toEqual([]);

    const empty = await sharedRun({ stack: "infra", config: { "k8s-gitops:certManager.dns01RecursiveNameservers": [] } });
    expect(empty.error?.message).toContain("k8s-gitops:certManager.dns01RecursiveNameservers: must name at least one resolver");
    const typo = await sharedRun({ stack: "infra", config: { "k8s-gitops:certManager.dns01RecursiveNameserver": ["1.1.1.1:53"] } });
    expect(typo.error?.message).toContain("k8s-gitops:certManager.dns01RecursiveNameserver: unknown key");
    const notBool = await sharedRun({ stack: "infra", config: { "k8s-gitops:certManager.dns01RecursiveNameserversOnly": "yes" } });
    expect(notBool.error?.message).toContain("k8s-gitops:certManager.dns01RecursiveNameserversOnly");
    expect(programResources(notBool)).toEqual([]);
  }, 60_000);
});

describe.each(["infra", "apps"])("the %s stack", (stack) => {
  let up: RunResult;
  beforeAll(async () => {
    up = await sharedRun({ stack });
  });

  it("sets public resolvers explicitly, none of them the split-horizon node resolver, asked alone", () => {
    const values = readProjectConfig(repoRoot, stack).values;
    const certManager = values["k8s-gitops:certManager"] as { dns01RecursiveNameservers?: string[]; dns01RecursiveNameserversOnly?: boolean };
    const nodeResolvers = (values["k8s-gitops:network"] as { nameservers: string[] }).nameservers;
    expect(certManager.dns01RecursiveNameservers?.length).toBeGreaterThan(0);
    expect(certManager.dns01RecursiveNameserversOnly).toBe(true);
    for (const entry of certManager.dns01RecursiveNameservers ?? []) {
      expect(recursiveNameserverProblem(entry)).toBeUndefined();
      expect(nodeResolvers.some((ip) => entry.startsWith(`${ip}:`))).toBe(false);
    }
  });

  it("cluster-settings carries them, and Flux renders them into the cert-manager values", () => {
    expect(up.error).toBeUndefined();
    const { dns01RecursiveNameservers, dns01RecursiveNameserversOnly } = readProjectConfig(repoRoot, stack).values["k8s-gitops:certManager"] as {
      dns01RecursiveNameservers: string[];
      dns01RecursiveNameserversOnly: boolean;
    };
    const values = fluxValuesOf(up);
    expect(values.dns01RecursiveNameservers).toBe(dns01RecursiveNameservers.join(","));
    // A YAML boolean after substitution, not the string "true".
    expect(values.dns01RecursiveNameserversOnly).toBe(dns01RecursiveNameserversOnly);
  });
});

describe("unset", () => {
  it("defaults to every network.nameservers entry on port 53, not only them", async () => {
    const r = await sharedRun({ stack: "infra", config: { "k8s-gitops:certManager": undefined, "k8s-gitops:network.nameservers": ["10.25.10.30", "10.25.10.31"] } });
    expect(r.error).toBeUndefined();
    expect(fluxValuesOf(r)).toMatchObject({ dns01RecursiveNameservers: "10.25.10.30:53,10.25.10.31:53", dns01RecursiveNameserversOnly: false });
  }, 60_000);
});

describeWithSchemas(`against the pinned cert-manager chart (${chartPin("cert-manager")})`, () => {
  const schema = (): string => {
    const found = valuesSchemaPath("cert-manager", chartPin("cert-manager"));
    if (found === undefined) throw new Error(`no values schema for cert-manager ${chartPin("cert-manager")}`);
    return found;
  };
  const defaults = (): Values => (chartDefaults("cert-manager", chartPin("cert-manager")) ?? {}) as Values;

  it.each(["infra", "apps"])("%s: the values Flux renders and the bootstrap release installs validate", async (stack) => {
    const adopt = await sharedRun({ stack });
    const fresh = await sharedRun({ stack, config: { "k8s-gitops:talos.bootstrapped": false } });
    expect(fresh.error).toBeUndefined();
    const installed = reveal(named(fresh, RELEASE, "cert-manager").inputs.values) as Values;
    expect(installed.dns01RecursiveNameservers).toBe(fluxValuesOf(adopt).dns01RecursiveNameservers);
    for (const values of [fluxValuesOf(adopt), installed]) {
      expect(validateAgainst(schema(), composeValues([defaults()], values))).toEqual([]);
    }
  }, 120_000);

  it("the schema catches the flag given as a string or the list given as a YAML list", () => {
    expect(validateAgainst(schema(), composeValues([defaults()], { dns01RecursiveNameserversOnly: "true" })).join("\n")).toContain("/dns01RecursiveNameserversOnly");
    expect(validateAgainst(schema(), composeValues([defaults()], { dns01RecursiveNameservers: ["1.1.1.1:53"] })).join("\n")).toContain("/dns01RecursiveNameservers");
  });
});
