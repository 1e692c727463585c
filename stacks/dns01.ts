/**
 * The resolvers cert-manager's DNS-01 self-check asks (chart values
 * `dns01RecursiveNameservers`, `dns01RecursiveNameserversOnly`). Behind split-horizon DNS
 * the node resolvers answer the cluster's domain from the internal zone, which never holds
 * the `_acme-challenge` TXT record the solver writes to the public zone, so the check
 * would wait forever and the certificate never be issued. Pure: no Pulumi import.
 *
 * Formats as cert-manager v1.21.1 accepts them (internal/apis/config/controller/validation/
 * validation.go: an entry starting with `https://` must parse as a URL with a host, a DoH
 * (RFC 8484) endpoint; any other must split as host:port), narrowed here: the host of a
 * plain entry must be an IP address, since a name would be looked up through the very
 * resolvers this setting routes around. The chart joins the list into one flag
 * (deploy/charts/cert-manager/templates/deployment.yaml `--dns01-recursive-nameservers`),
 * which cert-manager reads as comma-separated values, so no entry may contain a comma.
 */
import { isIPv4, isIPv6 } from "net";
import { hasControlCharacters } from "./strings";

/** Longest entry accepted (a DoH URL), well below any flag or URL limit. */
const MAX_ENTRY = 512;

function portProblem(port: string): string | undefined {
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `port "${port}" is not 1-65535`;
  return undefined;
}

function dohProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL (a DoH endpoint is https://<host>[:port]/<path>)";
  }
  if (url.protocol !== "https:" || url.hostname === "") return "is not an https:// URL with a host";
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.hash !== "") return "must not have a #fragment";
  return undefined;
}

/** Why `value` is not a recursive nameserver cert-manager accepts (and this program allows), or undefined. */
export function recursiveNameserverProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > MAX_ENTRY) return `must be at most ${MAX_ENTRY} characters`;
  if (hasControlCharacters(value) || /[\s",\\]/.test(value)) {
    return "must not contain whitespace, quotes, backslashes or commas (the chart passes the list as one comma-separated flag)";
  }
  if (value.startsWith("https://")) return dohProblem(value);
  if (value.includes("://")) return "is a URL but not https://: cert-manager speaks DoH over https only";
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(value);
  if (bracketed) {
    if (!isIPv6(bracketed[1])) return `"${bracketed[1]}" is not an IPv6 address`;
    return portProblem(bracketed[2]);
  }
  const plain = /^([^:]+):([^:]*)$/.exec(value);
  if (!plain) return "is not <ip address>:<port> (e.g. 1.1.1.1:53, [2606:4700:4700::1111]:53) or a https:// DoH URL";
  if (!isIPv4(plain[1])) return `host "${plain[1]}" is not an IP address (a name would be resolved through the resolvers this setting bypasses)`;
  return portProblem(plain[2]);
}

/** The resolvers the stack gives cert-manager: as configured, else every node nameserver on port 53. */
export function dns01Nameservers(certManager: { readonly dns01RecursiveNameservers?: readonly string[] }, nodeNameservers: readonly string[]): string[] {
  return [...(certManager.dns01RecursiveNameservers ?? nodeNameservers.map((ip) => `${ip}:53`))];
}
