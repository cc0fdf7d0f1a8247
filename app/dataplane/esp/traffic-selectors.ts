// An SA's traffic selectors (RFC 4301 4.4.1) compiled to network/mask integers, so the
// per-packet check is a few integer compares and no address parsing.
import { type Ipv4Net, ipv4ToInt } from '../../shared/net.js';

/** A selector network as the integers a packet's address is compared with. */
export function ipv4Range(net: Ipv4Net): { network: number; mask: number } {
  const mask = net.prefix === 0 ? 0 : (0xffffffff << (32 - net.prefix)) >>> 0;
  return { network: (ipv4ToInt(net.address) & mask) >>> 0, mask };
}
