// Forced UDP encapsulation on a path without NAT, against strongSwan. The lab's NAT namespace
// masquerades; here its rule is removed and the gateway routes the client's network back
// through it, so the gateway sees the client's own address. With `natTraversal: force` we send
// a NAT-D hash of our address that cannot match (RFC 3947 3.2 lets the sender do so, as
// strongSwan's `encap = yes` does): the gateway believes we are behind a NAT, both sides float
// to 4500 and ESP rides in UDP (RFC 3948). With `auto` the gateway must find no NAT in front
// of us (our hash matches).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LAB_ADDRESSES } from '../lab/index.js';
import {
  IN_PROCESS,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
  waitForTunnel,
} from '../support/interop.js';

const skip = interopSkipReason();

for (const exchange of ['aggressive', 'main'] as const)
  describe(
    `forced UDP encapsulation without a NAT (strongSwan, ${exchange} mode)`,
    { skip: skip !== undefined },
    () => {
      const suite = suiteLab(IN_PROCESS, { exchange });
      before(async () => {
        // no masquerade: the NAT namespace becomes a plain router (test/lab/topology.ts names
        // the table), and the gateway routes the client's network back through it
        await suite.lab.exec('nat', 'nft', ['delete', 'table', 'ip', 'roadwarrior_lab']);
        await suite.lab.execInGateway('ip', [
          'route',
          'add',
          LAB_ADDRESSES.clientNetwork,
          'via',
          LAB_ADDRESSES.natOutside,
        ]);
      });

      test('natTraversal force: the gateway sees our own address, and ESP runs in UDP 4500', async () => {
        const cli = suite.connect({ natTraversal: 'force', exchange });
        try {
          await cli.waitFor(isConnected, 20_000, 'connected');
          const sa = await waitForTunnel(suite.lab);
          assert.equal(sa.remoteHost, LAB_ADDRESSES.client, 'no NAT on the path: our own address');
          assert.equal(sa.localPort, 4500, 'both sides floated to the NAT-T port');
          assert.equal(
            sa.natRemote,
            true,
            'our NAT-D made the gateway believe we are behind a NAT',
          );
          assert.equal(sa.natLocal, false);
          const child = sa.childSas.find((c) => c.state === 'INSTALLED');
          assert.equal(child?.encap, true, 'ESP in UDP (RFC 3948)');
          const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
          assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
          assert.equal(ike.natT.forced, true);
          assert.equal(ike.natT.localBehindNat, false, 'the gateway hashed our real address');
          await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
          const after = await waitForTunnel(suite.lab);
          const counted = after.childSas.find((c) => c.key === child?.key);
          assert.ok((counted?.packetsIn ?? 0) >= 2, 'the gateway received our ESP in UDP');
        } finally {
          await cli.stop();
        }
        await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
      });

      test('natTraversal auto without a NAT: our NAT-D matches, only the gateway claims a NAT', async () => {
        // strongSwan with kernel-libipsec needs ESP in UDP, so it fakes the NAT-D hash of its own
        // address (as its `encap = yes` would): auto still encapsulates here, and what it shows is
        // that our hash of our own address matched on a path without NAT
        const cli = suite.connect({ natTraversal: 'auto', exchange });
        try {
          await cli.waitFor(isConnected, 20_000, 'connected');
          const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
          assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
          assert.deepEqual(
            {
              forced: ike.natT.forced,
              local: ike.natT.localBehindNat,
              peer: ike.natT.peerBehindNat,
            },
            { forced: false, local: false, peer: true },
          );
          const [sa] = await suite.lab.waitForSas((sas) => sas.length === 1, 5_000);
          assert.equal(sa?.natRemote, false, 'the gateway found no NAT in front of us');
        } finally {
          await cli.stop();
        }
        await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
      });
    },
  );

reportSkippedSuite('forced encapsulation interop', skip);
