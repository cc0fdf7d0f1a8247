// Mode Config push (issue 15 item 4) against strongSwan configured to push (swanctl IKEv1
// `pull = no`): after XAuth the gateway sends its configuration in a CFG_SET of its own. With
// the profile's modeConfig: push we do not ask and take that SET; with the default (pull) we
// ask, strongSwan answers the REQUEST and pushes as well, and the later SET is acknowledged
// too (draft-dukes-ike-mode-cfg 3.4), before or after the REPLY. Either way the tunnel is configured and carries traffic.
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

const logged = (events: { type: string; message?: string }[], pattern: RegExp) =>
  events.filter((e) => e.type === 'log' && pattern.test(e.message ?? '')).length;

describe('Mode Config pushed by strongSwan', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, { modeConfig: 'push' });

  for (const modeConfig of ['push', 'pull'] as const) {
    test(`profile modeConfig ${modeConfig}: the CFG_SET after XAuth is acknowledged, the tunnel configured`, async () => {
      const cli = suite.connect({ modeConfig });
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        const network = cli.events.find((e) => e.type === 'network');
        assert.ok(network?.type === 'network');
        if (modeConfig === 'push') {
          // the SET is the configuration: we asked for none
          assert.equal(logged(cli.events, /pushed its configuration \(CFG_SET\): acknowledged/), 1);
          assert.equal(logged(cli.events, /pushed a configuration/), 0);
        } else {
          // strongSwan answers the REQUEST and pushes too, in whichever order its two exchanges
          // reach us: the first configures the tunnel, the SET is acknowledged either way
          assert.equal(
            logged(cli.events, /pushed (its|a) configuration \(CFG_SET\): acknowledged/),
            1,
          );
        }
        assert.ok(network.internalIp4);
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
  }
});

reportSkippedSuite('Mode Config push interop', skip);
