// The TUN offload mode's packet transforms on crafted packets, checked against checksums
// computed here: super-packets cut into segments (read side), runs of segments merged into
// one frame (write side), and malformed frames dropped with a reason.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { loadTunAddon } from '../../app/dataplane/tun/native-addon.js';
import { udpPacket } from './tun-support/ipv4-packets.js';
import {
  TCP_FLAGS,
  VNET,
  ipHeaderBytes,
  ipv4HeaderValid,
  parseVnetHeader,
  pseudoHeaderSum,
  tcpChecksumValid,
  tcpHeaderBytes,
  tcpPacket,
  tcpPayload,
  vnetHeader,
} from './tun-support/tcp-packets.js';

const addon = loadTunAddon();
/** TCP timestamps option (RFC 7323 3), padded with two NOPs: what Linux sends */
const TIMESTAMPS = Buffer.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
const { ack, psh, fin, cwr } = TCP_FLAGS;

/** A super-packet as the kernel hands it over with TSO: one IP+TCP header, all the payload. */
function superFrame(version: 4 | 6, payload: Buffer, gsoSize: number, flags: number): Buffer {
  const packet = tcpPacket({ version, seq: 0xfffff000, payload, flags, options: TIMESTAMPS });
  const headers = ipHeaderBytes(packet) + tcpHeaderBytes(packet);
  // the kernel leaves the TCP checksum to us: the field holds the pseudo-header sum
  packet.writeUInt16BE(pseudoHeaderSum(packet), ipHeaderBytes(packet) + 16);
  const header = vnetHeader({
    flags: VNET.needsChecksum,
    gsoType: version === 4 ? VNET.gsoTcpV4 : VNET.gsoTcpV6,
    hdrLen: headers,
    gsoSize,
    csumStart: ipHeaderBytes(packet),
    csumOffset: 16,
  });
  return Buffer.concat([header, packet]);
}

for (const version of [4, 6] as const) {
  test(`IPv${version}: a TSO super-packet becomes MSS-sized segments, each with right checksums`, () => {
    const payload = randomBytes(3 * 1000 + 500);
    const frame = superFrame(version, payload, 1000, ack | psh | fin | cwr);
    const { outcome, packets } = addon.segmentFrame(frame);
    assert.equal(outcome, 'packets');
    assert.deepEqual(
      packets.map((packet) => tcpPayload(packet).length),
      [1000, 1000, 1000, 500],
    );
    assert.deepEqual(Buffer.concat(packets.map(tcpPayload)), payload);
    packets.forEach((packet, index) => {
      const ip = ipHeaderBytes(packet);
      assert.ok(tcpChecksumValid(packet), `segment ${index}: TCP checksum`);
      assert.equal(packet.readUInt32BE(ip + 4), (0xfffff000 + index * 1000) >>> 0, 'seq wraps');
      const flags = packet[ip + 13];
      const last = index === packets.length - 1;
      assert.equal(flags, ack | (last ? psh | fin : 0) | (index === 0 ? cwr : 0));
      assert.deepEqual(packet.subarray(ip + 20, ip + 32), TIMESTAMPS, 'options copied');
      if (version === 4) {
        assert.ok(ipv4HeaderValid(packet), `segment ${index}: IPv4 header checksum`);
        assert.equal(packet.readUInt16BE(2), packet.length);
        assert.equal(packet.readUInt16BE(4), 0x1234 + index, 'IPv4 id counts up');
      } else {
        assert.equal(packet.readUInt16BE(4), packet.length - 40);
      }
    });
  });
}

test('a packet whose checksum the kernel left to us gets it completed; others pass as they are', () => {
  const datagram = udpPacket({
    source: '198.19.250.1',
    destination: '198.19.250.2',
    sourcePort: 1000,
    destinationPort: 2000,
    payload: randomBytes(333),
  });
  // the UDP checksum over pseudo-header and datagram, computed here (RFC 768)
  const pseudo = Buffer.concat([
    datagram.subarray(12, 20),
    Buffer.from([0, 17]),
    datagram.subarray(24, 26),
  ]);
  const partial = Buffer.from(datagram);
  let sum = 0;
  for (let at = 0; at < pseudo.length; at += 2) sum += pseudo.readUInt16BE(at);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  partial.writeUInt16BE(sum, 26);
  const header = vnetHeader({ flags: VNET.needsChecksum, csumStart: 20, csumOffset: 6 });
  const [completed] = addon.segmentFrame(Buffer.concat([header, partial])).packets;
  assert.ok(completed);
  const check = Buffer.concat([pseudo, completed.subarray(20)]);
  let total = 0;
  for (let at = 0; at + 1 < check.length; at += 2) total += check.readUInt16BE(at);
  if (check.length % 2 === 1) total += (check[check.length - 1] ?? 0) << 8;
  while (total > 0xffff) total = (total & 0xffff) + (total >>> 16);
  assert.equal(total, 0xffff, 'the completed UDP checksum verifies');
  assert.notEqual(completed.readUInt16BE(26), 0);

  const plain = addon.segmentFrame(Buffer.concat([vnetHeader({}), datagram]));
  assert.deepEqual(plain, { outcome: 'packets', packets: [datagram] });
});

test('malformed frames and GSO types not asked for are dropped with a reason', () => {
  const good = superFrame(4, randomBytes(3000), 1000, ack);
  const tcp4 = good.subarray(VNET.headerBytes);
  const tcp6 = superFrame(6, randomBytes(3000), 1000, ack).subarray(VNET.headerBytes);
  const gso = (fields: Parameters<typeof vnetHeader>[0], packet: Buffer) =>
    addon.segmentFrame(Buffer.concat([vnetHeader(fields), packet])).outcome;
  assert.equal(addon.segmentFrame(good).outcome, 'packets');
  assert.equal(addon.segmentFrame(Buffer.alloc(4)).outcome, 'malformed', 'shorter than a header');
  assert.equal(addon.segmentFrame(vnetHeader({})).outcome, 'malformed', 'no packet');
  assert.equal(gso({ gsoType: VNET.gsoTcpV4, gsoSize: 1000 }, tcp6), 'malformed', 'v4 type, v6');
  assert.equal(gso({ gsoType: VNET.gsoTcpV6, gsoSize: 1000 }, tcp4), 'malformed', 'v6 type, v4');
  assert.equal(gso({ gsoType: VNET.gsoTcpV4, gsoSize: 0 }, tcp4), 'malformed', 'gso_size 0');
  assert.equal(gso({ gsoType: VNET.gsoTcpV4, gsoSize: 1000 }, tcp4.subarray(0, 30)), 'malformed');
  const options = Buffer.from(tcp4);
  options[0] = 0x4f; // a 60-byte IPv4 header in a packet too short for it and a TCP header
  assert.equal(
    gso({ gsoType: VNET.gsoTcpV4, gsoSize: 1000 }, options.subarray(0, 70)),
    'malformed',
  );
  const udp = udpPacket({
    source: '198.19.250.1',
    destination: '198.19.250.2',
    sourcePort: 1,
    destinationPort: 2,
    payload: Buffer.alloc(3000),
  });
  assert.equal(gso({ gsoType: VNET.gsoTcpV4, gsoSize: 1000 }, udp), 'malformed', 'not TCP');
  assert.equal(gso({ gsoType: VNET.gsoUdpL4, gsoSize: 1000 }, udp), 'unsupported');
  assert.equal(gso({ gsoType: VNET.gsoUdp, gsoSize: 1000 }, udp), 'unsupported');
  assert.equal(gso({ gsoType: 0x42 }, udp), 'unsupported');
  assert.equal(
    gso({ flags: VNET.needsChecksum, csumStart: 20, csumOffset: 3007 }, udp),
    'malformed',
    'checksum field beyond the packet',
  );
  assert.equal(
    gso({ flags: VNET.needsChecksum, csumStart: 21, csumOffset: 6 }, udp),
    'malformed',
    'odd checksum start',
  );
  // 1-byte segments of 3000 bytes: more packets than a batch may take from one frame
  assert.equal(gso({ gsoType: VNET.gsoTcpV4, gsoSize: 1 }, tcp4), 'no-room');
});

/** segment i of a flow: `size` bytes at seq 1000 + i * 1000 */
function flowSegment(
  version: 4 | 6,
  index: number,
  size = 1000,
  extra: Partial<Parameters<typeof tcpPacket>[0]> = {},
): Buffer {
  return tcpPacket({
    version,
    seq: 1000 + index * 1000,
    payload: Buffer.alloc(size, index + 1),
    options: TIMESTAMPS,
    ipv4Id: 100 + index,
    ...extra,
  });
}

/** What the kernel does with a CHECKSUM_PARTIAL packet: complete the checksum from csum_start. */
function completeChecksum(frame: Buffer): Buffer {
  const header = parseVnetHeader(frame);
  const packet = Buffer.from(frame.subarray(VNET.headerBytes));
  let sum = 0;
  for (let at = header.csumStart; at < packet.length; at += 2) {
    sum += at + 1 < packet.length ? packet.readUInt16BE(at) : (packet[at] ?? 0) << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  packet.writeUInt16BE(~sum & 0xffff, header.csumStart + header.csumOffset);
  return packet;
}

for (const version of [4, 6] as const) {
  test(`IPv${version}: a run of one flow's segments is written as one GSO frame GRO would make`, () => {
    const packets = [0, 1, 2, 3].map((index) => flowSegment(version, index));
    packets.push(flowSegment(version, 4, 300, { flags: ack | psh }));
    const frames = addon.coalescePackets(packets);
    assert.equal(frames.length, 1);
    const [frame] = frames;
    assert.ok(frame);
    const ip = version === 4 ? 20 : 40;
    assert.deepEqual(parseVnetHeader(frame), {
      flags: VNET.needsChecksum,
      gsoType: version === 4 ? VNET.gsoTcpV4 : VNET.gsoTcpV6,
      hdrLen: ip + 32,
      gsoSize: 1000,
      csumStart: ip,
      csumOffset: 16,
    });
    const merged = frame.subarray(VNET.headerBytes);
    assert.equal(merged.readUInt16BE(ip + 16), pseudoHeaderSum(merged), 'pseudo-header sum');
    if (version === 4) {
      assert.equal(merged.readUInt16BE(2), merged.length);
      assert.ok(ipv4HeaderValid(merged));
      assert.equal(merged.readUInt16BE(4), 100, 'the first segment id');
    } else {
      assert.equal(merged.readUInt16BE(4), merged.length - 40);
    }
    assert.equal(merged[ip + 13], ack | psh, 'PSH of the last segment');
    assert.equal(merged.readUInt32BE(ip + 4), 1000);
    assert.deepEqual(tcpPayload(merged), Buffer.concat(packets.map(tcpPayload)));
    assert.ok(tcpChecksumValid(completeChecksum(frame)), 'completed checksum verifies');
  });
}

test('only what GRO would merge is merged, in order within each flow', () => {
  const plainFrame = (packet: Buffer) => Buffer.concat([vnetHeader({}), packet]);
  const gsoCount = (packets: Buffer[]) =>
    addon.coalescePackets(packets).map((frame) => {
      const { gsoType } = parseVnetHeader(frame);
      return gsoType === VNET.gsoNone ? 1 : tcpPayload(frame.subarray(10)).length / 1000;
    });
  const a = (index: number, extra = {}) => flowSegment(4, index, 1000, extra);
  const b = (index: number) => flowSegment(4, index, 1000, { sourcePort: 40001 });

  // two interleaved flows: each merged, the first flow's frame first
  const interleaved = addon.coalescePackets([a(0), b(0), a(1), b(1)]);
  assert.deepEqual(
    interleaved.map((frame) => frame.subarray(10).readUInt16BE(20)),
    [40000, 40001],
  );
  assert.deepEqual(gsoCount([a(0), b(0), a(1), b(1)]), [2, 2]);
  // a gap in sequence, another ack, other options, another window: no merge
  assert.deepEqual(gsoCount([a(0), a(2)]), [1, 1]);
  assert.deepEqual(gsoCount([a(0), a(1, { ack: 778 })]), [1, 1]);
  assert.deepEqual(
    gsoCount([a(0), a(1, { options: Buffer.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) })]),
    [1, 1],
  );
  assert.deepEqual(gsoCount([a(0), a(1, { window: 9 })]), [1, 1]);
  // PSH or a shorter segment ends a run; a longer one never joins
  assert.deepEqual(gsoCount([a(0, { flags: ack | psh }), a(1)]), [1, 1]);
  assert.deepEqual(gsoCount([a(0), a(1, { flags: ack | psh }), a(2)]), [2, 1]);
  assert.deepEqual(gsoCount([a(0), flowSegment(4, 1, 500), a(2)]), [1.5, 1]);
  assert.deepEqual(gsoCount([flowSegment(4, 0, 500), a(1)]), [1, 1]);
  // FIN and pure ACKs stay as they are
  assert.deepEqual(gsoCount([a(0), a(1, { flags: ack | fin })]), [1, 1]);
  assert.deepEqual(gsoCount([a(0), flowSegment(4, 1, 0)]), [1, 1]);
  // a segment with a wrong checksum is never vouched for: it goes alone, the kernel drops it
  const corrupted = (packet: Buffer) => {
    packet.writeUInt8(packet.readUInt8(packet.length - 1) ^ 0xff, packet.length - 1);
    return packet;
  };
  const corrupt = corrupted(a(1));
  assert.deepEqual(gsoCount([a(0), corrupt, a(2)]), [1, 1, 1]);
  const corruptHead = corrupted(a(0));
  assert.deepEqual(addon.coalescePackets([corruptHead, a(1)]), [
    plainFrame(corruptHead),
    plainFrame(a(1)),
  ]);
  // no merged packet beyond 65535 bytes
  const many = Array.from({ length: 70 }, (_, index) => a(index));
  assert.deepEqual(gsoCount(many), [65, 5]);
  // anything else goes as it came, behind an empty header
  const udp = udpPacket({
    source: '198.19.250.1',
    destination: '198.19.250.2',
    sourcePort: 1,
    destinationPort: 2,
    payload: Buffer.alloc(10),
  });
  assert.deepEqual(addon.coalescePackets([udp]), [plainFrame(udp)]);
});
