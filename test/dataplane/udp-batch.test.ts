// The NAT-T leg's batched UDP socket (native/udp.cc behind UdpLegs), over loopback in a
// namespace per test (root): batches go out as separate datagrams in order, intact, whatever
// mix of sizes (runs of equal sizes take the UDP GSO path); batches come in split by the
// lengths the addon reports, with IKE and keepalives sorted out; ICMP errors do not stop it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { IkeLeg } from '../../app/shared/dataplane-port.js';
import { type Netns, startNode, withNetns } from './tun-support/netns.js';
import { loadTunAddon } from '../../app/dataplane/tun/native-addon.js';
import { SEND_SIZES } from './udp-support/datagrams.js';

const UDP_CHILD = fileURLToPath(new URL('./udp-support/udp-child.ts', import.meta.url));

async function runChild<T>(ns: Netns, mode: string): Promise<T> {
  await ns.exec('ip', 'link', 'set', 'lo', 'up');
  const child = startNode(ns.name, [], [UDP_CHILD, mode]);
  const result = await child.next<T>();
  assert.equal(await child.exited, 0);
  return result;
}

interface LegsResult {
  sent: number;
  sendErrors: number;
  arrivedOrder: number[];
  arrivedLengths: number[];
  lastArrived: string;
  ike: { leg: IkeLeg; packet: string }[];
  espBatches: number[][];
  sequence: string[];
  errors: string[];
}

function assertLegs(result: LegsResult): void {
  const indexes = SEND_SIZES.map((_, index) => index);
  assert.equal(result.sent, SEND_SIZES.length);
  assert.equal(result.sendErrors, 0);
  assert.equal(result.arrivedOrder.length, SEND_SIZES.length + 1, 'nothing merged or lost');
  assert.deepEqual(result.arrivedOrder.slice(0, -1), indexes, 'intact and in order');
  assert.deepEqual(result.arrivedLengths.slice(0, -1), SEND_SIZES);
  assert.equal(
    result.lastArrived,
    Buffer.concat([Buffer.alloc(4), Buffer.from('ike-out')]).toString('hex'),
    'IKE on the NAT-T leg carries the non-ESP marker (RFC 3948 2.2)',
  );
  assert.deepEqual(result.ike, [{ leg: 'natt', packet: 'ike-in' }]);
  assert.deepEqual(result.espBatches.flat(), [0, 1, 2, 3], 'ESP in order, keepalive dropped');
  assert.ok(result.espBatches.every((batch) => batch.length > 0));
  assert.deepEqual(
    result.sequence,
    ['esp 0', 'esp 1', 'ike settled', 'esp 2', 'esp 3'],
    'ESP behind an IKE message waits until what the IKE handler started has run',
  );
  assert.deepEqual(result.errors, []);
}

test('UdpLegs: an ESP batch leaves as one datagram per packet, in order; IKE and keepalives are sorted out of what comes in', () =>
  withNetns('udp-legs', async (ns) => assertLegs(await runChild<LegsResult>(ns, 'legs'))));

test('UdpLegs: where the kernel refuses UDP GSO (segments above the MTU), every datagram still goes, in order', () =>
  withNetns('udp-nogso', async (ns) => {
    // 1400-byte segments do not fit a 1200-byte MTU: GSO says EINVAL, single sends fragment
    await ns.exec('ip', 'link', 'set', 'lo', 'mtu', '1200');
    assertLegs(await runChild<LegsResult>(ns, 'legs'));
  }));

test('UdpSocket: port unreachable goes to onError and the socket keeps receiving', () =>
  withNetns('udp-refused', async (ns) => {
    const result = await runChild<{ taken: number; errors: string[]; received: number[] }>(
      ns,
      'refused',
    );
    assert.equal(result.taken, 1);
    assert.deepEqual(result.errors, ['ECONNREFUSED']);
    assert.deepEqual(result.received, [5]);
  }));

test('UdpSocket: a port outside 0..65535 is refused by name, not wrapped to another port', () => {
  const { UdpSocket } = loadTunAddon();
  assert.throws(() => new UdpSocket(4, 70000, 4096), {
    name: 'RangeError',
    message: 'not a port number: 70000',
  });
  const socket = new UdpSocket(4, 0, 4096);
  try {
    assert.throws(() => socket.connect('127.0.0.1', -1), {
      name: 'RangeError',
      message: 'not a port number: -1',
    });
  } finally {
    socket.close();
  }
});
