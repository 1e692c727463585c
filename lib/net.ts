/** IPv4 address and CIDR arithmetic (the clusters are IPv4-only). Pure: no Pulumi import. */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export interface Cidr {
  readonly text: string;
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n` whose address is the network address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match || !isIpv4(match[1])) return undefined;
  const prefix = Number(match[2]);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = ipToInt(match[1]);
  if (first % size !== 0) return undefined;
  return { text, first, last: first + size - 1, prefix };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

export interface Range {
  readonly first: number;
  readonly last: number;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(range: Range, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= range.first && n <= range.last;
}

/** True when every range is inside one of the CIDRs. */
export function covers(cidrs: readonly Cidr[], range: Range): boolean {
  return cidrs.some((c) => c.first <= range.first && range.last <= c.last);
}

/** The network or broadcast address of `cidr` (none on a /31 or /32, RFC 3021: both are hosts). */
export function isNetworkOrBroadcast(cidr: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return cidr.prefix < 31 && (n === cidr.first || n === cidr.last);
}

/** The `index`-th address of `cidr` (0 is the network address). */
export function nthAddress(cidr: Cidr, index: number): string {
  return intToIp(cidr.first + index);
}
