// The data plane against the real gateway: traffic flows only through the tunnel, counters
// match the gateway's, rekeys lose nothing, and nothing of the tunnel outlives the client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CountersEvent } from '../../app/shared/events.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import {
  type ClientFiles,
  clientFiles,
  connectCli,
  isConnected,
  interopSkipReason,
  skipLoudly,
} from '../support/interop.js';

const skip = interopSkipReason();
const latestCounters = (events: { type: string }[]) =>
  events.filter((e): e is CountersEvent => e.type === 'counters').at(-1);

/** Links, addresses and routes of the client namespace, for before/after comparisons. */
async function networkSnapshot(lab: Lab): Promise<string> {
  const parts = await Promise.all([
    lab.execInClient('ip', ['-o', 'link', 'show']),
    lab.execInClient('ip', ['-o', 'addr', 'show']),
    lab.execInClient('ip', ['route', 'show', 'table', 'all']),
  ]);
  return parts.map((p) => p.stdout.replace(/\s+\\\s+/g, ' ')).join('\n--\n');
}

describe('ESP data plane through strongSwan', { skip: skip !== undefined }, () => {
  let lab: Lab;
  const files: ClientFiles[] = [];
  before(async () => {
    lab = await startLab({ childLifetimeSeconds: 120, childRekeySeconds: 0 });
  });
  after(async () => {
    files.forEach((f) => f.remove());
    await lab?.stop();
  });
  const make = (profile: Record<string, unknown> = {}) => {
    const f = clientFiles(profile, LAB_DEFAULTS.groupPsk, 'alice-secret');
    files.push(f);
    return f;
  };

  for (const esp of ['aes256gcm16', 'aes128-sha1', 'aes256-sha256', '3des-md5']) {
    test(`${esp}: ping reaches the protected LAN only through the tunnel; counters equal the gateway's`, async () => {
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
      const cli = connectCli(lab, make({ espProposals: [esp] }));
      try {
        await cli.waitFor(isConnected, 15_000, 'connected');
        await lab.execInClient('ping', ['-c', '5', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost]);
        // traffic outside the split network stays outside the tunnel
        await lab.execInClient('ping', [
          '-c',
          '2',
          '-i',
          '0.2',
          '-W',
          '2',
          LAB_ADDRESSES.natOutside,
        ]);
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
        assert.equal(child.packetsIn, counters.total.packetsOut, 'gateway received what we sent');
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
    const cli = connectCli(lab, make({ ipsecLifetimeSeconds: 10 }));
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      const ping = await lab.execInClient(
        'ping',
        ['-c', '80', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost],
        { timeoutMs: 40_000 },
      );
      const rekeys = cli.events.filter(
        (e) =>
          e.type === 'sa' && e.kind === 'ipsec' && e.status === 'installed' && e.rekeyCount > 0,
      );
      assert.ok(rekeys.length >= 3, `at least three rekeys during the ping (saw ${rekeys.length})`);
      assert.match(ping.stdout, / 0% packet loss/);
      const [sa] = await lab.listSas();
      assert.ok((sa?.childSas.length ?? 0) <= 2, 'old SAs are deleted after the grace period');
    } finally {
      await cli.stop();
    }
  });

  test('after SIGKILL, the next start cleans up what the killed client left', async () => {
    const baseline = await networkSnapshot(lab);
    const killed = connectCli(lab, make());
    await killed.waitFor(isConnected, 15_000, 'connected');
    await killed.stop('SIGKILL');
    const cli = connectCli(lab, make());
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
    assert.equal(await networkSnapshot(lab), baseline);
  });
});

test('data-plane interop suite ran', (t) => {
  if (skip) skipLoudly(t, skip);
  else assert.equal(skip, undefined);
});
