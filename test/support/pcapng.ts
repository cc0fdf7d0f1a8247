// Minimal pcapng reader for the golden captures in test/fixtures/captures: yields the UDP
// datagrams (Ethernet or raw IPv4 link types) with their addresses, in capture order.
import { readFileSync } from 'node:fs';

export interface CapturedDatagram {
  frame: number;
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
  payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;

function ipv4(buf: Buffer, offset: number): string {
  return [...buf.subarray(offset, offset + 4)].join('.');
}

export function readUdpDatagrams(path: string): CapturedDatagram[] {
  const file = readFileSync(path);
  const linkTypes: number[] = [];
  const datagrams: CapturedDatagram[] = [];
  let frame = 0;
  for (let offset = 0; offset + 12 <= file.length;) {
    const type = file.readUInt32LE(offset);
    const length = file.readUInt32LE(offset + 4);
    if (length < 12 || offset + length > file.length) throw new Error('truncated pcapng block');
    const body = file.subarray(offset + 8, offset + length - 4);
    if (type === 1) linkTypes.push(body.readUInt16LE(0));
    if (type === 6) {
      frame += 1;
      const captured = body.readUInt32LE(12);
      const data = body.subarray(20, 20 + captured);
      const linkType = linkTypes[body.readUInt32LE(0)];
      const ipOffset =
        linkType === LINKTYPE_ETHERNET
          ? 14
          : linkType === LINKTYPE_LINUX_SLL
            ? 16
            : linkType === LINKTYPE_RAW
              ? 0
              : -1;
      if (ipOffset < 0) throw new Error(`unsupported link type ${linkType}`);
      const ip = data.subarray(ipOffset);
      if (ip[0] !== undefined && ip[0] >> 4 === 4 && ip[9] === 17) {
        const udp = ip.subarray((ip[0] & 15) * 4);
        datagrams.push({
          frame,
          source: ipv4(ip, 12),
          destination: ipv4(ip, 16),
          sourcePort: udp.readUInt16BE(0),
          destinationPort: udp.readUInt16BE(2),
          payload: Buffer.from(udp.subarray(8, udp.readUInt16BE(4))),
        });
      }
    }
    offset += length;
  }
  return datagrams;
}

/** The IKE messages of a capture, non-ESP marker stripped, ESP and keepalives left out. */
export function readIkeMessages(path: string): CapturedDatagram[] {
  return readUdpDatagrams(path).flatMap((d) => {
    if (d.sourcePort === 500 || d.destinationPort === 500) return [d];
    if (d.payload.length > 4 && d.payload.readUInt32BE(0) === 0) {
      return [{ ...d, payload: d.payload.subarray(4) }];
    }
    return [];
  });
}
