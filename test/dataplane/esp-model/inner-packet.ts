// The IP packet carried inside a tunnel-mode ESP payload (RFC 4303 3.1.2), IPv4 or IPv6,
// told apart by the ESP Next Header (IANA protocol numbers, RFC 4303 2.6).

export const NEXT_HEADER_IPV4 = 4;
export const NEXT_HEADER_IPV6 = 41;
/** RFC 4303 2.6: a dummy packet, to be discarded silently */
export const NEXT_HEADER_NONE = 59;

const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
export const IPV4_SOURCE_OFFSET = 12;
export const IPV4_DESTINATION_OFFSET = 16;
export const IPV6_SOURCE_OFFSET = 8;
export const IPV6_DESTINATION_OFFSET = 24;

/** ESP next header for an IP packet by its version nibble; 0 for anything else. */
export function nextHeaderFor(packet: Buffer): number {
  const version = (packet[0] ?? 0) >>> 4;
  if (version === 4) return NEXT_HEADER_IPV4;
  if (version === 6) return NEXT_HEADER_IPV6;
  return 0;
}

/**
 * Length of the well-formed IP packet that starts payload[0..available), of the family next
 * header names (version, header length and total/payload length consistent), or -1. Bytes
 * after it are TFC padding (RFC 4303 2.7), which the receiver drops.
 */
export function innerPacketLength(payload: Buffer, available: number, nextHeader: number): number {
  const first = payload[0] ?? 0;
  if (nextHeader === NEXT_HEADER_IPV4) {
    if (available < IPV4_MIN_HEADER || first >>> 4 !== 4) return -1;
    const headerLength = (first & 0x0f) * 4;
    const totalLength = payload.readUInt16BE(2);
    if (headerLength < IPV4_MIN_HEADER || totalLength < headerLength || totalLength > available) {
      return -1;
    }
    return totalLength;
  }
  if (nextHeader === NEXT_HEADER_IPV6) {
    if (available < IPV6_HEADER || first >>> 4 !== 6) return -1;
    const totalLength = IPV6_HEADER + payload.readUInt16BE(4);
    return totalLength > available ? -1 : totalLength;
  }
  return -1;
}
