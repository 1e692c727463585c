/** The native-routing CIDR: the smallest IPv4 block that covers every meshed pod CIDR. */
import { Cidr, intToIp, parseCidr } from "../../lib/net";

export function coveringCidr(cidrs: readonly string[]): Cidr {
  const parsed = cidrs.map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`${text} is not an IPv4 CIDR`);
    return cidr;
  });
  if (parsed.length === 0) throw new Error("coveringCidr needs at least one CIDR");
  const first = Math.min(...parsed.map((c) => c.first));
  const last = Math.max(...parsed.map((c) => c.last));
  // The longest prefix under which the lowest and the highest address share one block.
  let prefix = 32;
  while (prefix > 0 && Math.floor(first / 2 ** (32 - prefix)) !== Math.floor(last / 2 ** (32 - prefix))) prefix--;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(first / size) * size;
  return { text: `${intToIp(network)}/${prefix}`, first: network, last: network + size - 1, prefix };
}
