// Real traffic through the TUN addon, inside a namespace per test (root): ping answered by
// a child that echoes ICMP on the TUN, and forged UDP datagrams that must arrive one by one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TunStats } from '../../app/dataplane/tun/index.js';
import { PEER_ADDRESS } from './tun-support/addresses.js';
import { withNetns } from './tun-support/netns.js';

test('ping through the TUN is answered by the echoing child, packet for packet', () =>
  withNetns('ping', async (ns) => {
    const child = ns.startChild(['echo', 'rwtun0']);
    assert.deepEqual(await child.next(), { name: 'rwtun0' });

    const output = await ns.exec(
      'ping',
      '-c',
      '3',
      '-i',
      '0.2',
      '-W',
      '2',
      '-I',
      'rwtun0',
      PEER_ADDRESS,
    );
    assert.match(output, /3 packets transmitted, 3 received/);

    child.process.stdin.end();
    const { echoed, stats } = await child.next<{ echoed: number; stats: TunStats }>();
    assert.equal(echoed, 3);
    assert.equal(stats.packetsIn, 3, 'IPv6 is off: only the three requests crossed the TUN');
    assert.equal(stats.packetsOut, 3);
    assert.equal(stats.bytesIn, 3 * 84);
    assert.equal(stats.bytesOut, 3 * 84);
    assert.equal(stats.writeAgain + stats.writeErrors + stats.readErrors, 0);
    assert.equal(await child.exited, 0);
  }));

test('packets written to the TUN never merge: every UDP datagram arrives on its own, intact', () =>
  withNetns('udp', async (ns) => {
    const child = ns.startChild(['inject-udp', 'rwtun0']);
    const result = await child.next<{
      sent: number;
      written: number;
      received: number;
      intact: number;
      duplicates: number;
      stats: TunStats;
    }>();
    assert.equal(result.sent, 200);
    assert.equal(result.written, result.sent, 'write() and writeBatch() took every packet');
    assert.equal(result.received, result.sent);
    assert.equal(result.intact, result.sent);
    assert.equal(result.duplicates, 0);
    assert.equal(result.stats.packetsOut, result.sent);
    assert.equal(await child.exited, 0);
  }));

test('a flood of 1400-byte pings comes back complete, many packets per callback', () =>
  withNetns('flood', async (ns) => {
    const child = ns.startChild(['echo', 'rwtun0']);
    await child.next();

    // 1372 bytes of ICMP payload make 1400-byte packets; ping checks every reply's data.
    // With -w, ping stops once -c replies have arrived, so up to the preload (64) requests
    // are still in flight then: unanswered, yet not lost.
    const [count, preload] = [2000, 64];
    const output = await ns.exec(
      ...['ping', '-q', '-f', '-l', `${preload}`, '-c', `${count}`, '-s', '1372', '-w', '20'],
      ...['-I', 'rwtun0', PEER_ADDRESS],
    );
    const [, transmitted, received] =
      /(\d+) packets transmitted, (\d+) received/.exec(output) ?? [];
    assert.ok(Number(received) >= count, `every reply ping waited for came: ${output}`);
    // a flood on a loaded 2-core box may lose a few packets in the kernel's queues (TUN
    // txqueuelen 500, socket buffers); what must never happen is wrong or merged data
    const unanswered = Number(transmitted) - Number(received);
    assert.ok(unanswered <= preload + count * 0.02, output);
    assert.doesNotMatch(output, /wrong data|DUP/);

    child.process.stdin.end();
    const { echoed, stats } = await child.next<{ echoed: number; stats: TunStats }>();
    assert.ok(echoed >= Number(received) && echoed <= Number(transmitted), `echoed ${echoed}`);
    assert.equal(stats.bytesIn, echoed * 1400, 'every packet read is exactly one 1400-byte packet');
    assert.ok(
      stats.readBatches < stats.packetsIn / 2,
      `${stats.packetsIn} packets came in ${stats.readBatches} callbacks`,
    );
    assert.equal(await child.exited, 0);
  }));
