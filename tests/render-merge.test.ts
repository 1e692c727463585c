/**
 * The merged machine config of the render: Talos's config-patch merge
 * (components/talos/rules/merge.ts, mirroring configpatcher StrategicMerge and merge.Merge)
 * over the generated base, then redacted leaf by leaf.
 */
import { parseAllDocuments } from "yaml";
import { mergeAll, mergeValues } from "../components/talos/rules/merge";
import { OriginIndex } from "../tools/render/origins";
import { Redactor } from "../tools/render/redact";
import { mergedMachineConfig } from "../tools/render/machine-config";

const BASE = [
  "version: v1alpha1",
  "machine:",
  "  type: controlplane",
  "  token: 7m1h8r.ghd5w4z0b2p1vq9k",
  "  install: {disk: /dev/sda, wipe: false}",
  "  kubelet: {extraArgs: {rotate-server-certificates: 'true'}}",
  "  certSANs: [10.0.0.1]",
  "cluster:",
  "  clusterName: demo",
  "  network: {podSubnets: [10.244.0.0/16], serviceSubnets: [10.96.0.0/12]}",
  "---",
  "apiVersion: v1alpha1",
  "kind: HostnameConfig",
  "auto: stable",
  "",
].join("\n");

describe("Talos merge rules", () => {
  const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

  it("merges maps key by key, appends lists, replaces scalars (booleans always, zero values never)", () => {
    const merged = mergeValues(
      { machine: { install: { disk: "/dev/sda", wipe: true, image: "a" }, certSANs: ["x"] } },
      { machine: { install: { disk: "/dev/nvme0n1", wipe: false, image: "" }, certSANs: ["y"] } },
    );
    expect(merged).toEqual({ machine: { install: { disk: "/dev/nvme0n1", wipe: false, image: "a" }, certSANs: ["x", "y"] } });
  });

  it("replaces the lists tagged merge:\"replace\" and extraArgs values", () => {
    const merged = mergeValues(
      { cluster: { network: { podSubnets: ["10.244.0.0/16"] } }, machine: { kubelet: { extraArgs: { "node-labels": ["a"], keep: "1" } } } },
      { cluster: { network: { podSubnets: ["10.100.0.0/16"] } }, machine: { kubelet: { extraArgs: { "node-labels": ["b"] } } } },
    );
    expect(merged).toEqual({ cluster: { network: { podSubnets: ["10.100.0.0/16"] } }, machine: { kubelet: { extraArgs: { "node-labels": ["b"], keep: "1" } } } });
  });

  it("merges documents of one apiVersion/kind/name and appends the others in order", () => {
    const merged = mergeAll(docs(BASE), [
      docs("apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: demo-01\n---\napiVersion: v1alpha1\nkind: LinkConfig\nname: eth0\nmtu: 9000\n"),
      docs("apiVersion: v1alpha1\nkind: LinkConfig\nname: eth1\nmtu: 1500\n"),
    ]);
    expect(merged.map((d) => d.id)).toEqual(["v1alpha1", "v1alpha1/HostnameConfig", "v1alpha1/LinkConfig/eth0", "v1alpha1/LinkConfig/eth1"]);
    expect(merged[1].body).toEqual({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "demo-01" });
  });
});

describe("the merged machine config of a node", () => {
  it("holds values of the base and of the patches, a patch overriding a base value, the secret leaf redacted", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const { yaml, unapplied } = mergedMachineConfig(
      BASE,
      ["machine:\n  install:\n    disk: /dev/nvme0n1\n  nodeLabels: {zone: a}\n", "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: demo-01\n"],
      redactor,
      'talos:machine/configurationApply:ConfigurationApply "demo-01"',
    );
    const [v1alpha1, hostname] = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, Record<string, unknown>>);
    // From the base only.
    expect(v1alpha1.cluster.clusterName).toBe("demo");
    expect(v1alpha1.machine.type).toBe("controlplane");
    // From a patch only.
    expect(v1alpha1.machine.nodeLabels).toEqual({ zone: "a" });
    // A patch overriding a base value; the base's sibling kept.
    expect(v1alpha1.machine.install).toEqual({ disk: "/dev/nvme0n1", wipe: false });
    expect(hostname).toEqual({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "demo-01" });
    // The machine token is a secret leaf: redacted, the rest in clear.
    expect(v1alpha1.machine.token).toMatch(/^<secret at .*machine\.token>$/);
    expect(yaml).not.toContain("ghd5w4z0b2p1vq9k");
    expect(unapplied).toEqual([]);
  });

  it("names a $patch: delete it does not apply", () => {
    const redactor = new Redactor(new OriginIndex(new Set()), ["/nowhere"]);
    const { unapplied } = mergedMachineConfig(BASE, ["machine:\n  certSANs:\n    $patch: delete\n"], redactor, "x");
    expect(unapplied).toEqual(["patch 0: machine.certSANs"]);
  });
});
