// Test datagrams that carry their own index, so order, loss, merging and damage all show.

/** A datagram that says which it is: its index, then bytes that depend on the index. */
export function numbered(index: number, length: number): Buffer {
  const packet = Buffer.alloc(length);
  packet.writeUInt32BE(index + 1, 0); // never 0: that would be the non-ESP marker
  for (let at = 4; at < length; at++) packet[at] = (index * 7 + at) & 0xff;
  return packet;
}

/** Index of a datagram numbered() made, or -1 if its bytes are not exactly those. */
export function indexOf(packet: Buffer): number {
  if (packet.length < 4) return -1;
  const index = packet.readUInt32BE(0) - 1;
  return numbered(index, packet.length).equals(packet) ? index : -1;
}

/** Sizes that exercise the send path: runs of equal sizes (one GSO send each), a shorter last
 * one closing a run, a larger one breaking it, tiny and big datagrams, more than a GSO send
 * can carry in one run. */
export const SEND_SIZES = [
  ...Array<number>(40).fill(1400),
  900,
  ...Array<number>(3).fill(1400),
  60,
  8,
  ...Array<number>(70).fill(300),
  1472,
  ...Array<number>(50).fill(1200),
];
