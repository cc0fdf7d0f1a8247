// IPv6 network values (inside the tunnel: Mode Config's INTERNAL_IP6_*, Quick Mode selectors,
// routes): text to and from the 16 address bytes, and prefix arithmetic. No Node built-ins:
// app/shared is bundled into the renderer.
import type { Ipv4Net } from './net.js';

/** An IP network of either family: `address` is a dotted quad or IPv6 text, `prefix` 0..32 or
 * 0..128. A v4 one is an Ipv4Net. */
export type IpNet = Ipv4Net;

export function isIpv6(address: string): boolean {
  return address.includes(':');
}

/** RFC 4291 2.2 text (with '::' and an embedded dotted quad) to its 16 bytes. */
export function ipv6ToBytes(address: string): Uint8Array {
  const fail = () => new RangeError(`not an IPv6 address: ${address}`);
  // a trailing dotted quad is the last two words
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => {
    const parts = [a, b, c, d].map(Number);
    if (parts.some((p) => p > 255)) throw fail();
    const word = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    return `${word(parts[0] ?? 0, parts[1] ?? 0)}:${word(parts[2] ?? 0, parts[3] ?? 0)}`;
  });
  const halves = text.split('::');
  if (halves.length > 2) throw fail();
  const words = (part: string | undefined) =>
    part ? part.split(':').map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN)) : [];
  const head = words(halves[0]);
  const rest = words(halves[1]);
  const zeros = 8 - head.length - rest.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) throw fail();
  const all = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  if (all.some((w) => Number.isNaN(w))) throw fail();
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** RFC 5952 4 text: lower case, no leading zeros, the longest run of two or more zero words
 * (the first of equal runs) as '::'. */
export function bytesToIpv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError('an IPv6 address is 16 bytes');
  const words = Array.from(
    { length: 8 },
    (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0),
  );
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** The prefix's mask as 16 bytes. */
export function ipv6Mask(prefix: number): Uint8Array {
  const mask = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    mask[i] = (0xff00 >> bits) & 0xff;
  }
  return mask;
}

/** The network's own address (host bits cleared) as 16 bytes. */
export function ipv6Network(net: IpNet): Uint8Array {
  const bytes = ipv6ToBytes(net.address);
  const mask = ipv6Mask(net.prefix);
  return bytes.map((b, i) => b & (mask[i] ?? 0));
}

/** Does `net` hold `address` (both IPv6)? */
export function ipv6NetContains(net: IpNet, address: string): boolean {
  const network = ipv6Network(net);
  const mask = ipv6Mask(net.prefix);
  const bytes = ipv6ToBytes(address);
  return bytes.every((b, i) => (b & (mask[i] ?? 0)) === network[i]);
}

/** Never a host's address nor a server's (RFC 4291 2.4): unspecified, loopback, multicast
 * (ff00::/8), and IPv4-mapped addresses (::ffff:0:0/96), which name IPv4 hosts. */
const NOT_A_HOST6: IpNet[] = [
  { address: '::', prefix: 128 },
  { address: '::1', prefix: 128 },
  { address: 'ff00::', prefix: 8 },
  { address: '::ffff:0:0', prefix: 96 },
];

export function isUsableHostAddress6(address: string): boolean {
  try {
    return !NOT_A_HOST6.some((block) => ipv6NetContains(block, address));
  } catch {
    return false;
  }
}

/** A network inside one of those blocks (a tunnel route for it would be nonsense). */
export function isNonHostNet6(net: IpNet): boolean {
  return NOT_A_HOST6.some(
    (block) => net.prefix >= block.prefix && ipv6NetContains(block, net.address),
  );
}
