// Real TCP through two TUN devices in offload mode (root): a child forwards between a TUN in
// one namespace and a TUN it moved into another, so the kernel's TCP on both sides hands over
// super-packets (cut by the device) and takes merged runs (made by the device); megabytes
// echoed end to end must come back byte for byte. The same in plain mode for comparison, and
// with offload asked for but refused by the kernel (fault injected): the device falls back to
// plain mode on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TunStats } from '../../app/dataplane/tun/index.js';
import { withNetns } from './tun-support/netns.js';
import { withOffloadRefused } from './tun-support/refuse-offload.js';

const BYTES = 8 * 1024 * 1024;
const MTU = 1400;

const MODES = [
  { mode: 'offload mode', ask: true, refused: false },
  { mode: 'plain mode', ask: false, refused: false },
  { mode: 'plain mode after the kernel refused offload', ask: true, refused: true },
];

for (const { mode, ask, refused } of MODES) {
  const offload = ask && !refused;
  const wrapped = (body: (wrapper: string[]) => Promise<void>) =>
    refused ? withOffloadRefused(body) : body([]);
  test(`TCP through TUNs in ${mode} arrives intact`, () =>
    wrapped((wrapper) =>
      withNetns('gsoa', (near) =>
        withNetns('gsob', async (far) => {
          const forwarder = near.startChild(
            ['forward', 'rwtun0', 'rwtun1', far.name, `${ask}`],
            wrapper,
          );
          assert.deepEqual(await forwarder.next(), { offload: [offload, offload] });
          const echo = far.startChild(['tcp-echo']);
          const { port } = await echo.next<{ port: number }>();

          const sender = near.startChild(['tcp-send', '', `${port}`, `${BYTES}`]);
          const result = await sender.next<{ sent: string; received: string; bytes: number }>();
          assert.equal(result.bytes, BYTES);
          assert.equal(result.received, result.sent, 'the echo is byte for byte what was sent');

          forwarder.process.stdin.end();
          const { largestPacket, stats } = await forwarder.next<{
            largestPacket: number;
            stats: [TunStats, TunStats];
          }>();
          assert.ok(largestPacket <= MTU, `JS saw only packets that fit the MTU: ${largestPacket}`);
          for (const [from, to] of [stats, [...stats].reverse()] as const) {
            assert.equal(from.framesDropped, 0);
            // every packet read was written or counted as not taken
            assert.equal(from.packetsIn, to.packetsOut + to.writeAgain + to.writeErrors);
            if (offload) {
              assert.ok(from.superPacketsIn > 0, 'the kernel handed over super-packets');
              assert.ok(to.superPacketsOut > 0, 'runs of segments were merged');
              assert.ok(from.packetsIn > from.superPacketsIn);
            } else {
              assert.equal(from.superPacketsIn + to.superPacketsOut, 0);
            }
          }
          echo.process.stdin.end();
          assert.equal(await forwarder.exited, 0);
        }),
      ),
    ));
}
