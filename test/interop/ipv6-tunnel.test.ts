// IPv6 inside the tunnel (issue 15 item 9) against strongSwan with an IPv6 address pool: Mode
// Config gives an IPv6 address and DNS server beside the IPv4 ones, a second Quick Mode with
// IPv6 IDs makes the IPv6 ESP SA (IKEv1: one selector pair per Quick Mode), and ping6 reaches
// the LAN's IPv6 host through the tunnel with both SAs' counters equal to the gateway's. A
// gateway whose policy has no IPv6 selector refuses the IPv6 Quick Mode: IPv4 stays up, with a
// warning; a gateway without an IPv6 pool is the IPv4 tunnel it always was. The dual-stack
// case runs in-process and through the privileged helper (IPv6 selectors and set-up cross it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CountersEvent, EngineEvent } from '../../app/shared/events.js';
import { ipv6NetContains } from '../../app/shared/net6.js';
import { LAB_ADDRESSES, LAB_ADDRESSES6 } from '../lab/index.js';
import {
  IN_PROCESS,
  interopSkipReason,
  isConnected,
  networkSnapshot,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
  VIA_HELPER,
} from '../support/interop.js';

const skip = interopSkipReason();

const networkOf = (events: EngineEvent[]) => {
  const network = events.find((e) => e.type === 'network');
  assert.ok(network?.type === 'network', 'a network event');
  return network;
};

const installedSas = (events: EngineEvent[]) =>
  events.filter((e) => e.type === 'sa' && e.kind === 'ipsec' && e.status === 'installed');

for (const transport of [IN_PROCESS, VIA_HELPER])
  describe(
    `IPv6 inside the tunnel, strongSwan with an IPv6 pool (${transport.label})`,
    { skip: skip !== undefined },
    () => {
      const suite = suiteLab(transport, { ipv6Tunnel: 'pool-and-policy' });

      test('an IPv6 address and DNS server, a second ESP SA, ping6 to the LAN through it; disconnect leaves nothing', async () => {
        const { lab } = suite;
        const baseline = await networkSnapshot(lab);
        const cli = suite.connect();
        try {
          await cli.waitFor(isConnected, 20_000, 'connected');
          const network = networkOf(cli.events);
          assert.ok(network.internalIp6, 'an IPv6 address from the pool');
          const pool = LAB_ADDRESSES6.pool.split('/');
          assert.ok(
            ipv6NetContains(
              { address: pool[0] ?? '', prefix: Number(pool[1]) },
              network.internalIp6,
            ),
            network.internalIp6,
          );
          // DNS servers of both families, as the gateway's pools give them
          assert.deepEqual(network.dns, [LAB_ADDRESSES.dns]);
          assert.deepEqual(network.dns6, [LAB_ADDRESSES6.dns]);
          // strongSwan narrows our ::/0 to the LAN's IPv6 network: that is the IPv6 split list
          assert.deepEqual(network.splitInclude6, [
            { address: LAB_ADDRESSES6.lanNetwork.split('/')[0], prefix: 64 },
          ]);
          const sas = installedSas(cli.events);
          assert.equal(sas.length, 2, 'one ESP SA per family');
          const [, ipv6Sa] = sas;
          assert.ok(ipv6Sa?.type === 'sa' && ipv6Sa.kind === 'ipsec');
          assert.deepEqual(ipv6Sa.localSelectors, [{ address: network.internalIp6, prefix: 128 }]);

          await pingFromClient(lab, 4, LAB_ADDRESSES.lanHost);
          await pingFromClient(lab, 5, LAB_ADDRESSES6.lanHost);
          const route = await lab.execInClient('ip', [
            '-6',
            'route',
            'get',
            LAB_ADDRESSES6.lanHost,
          ]);
          assert.match(route.stdout, /dev rw0/);

          // the gateway has the two children, and counts what we count, SA by SA
          await new Promise((r) => setTimeout(r, 1_200));
          const counters = cli.events
            .filter((e): e is CountersEvent => e.type === 'counters')
            .at(-1);
          assert.ok(counters);
          const [ike] = await lab.listSas();
          assert.deepEqual(
            ike?.remoteVips.sort(),
            [network.internalIp4, network.internalIp6].sort(),
          );
          const children = ike?.childSas ?? [];
          assert.equal(children.length, 2);
          for (const ours of counters.sas) {
            const theirs = children.find((c) => parseInt(c.spiIn, 16) === ours.spiOut);
            assert.ok(theirs, `the gateway's child for our SA ${ours.saId}`);
            assert.equal(
              theirs.packetsIn,
              ours.packetsOut,
              `${ours.saId}: gateway received what we sent`,
            );
            assert.equal(
              theirs.packetsOut,
              ours.packetsIn,
              `${ours.saId}: we received what it sent`,
            );
            assert.equal(theirs.bytesIn, ours.bytesOut);
            assert.equal(theirs.bytesOut, ours.bytesIn);
          }
          const byFamily = counters.sas.map((sa) => sa.packetsOut).sort();
          assert.deepEqual(byFamily, [4, 5], 'IPv4 pings on one SA, IPv6 pings on the other');
          assert.ok(children.some((c) => c.remoteTs.includes(`${network.internalIp6}/128`)));
        } finally {
          assert.equal((await cli.stop()).code, 0);
        }
        await lab.waitForSas((all) => all.length === 0, 5_000, 'no SA after disconnect');
        assert.equal(
          await networkSnapshot(lab),
          baseline,
          'no address or route of the tunnel remains',
        );
      });

      test('profile ipv6 off: one ESP SA, no IPv6 address', async () => {
        const cli = suite.connect({ ipv6: 'off' });
        try {
          await cli.waitFor(isConnected, 20_000, 'connected');
          assert.equal(networkOf(cli.events).internalIp6, undefined);
          assert.equal(installedSas(cli.events).length, 1);
          await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
        } finally {
          await cli.stop();
        }
        await suite.lab.waitForSas((all) => all.length === 0, 5_000, 'no SA after disconnect');
      });
    },
  );

describe('IPv6 pool without an IPv6 policy', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, { ipv6Tunnel: 'pool' });

  test('the gateway refuses the IPv6 Quick Mode: IPv4 stays up, with a warning', async () => {
    const cli = suite.connect();
    try {
      await cli.waitFor(isConnected, 20_000, 'connected');
      const warning = cli.events.find((e) => e.type === 'warning' && e.code === 'ipv6-refused');
      assert.ok(warning, 'an ipv6-refused warning');
      assert.equal(installedSas(cli.events).length, 1);
      assert.equal(networkOf(cli.events).internalIp6, undefined, 'no IPv6 configured');
      await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
  });
});

describe('a gateway without an IPv6 pool', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, {});

  test('connects IPv4 only: no IPv6 address, one ESP SA, no warning', async () => {
    const cli = suite.connect();
    try {
      await cli.waitFor(isConnected, 20_000, 'connected');
      assert.equal(networkOf(cli.events).internalIp6, undefined);
      assert.equal(installedSas(cli.events).length, 1);
      assert.ok(!cli.events.some((e) => e.type === 'warning' && e.code === 'ipv6-refused'));
      await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
  });
});

reportSkippedSuite('IPv6 inside the tunnel interop', skip);
