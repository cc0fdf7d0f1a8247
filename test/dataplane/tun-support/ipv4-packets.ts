// Just enough IPv4 / ICMP / UDP to answer pings and forge datagrams on a TUN.
import { ipv4ToInt } from '../../../app/shared/net.js';

const IPV4_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
const PROTOCOL_ICMP = 1;
const PROTOCOL_UDP = 17;
/** RFC 792 */
const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;
const ECHO_IDENTIFIER = 0x5257;

/** RFC 1071 Internet checksum of bytes [start, end). */
export function internetChecksum(data: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let index = start; index + 1 < end; index += 2) sum += data.readUInt16BE(index);
  if ((end - start) % 2 === 1) sum += (data[end - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Turns an IPv4 ICMP echo request into its reply in place (swap addresses, type 8 -> 0, patch
 * the checksum incrementally per RFC 1624 eqn. 3). False, untouched, for anything else.
 */
export function echoRequestToReply(packet: Buffer): boolean {
  const first = packet[0];
  if (first === undefined || first >> 4 !== 4 || packet[9] !== PROTOCOL_ICMP) return false;
  const headerBytes = (first & 0x0f) * 4;
  if (packet.length < headerBytes + 8 || packet[headerBytes] !== ICMP_ECHO_REQUEST) return false;
  // swapping source and destination leaves the IPv4 header checksum as it is
  const source = packet.readUInt32BE(12);
  packet.writeUInt32BE(packet.readUInt32BE(16), 12);
  packet.writeUInt32BE(source, 16);
  packet[headerBytes] = ICMP_ECHO_REPLY;
  // HC' = ~(~HC + ~m + m') with m = 0x0800 (type 8, code 0) and m' = 0x0000
  let sum = (~packet.readUInt16BE(headerBytes + 2) & 0xffff) + (~(ICMP_ECHO_REQUEST << 8) & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  packet.writeUInt16BE(~sum & 0xffff, headerBytes + 2);
  return true;
}

export interface UdpDatagram {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  payload: Buffer;
}

/** An IPv4 packet (no options, TTL 64) around `bodyBytes` bytes that `fill` writes. */
function ipv4Packet(
  protocol: number,
  source: string,
  destination: string,
  bodyBytes: number,
  fill: (packet: Buffer, at: number) => void,
): Buffer {
  const total = IPV4_HEADER_BYTES + bodyBytes;
  const packet = Buffer.alloc(total);
  packet[0] = 0x45;
  packet.writeUInt16BE(total, 2);
  packet[8] = 64;
  packet[9] = protocol;
  packet.writeUInt32BE(ipv4ToInt(source), 12);
  packet.writeUInt32BE(ipv4ToInt(destination), 16);
  packet.writeUInt16BE(internetChecksum(packet, 0, IPV4_HEADER_BYTES), 10);
  fill(packet, IPV4_HEADER_BYTES);
  return packet;
}

/** An IPv4 packet carrying one UDP datagram (checksum 0: "none", RFC 768). */
export function udpPacket(datagram: UdpDatagram): Buffer {
  const { source, destination, payload } = datagram;
  return ipv4Packet(
    PROTOCOL_UDP,
    source,
    destination,
    UDP_HEADER_BYTES + payload.length,
    (packet, at) => {
      packet.writeUInt16BE(datagram.sourcePort, at);
      packet.writeUInt16BE(datagram.destinationPort, at + 2);
      packet.writeUInt16BE(UDP_HEADER_BYTES + payload.length, at + 4);
      payload.copy(packet, at + UDP_HEADER_BYTES);
    },
  );
}

/** An ICMP echo request (RFC 792) of `totalBytes` IPv4 bytes, sequence 0, payload zeros. */
export function echoRequest(source: string, destination: string, totalBytes: number): Buffer {
  return ipv4Packet(
    PROTOCOL_ICMP,
    source,
    destination,
    totalBytes - IPV4_HEADER_BYTES,
    (packet, at) => {
      packet[at] = ICMP_ECHO_REQUEST;
      packet.writeUInt16BE(ECHO_IDENTIFIER, at + 4);
      packet.writeUInt16BE(internetChecksum(packet, at, packet.length), at + 2);
    },
  );
}
