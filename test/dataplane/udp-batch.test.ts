// The NAT-T leg's batched UDP socket (native/udp.cc) and the data path on it (datapath.cc,
// behind UdpLegs), over loopback in a namespace per test (root): batches go out as separate
// datagrams in order, intact, whatever mix of sizes (runs of equal sizes take the UDP GSO path);
// what comes in is demultiplexed in the addon, ESP opened, IKE and keepalives sorted out; ICMP
// errors do not stop it.
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

interface SendResult {
  sent: number;
  taken: number;
  arrivedOrder: number[];
  arrivedLengths: number[];
}

function assertSent(result: SendResult): void {
  assert.equal(result.sent, SEND_SIZES.length);
  assert.equal(result.taken, SEND_SIZES.length);
  assert.equal(result.arrivedOrder.length, SEND_SIZES.length, 'nothing merged or lost');
  assert.deepEqual(
    result.arrivedOrder,
    SEND_SIZES.map((_, index) => index),
    'intact and in order',
  );
  assert.deepEqual(result.arrivedLengths, SEND_SIZES);
}

interface LegsResult {
  sendErrors: number;
  arrived: string;
  ike: { leg: IkeLeg; packet: string }[];
  opened: number;
  malformed: number;
  receivedRecently: boolean;
  sequence: string[];
  errors: string[];
}

test('UdpSocket: a batch leaves as one datagram per packet, intact and in order', () =>
  withNetns('udp-send', async (ns) => assertSent(await runChild<SendResult>(ns, 'send'))));

test('UdpSocket: where the kernel refuses UDP GSO (segments above the MTU), every datagram still goes, in order', () =>
  withNetns('udp-nogso', async (ns) => {
    // 1400-byte segments do not fit a 1200-byte MTU: GSO says EINVAL, single sends fragment
    await ns.exec('ip', 'link', 'set', 'lo', 'mtu', '1200');
    assertSent(await runChild<SendResult>(ns, 'send'));
  }));

test('UdpLegs: the data path opens ESP in the addon, hands IKE up without its marker, skips keepalives, and holds what follows IKE for the IKE handler', () =>
  withNetns('udp-legs', async (ns) => {
    const result = await runChild<LegsResult>(ns, 'legs');
    assert.equal(result.sendErrors, 0);
    assert.equal(
      result.arrived,
      Buffer.concat([Buffer.alloc(4), Buffer.from('ike-out')]).toString('hex'),
      'IKE on the NAT-T leg carries the non-ESP marker (RFC 3948 2.2)',
    );
    assert.deepEqual(result.ike, [{ leg: 'natt', packet: 'ike-in' }]);
    assert.equal(result.opened, 4, 'every ESP packet opened');
    assert.equal(
      result.malformed,
      0,
      'the keepalive (RFC 3948 2.3) and the runt are no ESP packets',
    );
    assert.ok(result.receivedRecently, 'the legs know when the NAT-T leg last received');
    assert.deepEqual(
      result.sequence,
      ['ike after 2 ESP', 'ike settled after 2 ESP'],
      'ESP behind an IKE message waits until what the IKE handler started has run',
    );
    assert.deepEqual(result.errors, []);
  }));

test('UdpLegs with a TUN: the kernel’s packets leave sealed and the gateway’s arrive opened, in order, without JavaScript per batch', () =>
  withNetns('udp-tunnel', async (ns) => {
    const result = await runChild<{
      out: number[];
      back: number[];
      packetsOut: number;
      packetsIn: number;
      errors: string[];
    }>(ns, 'tunnel');
    const indexes = [0, 1, 2, 3, 4, 5];
    assert.deepEqual(result.out, indexes, 'sealed in order, each opens at the gateway intact');
    assert.deepEqual(result.back, indexes, 'opened in order, each reaches the local socket intact');
    assert.equal(result.packetsOut, indexes.length);
    assert.equal(result.packetsIn, indexes.length);
    assert.deepEqual(result.errors, []);
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

test('UdpLegs: on the data path’s threads port unreachable reaches onError and receiving goes on; a TUN closed while read leaves opened packets counted', () =>
  withNetns('udp-path-errors', async (ns) => {
    const result = await runChild<{ errors: string[]; packetsIn: number }>(ns, 'pathErrors');
    assert.deepEqual(result.errors, ['natt ECONNREFUSED']);
    assert.equal(result.packetsIn, 1, 'opened after the TUN closed: counted, then dropped');
  }));

test('A data path left open keeps nothing alive, and Node exits cleanly when its loop drains or by process.exit() while packets flow', () =>
  withNetns('udp-left-open', async (ns) => {
    for (const mode of ['openAtEnd', 'openAtExit']) {
      const result = await runChild<{ sent: number }>(ns, mode);
      assert.equal(result.sent, 200, mode);
    }
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
