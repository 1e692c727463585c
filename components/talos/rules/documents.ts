/**
 * The Validate() rules Talos v1.13 runs on every document kind this program emits,
 * mirrored so a document Talos would reject (or warn about) fails the config check before
 * any resource is registered. A node's ApplyConfiguration validates the whole config and
 * answers InvalidArgument, which the provider does not retry: this is the only place to
 * catch it. Each rule names the upstream function it mirrors (siderolabs/talos v1.13.9,
 * pkg/machinery/config/types/...). Warnings Talos prints are errors here.
 * Pure: no Pulumi import.
 */
import { isIP } from "net";
import { isRecord } from "../../../lib/guards";
import { Mapping, PatchDocument, V1ALPHA1 } from "../documents";
import { celSelectorProblems } from "./cel";

type Rule = (body: Mapping) => string[];

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** netip.ParsePrefix: `addr/bits` with bits within the family's width. */
function parsePrefix(value: unknown): { addr: string; bits: number } | undefined {
  const text = str(value);
  const match = text ? /^([^/]+)\/(\d{1,3})$/.exec(text) : null;
  if (!match) return undefined;
  const family = isIP(match[1]);
  const bits = Number(match[2]);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return undefined;
  return { addr: match[1], bits };
}

function unspecified(addr: string): boolean {
  return addr === "0.0.0.0" || /^[0:]+$/.test(addr);
}

/** sideronet.ParseSubnetOrAddress (a leading `!` excludes). */
function subnetOrAddress(value: unknown): boolean {
  const text = str(value)?.replace(/^!/, "");
  return text !== undefined && (parsePrefix(text) !== undefined || isIP(text) !== 0);
}

const SRC = {
  link: "network/link.go CommonLinkConfig.Validate",
  linkConfig: "network/link.go LinkConfigV1Alpha1.Validate",
  bond: "network/bond.go BondConfigV1Alpha1.Validate",
  bond8023ad: "network/bond.go validateFor8023AD",
  vlan: "network/vlan.go VLANConfigV1Alpha1.Validate",
  alias: "network/link_alias.go LinkAliasConfigV1Alpha1.Validate",
  aliasCel: "network/link_alias.go Selector.Match.ParseBool(celenv.LinkLocator())",
  diskCel: "block/volume_config.go DiskSelectorSpec.Match.ParseBool(celenv.DiskLocator())",
  ethernet: "network/ethernet.go EthernetConfigV1Alpha1.Validate",
  hostname: "network/hostname.go HostnameConfigV1Alpha1.Validate",
  resolver: "network/resolver.go NameserverConfig.Address (netip.Addr)",
  timeSync: "network/time_sync.go TimeSyncConfigV1Alpha1.Validate",
  userVolume: "block/user_volume_config.go UserVolumeConfigV1Alpha1.Validate",
  watchdog: "runtime/watchdog_timer.go WatchdogTimerV1Alpha1.Validate",
  v1alpha1: "v1alpha1/v1alpha1_validation.go Config.Validate",
  kubelet: "v1alpha1/v1alpha1_validation.go KubeletConfig.Validate (kubelet/kubelet.go ProtectedConfigurationFields)",
  etcd: "v1alpha1/v1alpha1_validation.go EtcdConfig.Validate",
} as const;

const cite = (source: string) => ` [talos ${source}]`;

function named(body: Mapping, source: string, what = "name must be specified"): string[] {
  return str(body.name) ? [] : [`name: ${what}${cite(source)}`];
}

/** Addresses and routes every link kind shares. A default route omits destination. */
const commonLink: Rule = (body) => {
  const problems: string[] = [];
  list(body.addresses).forEach((entry, i) => {
    const address = isRecord(entry) ? entry.address : undefined;
    const prefix = parsePrefix(address);
    if (address === undefined) problems.push(`addresses[${i}].address: must be specified${cite(SRC.link)}`);
    else if (!prefix) problems.push(`addresses[${i}].address: ${String(address)} must be a valid IP prefix${cite(SRC.link)}`);
    else if (unspecified(prefix.addr)) problems.push(`addresses[${i}].address: ${String(address)} must be a valid IP address${cite(SRC.link)}`);
  });
  list(body.routes).forEach((entry, i) => {
    const route = isRecord(entry) ? entry : {};
    if (route.destination !== undefined) {
      const prefix = parsePrefix(route.destination);
      if (!prefix || unspecified(prefix.addr)) {
        problems.push(
          `routes[${i}].destination: ${String(route.destination)} must be a valid, specified IP prefix (omit destination for a default route)${cite(SRC.link)}`,
        );
      }
    }
    for (const key of ["gateway", "source"] as const) {
      const value = route[key];
      if (value !== undefined && (isIP(str(value) ?? "") === 0 || unspecified(String(value)))) {
        problems.push(`routes[${i}].${key}: ${String(value)} must be a valid IP address${cite(SRC.link)}`);
      }
    }
  });
  return problems;
};

const bond: Rule = (body) => {
  const problems = named(body, SRC.bond);
  if (list(body.links).length === 0) problems.push(`links: at least one link must be specified${cite(SRC.bond)}`);
  if (body.bondMode === undefined) problems.push(`bondMode: bond mode must be specified${cite(SRC.bond)}`);
  else if (body.bondMode === "802.3ad") {
    for (const key of ["miimon", "updelay", "downdelay"]) {
      if (body[key] === undefined) problems.push(`${key}: was not specified for 802.3ad bond (a Talos warning)${cite(SRC.bond8023ad)}`);
    }
  }
  return [...problems, ...commonLink(body)];
};

const vlan: Rule = (body) => {
  const problems = named(body, SRC.vlan);
  const id = body.vlanID;
  if (typeof id !== "number" || id < 1 || id > 4094) problems.push(`vlanID: must be specified and between 1 and 4094${cite(SRC.vlan)}`);
  if (!str(body.parent)) problems.push(`parent: must be specified${cite(SRC.vlan)}`);
  if (body.vlanMode !== undefined && body.vlanMode !== "802.1q" && body.vlanMode !== "802.1ad") {
    problems.push(`vlanMode: must be either '802.1q' or '802.1ad'${cite(SRC.vlan)}`);
  }
  return [...problems, ...commonLink(body)];
};

/**
 * A `%d` pattern alias is understood from 1.13 only; 1.12 treats it as one alias whose
 * selector matches several links and skips it (internal/app/machined/pkg/controllers/
 * network/link_alias_config.go, "link selector matched multiple links, skipping"), so the
 * documents this program emits must not contain one (MINIMUM_TALOS_VERSION is 1.12).
 */
const linkAlias: Rule = (body) => {
  const problems = named(body, SRC.alias);
  const name = str(body.name) ?? "";
  if (name.includes("%")) {
    problems.push(`name: ${name} is a pattern alias, which Talos 1.12 does not understand; use one alias per link with a selector matching exactly one link${cite(SRC.alias)}`);
  }
  const selector = isRecord(body.selector) ? str(body.selector.match) : undefined;
  if (!selector) problems.push(`selector.match: link selector is required${cite(SRC.alias)}`);
  else for (const reason of celSelectorProblems(selector, "link")) problems.push(`selector.match: ${reason}${cite(SRC.aliasCel)}`);
  return problems;
};

const hostname: Rule = (body) => {
  const problems: string[] = [];
  const auto = body.auto;
  const name = str(body.hostname) ?? "";
  if (auto === undefined && name === "") problems.push(`either 'auto' or 'hostname' must be set${cite(SRC.hostname)}`);
  if (auto !== "off" && name !== "") problems.push(`auto: 'auto' and 'hostname' cannot be set at the same time (set auto: off)${cite(SRC.hostname)}`);
  if (auto !== undefined && auto !== "off" && auto !== "stable") problems.push(`auto: invalid value ${String(auto)}${cite(SRC.hostname)}`);
  if (name !== "") {
    if (name.length > 253) problems.push(`hostname: fqdn is too long: ${name.length}${cite(SRC.hostname)}`);
    const short = name.split(".")[0];
    if (short.length === 0 || short.length > 63) problems.push(`hostname: invalid hostname ${short}${cite(SRC.hostname)}`);
  }
  return problems;
};

/** ResolverConfig has no Validate of its own in 1.13; its addresses are netip.Addr, which must parse on decode. */
const resolver: Rule = (body) =>
  list(body.nameservers).flatMap((entry, i) => {
    const address = isRecord(entry) ? str(entry.address) : undefined;
    return address && isIP(address) !== 0 ? [] : [`nameservers[${i}].address: is not an IP address${cite(SRC.resolver)}`];
  });

const timeSync: Rule = (body) => {
  const problems: string[] = [];
  if (body.ntp !== undefined && body.ptp !== undefined) problems.push(`only one of ntp or ptp configuration can be specified${cite(SRC.timeSync)}`);
  if (typeof body.bootTimeout === "string" && body.bootTimeout.startsWith("-")) problems.push(`bootTimeout: cannot be negative${cite(SRC.timeSync)}`);
  return problems;
};

/** constants.PartitionLabelLength (36) minus len(constants.UserVolumePrefix "u-"). */
export const MAX_USER_VOLUME_NAME_LENGTH = 34;

const userVolume: Rule = (body) => {
  const problems: string[] = [];
  const name = str(body.name) ?? "";
  if (name.length < 1 || name.length > MAX_USER_VOLUME_NAME_LENGTH) {
    problems.push(`name: must be between 1 and ${MAX_USER_VOLUME_NAME_LENGTH} characters long${cite(SRC.userVolume)}`);
  }
  if (/[^A-Za-z0-9-]/.test(name)) problems.push(`name: can only contain ASCII letters, digits, and hyphens${cite(SRC.userVolume)}`);
  const type = body.volumeType ?? "partition";
  if (type !== "partition" && type !== "disk" && type !== "directory") problems.push(`volumeType: unsupported volume type ${String(type)}${cite(SRC.userVolume)}`);
  if (type === "directory") {
    for (const key of ["provisioning", "encryption", "filesystem", "mount"]) {
      if (body[key] !== undefined) problems.push(`${key}: is invalid for volumeType directory${cite(SRC.userVolume)}`);
    }
  } else {
    const provisioning = isRecord(body.provisioning) ? body.provisioning : {};
    const selector = isRecord(provisioning.diskSelector) ? str(provisioning.diskSelector.match) : undefined;
    if (!selector) problems.push(`provisioning.diskSelector.match: disk selector is required${cite(SRC.userVolume)}`);
    else for (const reason of celSelectorProblems(selector, "disk")) problems.push(`provisioning.diskSelector.match: ${reason}${cite(SRC.diskCel)}`);
    const fs = isRecord(body.filesystem) ? body.filesystem.type : undefined;
    if (fs !== undefined && fs !== "xfs" && fs !== "ext4") problems.push(`filesystem.type: unsupported filesystem type ${String(fs)}${cite(SRC.userVolume)}`);
  }
  return problems;
};

/** time.ParseDuration for the forms patches use (`5m`, `1m30s`, `300s`). */
export function durationSeconds(value: unknown): number | undefined {
  const text = str(value);
  if (!text || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/** runtime.MinWatchdogTimeout. */
export const MIN_WATCHDOG_TIMEOUT_SECONDS = 10;

const watchdog: Rule = (body) => {
  const problems: string[] = [];
  if (!str(body.device)) problems.push(`device: watchdog device: empty value${cite(SRC.watchdog)}`);
  if (body.timeout !== undefined) {
    const seconds = durationSeconds(body.timeout);
    if (seconds === undefined) problems.push(`timeout: ${String(body.timeout)} is not a duration`);
    else if (seconds !== 0 && seconds < MIN_WATCHDOG_TIMEOUT_SECONDS) {
      problems.push(`timeout: minimum value is ${MIN_WATCHDOG_TIMEOUT_SECONDS}s${cite(SRC.watchdog)}`);
    }
  }
  return problems;
};

export const KUBELET_PROTECTED_FIELDS: readonly string[] = [
  "apiVersion", "authentication", "authorization", "cgroupRoot", "kind", "kubeletCgroups", "port",
  "protectKernelDefaults", "resolvConf", "rotateCertificates", "systemCgroups", "staticPodPath", "seccompDefault",
];

function at(body: Mapping, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), body);
}

/** The parts of v1alpha1.Config.Validate that concern what this program's patches set. */
const v1alpha1: Rule = (body) => {
  const problems: string[] = [];
  const install = at(body, "machine.install");
  if (isRecord(install) && install.disk === undefined && install.diskSelector === undefined) {
    problems.push(`machine.install: either install disk or diskSelector should be defined${cite(SRC.v1alpha1)}`);
  }
  list(at(body, "machine.kubelet.nodeIP.validSubnets")).forEach((cidr, i) => {
    if (!subnetOrAddress(cidr)) problems.push(`machine.kubelet.nodeIP.validSubnets[${i}]: kubelet nodeIP subnet is not valid: ${String(cidr)}${cite(SRC.kubelet)}`);
  });
  const extra = at(body, "machine.kubelet.extraConfig");
  for (const field of KUBELET_PROTECTED_FIELDS) {
    if (isRecord(extra) && field in extra) problems.push(`machine.kubelet.extraConfig.${field}: kubelet configuration field can't be overridden${cite(SRC.kubelet)}`);
  }
  list(at(body, "cluster.etcd.advertisedSubnets")).forEach((cidr, i) => {
    if (!subnetOrAddress(cidr)) problems.push(`cluster.etcd.advertisedSubnets[${i}]: etcd advertised subnet is not valid: ${String(cidr)}${cite(SRC.etcd)}`);
  });
  return problems;
};

const RULES: Readonly<Record<string, Rule>> = {
  [V1ALPHA1]: v1alpha1,
  BondConfig: bond,
  VLANConfig: vlan,
  LinkConfig: (body) => [...named(body, SRC.linkConfig), ...commonLink(body)],
  LinkAliasConfig: linkAlias,
  EthernetConfig: (body) => named(body, SRC.ethernet, "name is required"),
  HostnameConfig: hostname,
  ResolverConfig: resolver,
  TimeSyncConfig: timeSync,
  UserVolumeConfig: userVolume,
  WatchdogTimerConfig: watchdog,
};

/** The kinds whose Talos rules are mirrored here: the only kinds the program may send. */
export const CHECKED_KINDS: readonly string[] = Object.keys(RULES);

/** Reasons Talos 1.13 would reject (or warn about) one document; each names the field. */
export function talosDocumentProblems(doc: PatchDocument): string[] {
  const rule = RULES[doc.kind];
  if (!rule) return [`kind ${doc.kind} is not one whose Talos rules this program checks (${CHECKED_KINDS.join(", ")})`];
  return rule(doc.body);
}
