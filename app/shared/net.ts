// IPv4 network values shared by the engine, the data plane and the UI.

export interface Ipv4Net {
  /** dotted quad of the network address */
  address: string;
  /** prefix length 0..32 */
  prefix: number;
}

/** One Cisco Unity split entry (SPLIT_INCLUDE / LOCAL_LAN): network plus protocol/ports. */
export interface SplitEntry {
  network: Ipv4Net;
  protocol: number;
  sourcePort: number;
  destinationPort: number;
}

export function ipv4ToInt(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${address}`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) {
      throw new RangeError(`not an IPv4 address: ${address}`);
    }
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

export function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function prefixToMask(prefix: number): string {
  return intToIpv4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

/** Mask in dotted form to a prefix length; rejects non-contiguous masks. */
export function maskToPrefix(mask: string): number {
  const value = ipv4ToInt(mask);
  const prefix = 32 - Math.log2(((~value >>> 0) + 1) >>> 0 || 2 ** 32);
  if (!Number.isInteger(prefix) || prefixToMask(prefix) !== mask) {
    throw new RangeError(`not a contiguous netmask: ${mask}`);
  }
  return prefix;
}

export function netContains(net: Ipv4Net, address: number): boolean {
  if (net.prefix === 0) return true;
  const mask = (0xffffffff << (32 - net.prefix)) >>> 0;
  return (ipv4ToInt(net.address) & mask) >>> 0 === (address & mask) >>> 0;
}

export function formatNet(net: Ipv4Net): string {
  return `${net.address}/${net.prefix}`;
}

/** A split entry for a whole network given as "a.b.c.d/len" (any protocol, any port), the form
 * a profile's split-tunnel override uses. The profile schema has validated the text. */
export function splitEntryFromCidr(cidr: string): SplitEntry {
  const [address = '0.0.0.0', prefix = '32'] = cidr.split('/');
  return {
    network: { address, prefix: Number(prefix) },
    protocol: 0,
    sourcePort: 0,
    destinationPort: 0,
  };
}

/** Is `inner` entirely inside `outer`? */
export function netWithin(inner: Ipv4Net, outer: Ipv4Net): boolean {
  return inner.prefix >= outer.prefix && netContains(outer, ipv4ToInt(inner.address));
}

const net = (address: string, prefix: number): Ipv4Net => ({ address, prefix });

/** Never a host's address nor a server's: "this network" and loopback (RFC 1122 3.2.1.3),
 * multicast (RFC 5771) and the reserved block with the limited broadcast (RFC 1112 4). */
const NOT_A_HOST = [
  net('0.0.0.0', 8),
  net('127.0.0.0', 8),
  net('224.0.0.0', 4),
  net('240.0.0.0', 4),
];

export function isUsableHostAddress(address: string): boolean {
  let value: number;
  try {
    value = ipv4ToInt(address);
  } catch {
    return false;
  }
  return !NOT_A_HOST.some((block) => netContains(block, value));
}

/** A network inside one of those blocks: nothing a tunnel or a LAN route is for. */
export function isNonHostNet(network: Ipv4Net): boolean {
  return NOT_A_HOST.some((block) => netWithin(network, block));
}

/** Private address space: RFC 1918 3, shared CGN space (RFC 6598) and link-local (RFC 3927). */
const PRIVATE = [
  net('10.0.0.0', 8),
  net('172.16.0.0', 12),
  net('192.168.0.0', 16),
  net('100.64.0.0', 10),
  net('169.254.0.0', 16),
];

export function isPrivateNet(network: Ipv4Net): boolean {
  return PRIVATE.some((block) => netWithin(network, block));
}
