// TCP segments over IPv4 / IPv6 and the virtio_net_hdr frames of the TUN's offload mode, built
// and checked here independently of the addon (RFC 1071 checksums over 16-bit words).
import { internetChecksum } from './ipv4-packets.js';

/** RFC 9293 3.1 */
export const TCP_FLAGS = { fin: 0x01, psh: 0x08, ack: 0x10, cwr: 0x80 } as const;
const PROTOCOL_TCP = 6;
const TCP_CHECKSUM_OFFSET = 16;

/** linux/virtio_net.h */
export const VNET = {
  headerBytes: 10,
  needsChecksum: 1,
  gsoNone: 0,
  gsoTcpV4: 1,
  gsoUdp: 3,
  gsoTcpV6: 4,
  gsoUdpL4: 5,
} as const;

export interface VnetHeader {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

export interface TcpSegmentSpec {
  version: 4 | 6;
  seq: number;
  payload: Buffer;
  flags?: number;
  ack?: number;
  window?: number;
  /** a multiple of 4 bytes */
  options?: Buffer;
  ipv4Id?: number;
  sourcePort?: number;
}

const ADDRESSES = {
  4: [Buffer.from([198, 19, 250, 1]), Buffer.from([198, 19, 250, 2])],
  6: [
    Buffer.from('fd000000000000000000000000000001', 'hex'),
    Buffer.from('fd000000000000000000000000000002', 'hex'),
  ],
} as const;

const byte = (packet: Buffer, at: number): number => packet[at] ?? 0;
const isIpv4 = (packet: Buffer): boolean => byte(packet, 0) >> 4 === 4;
export const ipHeaderBytes = (packet: Buffer): number =>
  isIpv4(packet) ? (byte(packet, 0) & 0x0f) * 4 : 40;
export const tcpHeaderBytes = (packet: Buffer): number =>
  (byte(packet, ipHeaderBytes(packet) + 12) >> 4) * 4;

/** A TCP segment with correct IP and TCP checksums (TTL / hop limit 64, DF on IPv4). */
export function tcpPacket(spec: TcpSegmentSpec): Buffer {
  const { version, payload } = spec;
  const options = spec.options ?? Buffer.alloc(0);
  const ipBytes = version === 4 ? 20 : 40;
  const tcpBytes = 20 + options.length;
  const packet = Buffer.alloc(ipBytes + tcpBytes + payload.length);
  const [source, destination] = ADDRESSES[version];
  if (version === 4) {
    packet[0] = 0x45;
    packet.writeUInt16BE(packet.length, 2);
    packet.writeUInt16BE(spec.ipv4Id ?? 0x1234, 4);
    packet.writeUInt16BE(0x4000, 6);
    packet[8] = 64;
    packet[9] = PROTOCOL_TCP;
    source.copy(packet, 12);
    destination.copy(packet, 16);
    packet.writeUInt16BE(internetChecksum(packet, 0, 20), 10);
  } else {
    packet[0] = 0x60;
    packet.writeUInt16BE(packet.length - 40, 4);
    packet[6] = PROTOCOL_TCP;
    packet[7] = 64;
    source.copy(packet, 8);
    destination.copy(packet, 24);
  }
  packet.writeUInt16BE(spec.sourcePort ?? 40000, ipBytes);
  packet.writeUInt16BE(5201, ipBytes + 2);
  packet.writeUInt32BE(spec.seq >>> 0, ipBytes + 4);
  packet.writeUInt32BE(spec.ack ?? 777, ipBytes + 8);
  packet[ipBytes + 12] = (tcpBytes / 4) << 4;
  packet[ipBytes + 13] = spec.flags ?? TCP_FLAGS.ack;
  packet.writeUInt16BE(spec.window ?? 502, ipBytes + 14);
  options.copy(packet, ipBytes + 20);
  payload.copy(packet, ipBytes + tcpBytes);
  packet.writeUInt16BE(tcpChecksumOver(packet, true), ipBytes + TCP_CHECKSUM_OFFSET);
  return packet;
}

/** The pseudo-header (RFC 9293 3.1 / RFC 8200 8.1) followed by the TCP segment. */
function pseudoAndSegment(packet: Buffer, zeroField: boolean): Buffer {
  const ipBytes = ipHeaderBytes(packet);
  const segment = Buffer.from(packet.subarray(ipBytes));
  if (zeroField) segment.writeUInt16BE(0, TCP_CHECKSUM_OFFSET);
  const addresses = isIpv4(packet) ? packet.subarray(12, 20) : packet.subarray(8, 40);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(PROTOCOL_TCP, 0);
  tail.writeUInt16BE(segment.length, 2);
  return Buffer.concat([addresses, tail, segment]);
}

function tcpChecksumOver(packet: Buffer, zeroField: boolean): number {
  const data = pseudoAndSegment(packet, zeroField);
  return internetChecksum(data, 0, data.length);
}

/** Whether the packet's TCP checksum is right. */
export const tcpChecksumValid = (packet: Buffer): boolean => tcpChecksumOver(packet, false) === 0;

/** Whether an IPv4 header checksum is right (IPv6 has none). */
export const ipv4HeaderValid = (packet: Buffer): boolean =>
  internetChecksum(packet, 0, ipHeaderBytes(packet)) === 0;

/** The folded pseudo-header sum CHECKSUM_PARTIAL expects in the TCP checksum field. */
export function pseudoHeaderSum(packet: Buffer): number {
  const data = pseudoAndSegment(packet, true).subarray(0, isIpv4(packet) ? 12 : 36);
  return ~internetChecksum(data, 0, data.length) & 0xffff;
}

/** Fields in host byte order, as TUN's legacy header has them (little-endian here). */
export function vnetHeader(header: Partial<VnetHeader>): Buffer {
  const bytes = Buffer.alloc(VNET.headerBytes);
  bytes[0] = header.flags ?? 0;
  bytes[1] = header.gsoType ?? VNET.gsoNone;
  bytes.writeUInt16LE(header.hdrLen ?? 0, 2);
  bytes.writeUInt16LE(header.gsoSize ?? 0, 4);
  bytes.writeUInt16LE(header.csumStart ?? 0, 6);
  bytes.writeUInt16LE(header.csumOffset ?? 0, 8);
  return bytes;
}

export function parseVnetHeader(frame: Buffer): VnetHeader {
  return {
    flags: byte(frame, 0),
    gsoType: byte(frame, 1),
    hdrLen: frame.readUInt16LE(2),
    gsoSize: frame.readUInt16LE(4),
    csumStart: frame.readUInt16LE(6),
    csumOffset: frame.readUInt16LE(8),
  };
}

/** A TCP packet's payload. */
export const tcpPayload = (packet: Buffer): Buffer =>
  packet.subarray(ipHeaderBytes(packet) + tcpHeaderBytes(packet));
