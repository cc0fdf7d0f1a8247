// A classic pcap file (tcpdump's format: a 24-byte global header, then a 16-byte header per
// packet) of UDP datagrams, each given synthesized IPv4 (RFC 791) or IPv6 (RFC 8200) and UDP
// (RFC 768) headers with the real addresses and ports, so Wireshark and tshark dissect it as
// captured.
import { isIP } from 'node:net';
import { addressBytes } from '../shared/address-bytes.js';

/** LINKTYPE_RAW: each packet starts with its IP header. */
const LINKTYPE_RAW = 101;
const PCAP_MAGIC = 0xa1b2c3d4;
const SNAPLEN = 65535;
const IPV4_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;
const UDP_HEADER_LENGTH = 8;
const IPPROTO_UDP = 17;

export interface UdpDatagram {
  /** ms since the epoch */
  at: number;
  source: { address: string; port: number };
  destination: { address: string; port: number };
  payload: Buffer;
}

/** RFC 1071 ones'-complement sum of 16-bit words, folded and complemented. */
function internetChecksum(...parts: Buffer[]): number {
  const bytes = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function udpPacket(datagram: UdpDatagram): Buffer {
  const source = Buffer.from(addressBytes(datagram.source.address));
  const destination = Buffer.from(addressBytes(datagram.destination.address));
  const udpLength = UDP_HEADER_LENGTH + datagram.payload.length;
  const udp = Buffer.alloc(UDP_HEADER_LENGTH);
  udp.writeUInt16BE(datagram.source.port, 0);
  udp.writeUInt16BE(datagram.destination.port, 2);
  udp.writeUInt16BE(udpLength, 4);
  const { ip, pseudo } =
    source.length === 16
      ? ipv6Headers(source, destination, udpLength)
      : ipv4Headers(source, destination, udpLength);
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum")
  udp.writeUInt16BE(internetChecksum(pseudo, udp, datagram.payload) || 0xffff, 6);
  return Buffer.concat([ip, udp, datagram.payload]);
}

/** The IPv4 header and the UDP checksum's pseudo-header (RFC 768). */
function ipv4Headers(source: Buffer, destination: Buffer, udpLength: number) {
  const pseudo = Buffer.alloc(12);
  source.copy(pseudo, 0);
  destination.copy(pseudo, 4);
  pseudo.writeUInt8(IPPROTO_UDP, 9);
  pseudo.writeUInt16BE(udpLength, 10);
  const ip = Buffer.alloc(IPV4_HEADER_LENGTH);
  ip.writeUInt8(0x45, 0); // version 4, 5 words of header
  ip.writeUInt16BE(IPV4_HEADER_LENGTH + udpLength, 2);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip.writeUInt8(64, 8);
  ip.writeUInt8(IPPROTO_UDP, 9);
  source.copy(ip, 12);
  destination.copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  return { ip, pseudo };
}

/** The IPv6 header (RFC 8200 3: no extension headers) and the UDP checksum's pseudo-header
 * (RFC 8200 8.1: addresses, upper-layer length, three zero bytes, next header). */
function ipv6Headers(source: Buffer, destination: Buffer, udpLength: number) {
  const ip = Buffer.alloc(IPV6_HEADER_LENGTH);
  ip.writeUInt32BE(0x60000000, 0); // version 6, traffic class and flow label 0
  ip.writeUInt16BE(udpLength, 4);
  ip.writeUInt8(IPPROTO_UDP, 6);
  ip.writeUInt8(64, 7);
  source.copy(ip, 8);
  destination.copy(ip, 24);
  const pseudo = Buffer.alloc(40);
  source.copy(pseudo, 0);
  destination.copy(pseudo, 16);
  pseudo.writeUInt32BE(udpLength, 32);
  pseudo.writeUInt8(IPPROTO_UDP, 39);
  return { ip, pseudo };
}

export function pcapFile(datagrams: readonly UdpDatagram[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(PCAP_MAGIC, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(SNAPLEN, 16);
  header.writeUInt32LE(LINKTYPE_RAW, 20);
  const records = datagrams.map((datagram) => {
    const packet = udpPacket(datagram);
    const record = Buffer.alloc(16);
    const micros = Math.round(datagram.at * 1000);
    record.writeUInt32LE(Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}

export const canWriteAddress = (address: string): boolean => isIP(address) !== 0;
