// pfs: auto against strongSwan that requires PFS (its esp_proposals carry a DH group) and does
// not announce it in Mode Config (no Unity PFS attribute): the first Quick Mode without PFS is
// refused, the engine offers PFS on the phase 1 group once more, says why in the log, and the
// gateway itself reports the ESP SA with that group (swanctl --list-sas), traffic flowing.
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

describe('pfs: auto with a gateway that requires PFS', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, {
    ikeProposals: ['aes128-sha256-modp2048'],
    espProposals: ['aes128-sha256-modp2048'],
    pfsUnity: false,
  });
  test('refused without PFS, retried with PFS on the phase 1 group (14), connected', async () => {
    const cli = suite.connect({
      ikeProposals: ['aes128-sha256-modp2048'],
      espProposals: ['aes128-sha256'],
      pfs: 'auto',
    });
    try {
      await cli.waitFor(isConnected, 20_000, 'connected');
      const sa = await waitForTunnel(suite.lab);
      const child = sa.childSas.find((c) => c.state === 'INSTALLED');
      assert.equal(child?.dhGroup, 'MODP_2048', 'the gateway ran Quick Mode with PFS on group 14');
      const ipsec = cli.events.find((e) => e.type === 'sa' && e.kind === 'ipsec');
      assert.ok(ipsec?.type === 'sa' && ipsec.kind === 'ipsec');
      assert.equal(ipsec.pfsGroup, 14);
      const why = cli.events.filter(
        (e) => e.type === 'log' && /refused our ESP proposals without PFS/.test(e.message),
      );
      assert.equal(why.length, 1, 'the log says why, once');
      await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
    } finally {
      await cli.stop();
    }
    await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
  });
});

reportSkippedSuite('pfs: auto interop', skip);
