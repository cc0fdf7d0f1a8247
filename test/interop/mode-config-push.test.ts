// Mode Config push (issue 15 item 4) against strongSwan configured to push (swanctl IKEv1
// `pull = no`): after XAuth the gateway sends its configuration in a CFG_SET of its own; the
// engine acknowledges it (draft-dukes-ike-mode-cfg 3.4), takes its address, DNS and split
// network from it, and the tunnel carries traffic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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

describe('Mode Config pushed by strongSwan', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, { modeConfig: 'push' });
  test('the CFG_SET after XAuth is acknowledged and configures the tunnel', async () => {
    const cli = suite.connect();
    try {
      await cli.waitFor(isConnected, 20_000, 'connected');
      const pushed = cli.events.filter(
        (e) =>
          e.type === 'log' &&
          /the gateway pushed (its|a) configuration \(CFG_SET\)/.test(e.message),
      );
      assert.equal(pushed.length, 1, 'the configuration came in a CFG_SET, acknowledged once');
      const network = cli.events.find((e) => e.type === 'network');
      assert.ok(network?.type === 'network');
      assert.ok(network.internalIp4, 'an address from the pushed configuration');
      assert.deepEqual(network.dns, [LAB_ADDRESSES.dns]);
      assert.deepEqual(
        network.splitInclude.map((s) => `${s.network.address}/${s.network.prefix}`),
        [LAB_ADDRESSES.lanNetwork],
      );
      // the address the gateway pushed is the one it lists for us
      const sa = await waitForTunnel(suite.lab);
      assert.deepEqual(sa.remoteVips, [network.internalIp4]);
      await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
    } finally {
      await cli.stop();
    }
    await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
  });
});

reportSkippedSuite('Mode Config push interop', skip);
