// The data plane against the real gateway: traffic flows only through the tunnel, counters
// match the gateway's, rekeys lose nothing, and nothing of the tunnel outlives the client.
// Runs once per transport.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CountersEvent } from '../../../app/shared/events.js';
import { LAB_ADDRESSES } from '../../lab/index.js';
import {
  type Transport,
  isConnected,
  interopSkipReason,
  networkSnapshot,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../../support/interop.js';

const latestCounters = (events: { type: string }[]) =>
  events.filter((e): e is CountersEvent => e.type === 'counters').at(-1);

/** the promise for an app killed mid-session */
const RESTORE_BUDGET_MS = 5_000;

export function dataplaneSuite(transport: Transport): void {
  const skip = interopSkipReason();
  describe(
    `ESP data plane through strongSwan (${transport.label})`,
    { skip: skip !== undefined },
    () => {
      const suite = suiteLab(transport, { childLifetimeSeconds: 120, childRekeySeconds: 0 });
      /** a whole session that ends cleanly (exit 0) */
      /** Connects and disconnects; returns the client's log lines, for failure messages. */
      const connectAndDisconnect = async (): Promise<string> => {
        const cli = suite.connect();
        try {
          await cli.waitFor(isConnected, 15_000, 'connected');
        } finally {
          assert.equal((await cli.stop()).code, 0);
        }
        return cli.events
          .flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.phase}: ${e.message}`] : []))
          .join('\n');
      };

      for (const esp of ['aes256gcm16', 'aes128-sha1', 'aes256-sha256', '3des-md5']) {
        test(`${esp}: ping reaches the protected LAN only through the tunnel; counters equal the gateway's`, async () => {
          const { lab } = suite;
          const baseline = await networkSnapshot(lab);
          const unreachable = await lab
            .execInClient('ping', ['-c', '1', '-W', '1', LAB_ADDRESSES.lanHost])
            .then(
              () => 'reached',
              () => 'unreachable',
            );
          assert.equal(
            unreachable,
            'unreachable',
            'without the tunnel the LAN is out of reach (the NAT has no route)',
          );
          const cli = suite.connect({ espProposals: [esp] });
          try {
            await cli.waitFor(isConnected, 15_000, 'connected');
            await pingFromClient(lab, 5);
            // traffic outside the split network stays outside the tunnel
            await pingFromClient(lab, 2, LAB_ADDRESSES.natOutside);
            const route = await lab.execInClient('ip', ['route', 'get', LAB_ADDRESSES.natOutside]);
            assert.ok(!route.stdout.includes('rw0'), route.stdout);
            await new Promise((r) => setTimeout(r, 1_200));
            const counters = latestCounters(cli.events);
            assert.ok(counters, 'counters events arrive once a second');
            const [sa] = await lab.listSas();
            const child = sa?.childSas[0];
            assert.ok(child);
            assert.equal(counters.total.packetsOut, 5);
            assert.equal(counters.total.packetsIn, 5);
            assert.equal(
              child.packetsIn,
              counters.total.packetsOut,
              'gateway received what we sent',
            );
            assert.equal(
              child.packetsOut,
              counters.total.packetsIn,
              'we received what the gateway sent',
            );
            assert.equal(child.bytesIn, counters.total.bytesOut);
            assert.equal(child.bytesOut, counters.total.bytesIn);
            assert.equal(
              counters.total.icvFailures + counters.total.replayDrops + counters.total.noSaDrops,
              0,
            );
          } finally {
            assert.equal((await cli.stop()).code, 0);
          }
          await lab.waitForSas((sas) => sas.length === 0, 3_000);
          assert.equal(
            await networkSnapshot(lab),
            baseline,
            'no link, address or route of the tunnel remains',
          );
        });
      }

      test('a continuous ping across three client-initiated rekeys loses no packet', async () => {
        const cli = suite.connect({ ipsecLifetimeSeconds: 10 });
        try {
          await cli.waitFor(isConnected, 15_000, 'connected');
          await suite.lab.waitForChildInstalled(); // the loss counted here is the rekeys'
          const ping = await pingFromClient(suite.lab, 80);
          const rekeys = cli.events.filter(
            (e) =>
              e.type === 'sa' && e.kind === 'ipsec' && e.status === 'installed' && e.rekeyCount > 0,
          );
          assert.ok(
            rekeys.length >= 3,
            `at least three rekeys during the ping (saw ${rekeys.length})`,
          );
          assert.match(
            ping.stdout,
            / 0% packet loss/,
            `counters: ${JSON.stringify(latestCounters(cli.events)?.total)}`,
          );
          const [sa] = await suite.lab.listSas();
          assert.ok((sa?.childSas.length ?? 0) <= 2, 'old SAs are deleted after the grace period');
        } finally {
          await cli.stop();
        }
      });

      if (transport.kind === 'in-process')
        test('after SIGKILL, the next start cleans up what the killed client left', async () => {
          const baseline = await networkSnapshot(suite.lab);
          const killed = suite.connect();
          await killed.waitFor(isConnected, 15_000, 'connected');
          await killed.stop('SIGKILL');
          const log = await connectAndDisconnect();
          assert.equal(
            await networkSnapshot(suite.lab),
            baseline,
            `the next client's log:\n${log}`,
          );
        });

      // through the helper the app's death alone must undo everything (issue 5)
      if (transport.kind === 'helper')
        test('SIGKILL of the app mid-session: the helper restores links, addresses and routes within 5 s', async (t) => {
          const { lab, via } = suite;
          const baseline = await networkSnapshot(lab);
          const killed = suite.connect();
          await killed.waitFor(isConnected, 15_000, 'connected');
          await pingFromClient(lab, 2);
          assert.notEqual(await networkSnapshot(lab), baseline, 'the tunnel changed the network');
          await killed.stop('SIGKILL');
          const killedAt = Date.now();
          let current = await networkSnapshot(lab);
          while (current !== baseline && Date.now() - killedAt < RESTORE_BUDGET_MS) {
            await new Promise((r) => setTimeout(r, 50));
            current = await networkSnapshot(lab);
          }
          assert.equal(
            current,
            baseline,
            `network not restored ${RESTORE_BUDGET_MS} ms after SIGKILL`,
          );
          t.diagnostic(`network restored ${Date.now() - killedAt} ms after SIGKILL of the app`);
          assert.ok(via.helper, 'the helper transport has a helper');
          await via.helper.waitForLog(/closed \(client disconnected\)/);
          await connectAndDisconnect();
          assert.equal(await networkSnapshot(lab), baseline);
        });
    },
  );

  reportSkippedSuite('data-plane interop suite ran', skip);
}
