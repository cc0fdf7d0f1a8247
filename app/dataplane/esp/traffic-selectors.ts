// An SA's traffic selectors (RFC 4301 4.4.1) compiled to network/mask integers (IPv4) or bytes
// (IPv6), so the per-packet check is a few compares and no address parsing.
import { type Ipv4Net, ipv4ToInt } from '../../shared/net.js';
import { type IpNet, ipv6Mask, ipv6Network, isIpv6 } from '../../shared/net6.js';

/** A selector network as the integers a packet's address is compared with. */
export function ipv4Range(net: Ipv4Net): { network: number; mask: number } {
  const mask = net.prefix === 0 ? 0 : (0xffffffff << (32 - net.prefix)) >>> 0;
  return { network: (ipv4ToInt(net.address) & mask) >>> 0, mask };
}

/** An IPv6 selector network as its 16 network bytes and 16 mask bytes. */
export function ipv6Range(net: IpNet): { network: Uint8Array; mask: Uint8Array } {
  return { network: ipv6Network(net), mask: ipv6Mask(net.prefix) };
}

/** An SA's selector networks by family, as the addon takes them: IPv4 as [network, mask, ...]
 * integers, IPv6 as 32-byte (network, mask) ranges. */
export function compiledRanges(nets: IpNet[]): { ipv4: Uint32Array; ipv6: Uint8Array } {
  const ipv6 = nets.filter((net) => isIpv6(net.address)).map(ipv6Range);
  return {
    ipv4: Uint32Array.from(
      nets.filter((net) => !isIpv6(net.address)).flatMap((net) => Object.values(ipv4Range(net))),
    ),
    ipv6: Uint8Array.from(ipv6.flatMap(({ network, mask }) => [...network, ...mask])),
  };
}
