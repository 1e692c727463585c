/**
 * Adopting a running cluster's PKI: the program reads the `<cluster>-talos` item and checks
 * every field the way Talos generates it before anything uses it. The mock items are real
 * throwaway material (harness/pki-fixtures.ts), so a good item passes the same checks a
 * real one does, and each bad one fails the run naming the vault, the item and the field.
 */
import { randomBytes } from "crypto";
import { ofType, readProjectConfig, PROJECT_ROOT, runProgram, RunResult } from "../harness";
import { sensitiveFormsOf, talosPkiFixtures, talosPkiItem } from "../harness/pki-fixtures";
import { pkiFieldProblems } from "../components/talos/rules/pki";

const STACK = "infra";
const project = readProjectConfig(PROJECT_ROOT, STACK).values;
const onepassword = project["k8s-gitops:onepassword"] as { talosVault: string; talosItem: string };
const ITEM = onepassword.talosItem;
const VAULT = onepassword.talosVault;

/** Everything that consumes the PKI: none of it may be registered once the item is refused. */
const PKI_CONSUMERS = [
  "talos:machine/configurationApply:ConfigurationApply",
  "talos:machine/bootstrap:Bootstrap",
  "talos:cluster/kubeconfig:Kubeconfig",
  "tls:index/locallySignedCert:LocallySignedCert",
  "kubernetes:helm.sh/v3:Release",
];

function runWithItem(fields: Record<string, string>): Promise<RunResult> {
  return runProgram({ stack: STACK, onepasswordItems: { [ITEM]: fields } });
}

describe("the committed test-only PKI items", () => {
  it.each(Object.keys(talosPkiFixtures()))("%s is what Talos generates", (cluster) => {
    expect(pkiFieldProblems(talosPkiFixtures()[cluster])).toEqual([]);
  });

  it("are different clusters' material", () => {
    const keys = Object.values(talosPkiFixtures()).map((item) => item.CLUSTER_CA_KEY);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("adopting the PKI item", () => {
  it("passes a good item: the nodes get their configs", async () => {
    const result = await runWithItem(talosPkiItem(ITEM));
    expect(result.error).toBeUndefined();
    expect(ofType(result, PKI_CONSUMERS[0]).length).toBeGreaterThan(0);
  });

  const other = talosPkiFixtures()["other-cluster"];
  // [case, the change, the fields the message blames (one line each)]
  it.each<[string, (good: Record<string, string>) => Record<string, string>, string[]]>([
    ["a secretbox key of the wrong length", () => ({ CLUSTER_SECRETBOXENCRYPTIONSECRET: randomBytes(16).toString("base64") }), ["CLUSTER_SECRETBOXENCRYPTIONSECRET"]],
    ["a malformed bootstrap token", (good) => ({ CLUSTER_TOKEN: good.CLUSTER_TOKEN.replace(".", "-") }), ["CLUSTER_TOKEN"]],
    ["a certificate whose key is not its own", () => ({ CLUSTER_ETCD_CA_CRT: other.CLUSTER_ETCD_CA_CRT }), ["CLUSTER_ETCD_CA_KEY"]],
    ["another cluster's CA key", () => ({ CLUSTER_CA_KEY: other.CLUSTER_CA_KEY }), ["CLUSTER_CA_KEY"]],
    ["several bad fields at once", () => ({ MACHINE_TOKEN: "abc.def", CLUSTER_SECRET: randomBytes(31).toString("base64") }), ["MACHINE_TOKEN", "CLUSTER_SECRET"]],
  ])("refuses %s, naming vault, item and field, leaking no value, registering nothing that uses it", async (_case, change, blamed) => {
    const good = talosPkiItem(ITEM);
    const bad = { ...good, ...change(good) };
    const result = await runWithItem(bad);
    // The engine prefixes the path of the input the failure reached ("error serializing property ...").
    const message = result.error?.message ?? "";
    const [headline, ...lines] = message.slice(message.indexOf("1Password item")).split("\n");
    expect(headline).toBe(`1Password item "${ITEM}" in vault "${VAULT}" does not hold the Talos PKI as Talos generates it:`);
    expect(lines.map((line) => line.trim().split(":")[0]).sort()).toEqual([...blamed].sort());
    for (const value of [...Object.values(bad), ...sensitiveFormsOf(bad)]) expect(result.error?.message).not.toContain(value);
    for (const type of PKI_CONSUMERS) expect(ofType(result, type)).toEqual([]);
  });
});
