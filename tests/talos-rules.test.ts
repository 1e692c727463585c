/**
 * The Talos v1.13 Validate() rules mirrored in components/talos/rules: for every rule one
 * document Talos rejects (or warns about) and one it accepts; the version rules read the
 * pins from Pulumi.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../harness";
import { parsePatch, PatchDocument } from "../components/talos/documents";
import { CHECKED_KINDS, talosDocumentProblems } from "../components/talos/rules/documents";
import { KUBERNETES_SUPPORT } from "../components/talos/rules/kubernetes-support";
import { MINIMUM_TALOS_VERSION, versionProblems } from "../components/talos/rules/versions";
import { readVersion } from "../lib/versions";

function doc(text: string): PatchDocument {
  const { documents, problems } = parsePatch(text);
  expect(problems).toEqual([]);
  return documents[0];
}

const bond = (extra: string) =>
  `apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [eth0, eth1]\nbondMode: 802.3ad\nmiimon: 100\nupdelay: 200\ndowndelay: 200\n${extra}`;

// [rule, passing document, failing document, expected reason]
const RULES: [string, string, string, string][] = [
  ["default route omits destination (link.go CommonLinkConfig.Validate)",
    bond("addresses: [{address: 10.0.0.2/24}]\nroutes: [{gateway: 10.0.0.1}]\n"),
    bond("routes: [{destination: 0.0.0.0/0, gateway: 10.0.0.1}]\n"),
    "routes[0].destination: 0.0.0.0/0 must be a valid, specified IP prefix (omit destination for a default route)"],
  ["route gateway is an IP address",
    bond("routes: [{destination: 10.1.0.0/16, gateway: 10.0.0.1}]\n"),
    bond("routes: [{gateway: 0.0.0.0}]\n"),
    "routes[0].gateway: 0.0.0.0 must be a valid IP address"],
  ["address is a prefix",
    bond("addresses: [{address: 10.0.0.2/24}]\n"),
    bond("addresses: [{address: 10.0.0.2}]\n"),
    "addresses[0].address: 10.0.0.2 must be a valid IP prefix"],
  ["address is specified",
    bond("addresses: [{address: 10.0.0.2/24}]\n"),
    bond("addresses: [{address: 0.0.0.0/0}]\n"),
    "addresses[0].address: 0.0.0.0/0 must be a valid IP address"],
  ["802.3ad bond sets updelay (bond.go validateFor8023AD)",
    bond(""),
    "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [eth0]\nbondMode: 802.3ad\nmiimon: 100\ndowndelay: 200\n",
    "updelay: was not specified for 802.3ad bond"],
  ["802.3ad bond sets downdelay",
    bond(""),
    "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [eth0]\nbondMode: 802.3ad\nmiimon: 100\nupdelay: 200\n",
    "downdelay: was not specified for 802.3ad bond"],
  ["bond has links",
    bond(""),
    "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nbondMode: active-backup\n",
    "links: at least one link must be specified"],
  ["bond has a mode",
    "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [eth0]\nbondMode: active-backup\n",
    "apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nlinks: [eth0]\n",
    "bondMode: bond mode must be specified"],
  ["VLAN id in 1-4094 (vlan.go)",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.10\nvlanID: 10\nparent: bond0\n",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.0\nvlanID: 0\nparent: bond0\n",
    "vlanID: must be specified and between 1 and 4094"],
  ["VLAN has a parent",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.10\nvlanID: 10\nparent: bond0\n",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.10\nvlanID: 10\n",
    "parent: must be specified"],
  ["VLAN mode",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.10\nvlanID: 10\nparent: bond0\nvlanMode: 802.1ad\n",
    "apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0.10\nvlanID: 10\nparent: bond0\nvlanMode: qinq\n",
    "vlanMode: must be either '802.1q' or '802.1ad'"],
  ["link has a name (link.go LinkConfigV1Alpha1.Validate)",
    "apiVersion: v1alpha1\nkind: LinkConfig\nname: eth0\naddresses: [{address: 10.0.0.2/24}]\n",
    "apiVersion: v1alpha1\nkind: LinkConfig\naddresses: [{address: 10.0.0.2/24}]\n",
    "name: name must be specified"],
  ["alias is no pattern (link_alias.go; 1.12 skips a selector matching several links)",
    'apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port0\nselector:\n  match: mac(link.permanent_addr) == "aa:bb:cc:dd:ee:01"\n',
    'apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port%d\nselector:\n  match: link.driver == "i40e"\n',
    "name: port%d is a pattern alias, which Talos 1.12 does not understand"],
  ["alias has a selector",
    'apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port0\nselector:\n  match: link.driver == "i40e"\n',
    "apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port0\n",
    "selector.match: link selector is required"],
  ["ethernet has a name (ethernet.go)",
    "apiVersion: v1alpha1\nkind: EthernetConfig\nname: eth0\nrings: {rx: 4096}\n",
    "apiVersion: v1alpha1\nkind: EthernetConfig\nrings: {rx: 4096}\n",
    "name: name is required"],
  ["static hostname turns auto off (hostname.go)",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: node-1\n",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\nhostname: node-1\n",
    "'auto' and 'hostname' cannot be set at the same time"],
  ["hostname or auto is set",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n",
    "apiVersion: v1alpha1\nkind: HostnameConfig\n",
    "either 'auto' or 'hostname' must be set"],
  ["hostname label is at most 63 characters",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: node-1.example.com\n",
    `apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: ${"a".repeat(64)}\n`,
    "hostname: invalid hostname"],
  ["auto is off or stable",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n",
    "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: addr\n",
    "auto: invalid value addr"],
  ["nameservers are IP addresses (resolver.go)",
    "apiVersion: v1alpha1\nkind: ResolverConfig\nnameservers: [{address: 10.0.0.53}]\n",
    "apiVersion: v1alpha1\nkind: ResolverConfig\nnameservers: [{address: dns.example.com}]\n",
    "nameservers[0].address: is not an IP address"],
  ["ntp or ptp, not both (time_sync.go)",
    "apiVersion: v1alpha1\nkind: TimeSyncConfig\nntp: {servers: [time.example.com]}\n",
    "apiVersion: v1alpha1\nkind: TimeSyncConfig\nntp: {servers: [time.example.com]}\nptp: {devices: [{device: /dev/ptp0}]}\n",
    "only one of ntp or ptp configuration can be specified"],
  ["user volume name length (user_volume_config.go)",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: openebs\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n',
    `apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: ${"v".repeat(35)}\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n`,
    "name: must be between 1 and 34 characters long"],
  ["user volume name characters",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: open-ebs\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: open_ebs\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n',
    "name: can only contain ASCII letters, digits, and hyphens"],
  ["user partition volume has a disk selector",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n',
    "apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  minSize: 1GiB\n",
    "provisioning.diskSelector.match: disk selector is required"],
  ["user directory volume has no provisioning",
    "apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nvolumeType: directory\n",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nvolumeType: directory\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\n',
    "provisioning: is invalid for volumeType directory"],
  ["user volume filesystem",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\nfilesystem: {type: ext4}\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.model == "x"\nfilesystem: {type: btrfs}\n',
    "filesystem.type: unsupported filesystem type btrfs"],
  ["disk selector parses as CEL (volume_config.go ParseBool)",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.size > 100u * GiB && !system_disk\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.model ==\n',
    "provisioning.diskSelector.match: does not parse as CEL"],
  ["disk selector names fields of the disk (celenv DiskLocator)",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: glob("/dev/nvme*", disk.dev_path)\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.modle == "x"\n',
    "provisioning.diskSelector.match: disk has no field 'modle'"],
  ["disk selector is a bool",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.symlinks.exists(s, s.startsWith("/dev/disk/by-id/nvme"))\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.model\n',
    "provisioning.diskSelector.match: does not evaluate to a bool"],
  ["disk size units are uint",
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.size >= 500u * GB\n',
    'apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\nprovisioning:\n  diskSelector:\n    match: disk.size >= 500 * GB\n',
    "an int literal times a size unit has no CEL overload"],
  ["link selector is CEL over the link (link_alias.go ParseBool, celenv LinkLocator)",
    'apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port0\nselector:\n  match: glob("enp1s0*", link.alias) && link.driver == "i40e"\n',
    'apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: port0\nselector:\n  match: disk.model == "x"\n',
    "selector.match: undeclared reference to 'disk'"],
  ["watchdog device (watchdog_timer.go)",
    "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\ntimeout: 5m\n",
    "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ntimeout: 5m\n",
    "device: watchdog device: empty value"],
  ["watchdog timeout at least 10s",
    "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\ntimeout: 10s\n",
    "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\ntimeout: 5s\n",
    "timeout: minimum value is 10s"],
  ["install has a disk or disk selector (v1alpha1_validation.go Config.Validate)",
    "machine:\n  install:\n    image: installer\n    diskSelector: {model: SSD}\n",
    "machine:\n  install:\n    image: installer\n",
    "machine.install: either install disk or diskSelector should be defined"],
  ["kubelet nodeIP subnets parse",
    "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [10.0.0.0/24, '!10.0.0.9']\n",
    "machine:\n  kubelet:\n    nodeIP:\n      validSubnets: [10.0.0.0/33]\n",
    "machine.kubelet.nodeIP.validSubnets[0]: kubelet nodeIP subnet is not valid"],
  ["kubelet protected fields",
    "machine:\n  kubelet:\n    extraConfig:\n      serializeImagePulls: false\n",
    "machine:\n  kubelet:\n    extraConfig:\n      port: 10251\n",
    "machine.kubelet.extraConfig.port: kubelet configuration field can't be overridden"],
  ["etcd advertised subnets parse",
    "cluster:\n  etcd:\n    advertisedSubnets: [10.0.0.0/24]\n",
    "cluster:\n  etcd:\n    advertisedSubnets: [not-a-subnet]\n",
    "cluster.etcd.advertisedSubnets[0]: etcd advertised subnet is not valid"],
];

describe("Talos rules, one passing and one failing document each", () => {
  it.each(RULES)("%s", (_rule, passing, failing, reason) => {
    expect(talosDocumentProblems(doc(passing))).toEqual([]);
    const problems = talosDocumentProblems(doc(failing));
    expect(problems.some((p) => p.includes(reason))).toBe(true);
    // Each rule cites the upstream function it mirrors.
    expect(problems.find((p) => p.includes(reason))).toMatch(/\[talos [a-z0-9]+\/[a-z0-9_]+\.go [A-Za-z0-9.]+/);
  });

  it("every checked kind has a passing and a failing fixture", () => {
    const kinds = new Set(RULES.flatMap(([, passing]) => [doc(passing).kind]));
    expect([...kinds].sort()).toEqual([...CHECKED_KINDS].sort());
  });

  it("a kind whose rules are not mirrored is refused", () => {
    expect(talosDocumentProblems(doc("apiVersion: v1alpha1\nkind: DummyLinkConfig\nname: dummy0\n"))).toEqual([
      expect.stringContaining("kind DummyLinkConfig is not one whose Talos rules this program checks"),
    ]);
  });
});

describe("versions", () => {
  const pins = (parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { config: { versions: { value: { talos: string; kubernetes: string } } } }).config.versions.value;
  const talosMinor = (() => {
    const v = readVersion(pins.talos);
    return `${v?.major}.${v?.minor}`;
  })();
  const row = KUBERNETES_SUPPORT.find((r) => r.talos === talosMinor);

  it("the pinned pair is supported, and the pinned Talos has a support row", () => {
    expect(row).toBeDefined();
    expect(versionProblems(pins.talos, pins.kubernetes)).toEqual({ problems: [], warnings: [] });
  });

  it("a Kubernetes above the pinned Talos's range is rejected with the range", () => {
    const [major, minor] = (row?.kubernetes.max ?? "").split(".").map(Number);
    const tooNew = `v${major}.${minor + 1}.0`;
    expect(versionProblems(pins.talos, tooNew).problems).toEqual([
      { path: "versions.kubernetes", message: `Kubernetes ${tooNew} (${major}.${minor + 1}) is not supported by Talos ${pins.talos}: it supports Kubernetes ${row?.kubernetes.min}-${row?.kubernetes.max}` },
    ]);
  });

  it("a Kubernetes below the range is rejected; its bounds are accepted", () => {
    const [major, minor] = (row?.kubernetes.min ?? "").split(".").map(Number);
    expect(versionProblems(pins.talos, `v${major}.${minor - 1}.9`).problems[0]?.path).toBe("versions.kubernetes");
    expect(versionProblems(pins.talos, `v${row?.kubernetes.min}.0`).problems).toEqual([]);
    expect(versionProblems(pins.talos, `v${row?.kubernetes.max}.99`).problems).toEqual([]);
  });

  it("a Talos older than the documents need is rejected", () => {
    const { major, minor } = readVersion(MINIMUM_TALOS_VERSION) ?? { major: NaN, minor: NaN };
    const older = `v${major}.${minor - 1}.0`;
    const { problems } = versionProblems(older, "v1.31.0");
    expect(problems[0]).toEqual({ path: "versions.talos", message: expect.stringContaining(`older than ${MINIMUM_TALOS_VERSION}`) });
  });

  it("a Talos minor with no support row is a warning (a version bump stays deployable)", () => {
    expect(versionProblems("v1.99.0", pins.kubernetes)).toEqual({
      problems: [],
      warnings: [{ path: "versions.talos", message: expect.stringContaining("no known Kubernetes support range for Talos 1.99") }],
    });
  });

  it("the minimum Talos version is one the support matrix knows", () => {
    const { major, minor } = readVersion(MINIMUM_TALOS_VERSION) ?? { major: NaN, minor: NaN };
    expect(KUBERNETES_SUPPORT.some((r) => r.talos === `${major}.${minor}`)).toBe(true);
  });
});
