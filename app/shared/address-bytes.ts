// An IP address of either family in network byte order: the bytes NAT-D hashes (RFC 3947 3.2),
// an ID payload carries (RFC 2407 4.6.2.1), rtnetlink and a pcap's IP header take.
import { ipv4ToInt } from './net.js';
import { ipv6ToBytes, isIpv6 } from './net6.js';

/** 4 bytes for a dotted quad, 16 for IPv6 text (an IPv6 zone ID, not part of the address,
 * dropped); a RangeError naming it for anything else. */
export function addressBytes(address: string): Uint8Array {
  if (isIpv6(address)) return ipv6ToBytes(address.split('%')[0] ?? '');
  const value = ipv4ToInt(address);
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}
