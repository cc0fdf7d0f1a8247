// DH groups 17, 18 (RFC 3526 5, 6: MODP 6144, 8192) and 21 (RFC 5903 3.3: ECP 521) against
// strongSwan: phase 1 on the group and a Quick Mode with PFS on it, as the gateway itself
// reports them (swanctl --list-sas), with traffic through the tunnel.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DH_GROUPS, type DhGroupName } from '../../app/shared/algorithms.js';
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

// strongSwan's names for the groups (its proposal keywords upper-cased)
const CASES: [DhGroupName, string, string][] = [
  ['modp6144', 'aes256-sha512-modp6144', 'MODP_6144'],
  ['modp8192', 'aes256-sha512-modp8192', 'MODP_8192'],
  ['ecp521', 'aes256-sha384-ecp521', 'ECP_521'],
];

describe('DH groups 17, 18 and 21 with strongSwan', { skip: skip !== undefined }, () => {
  // the lab's default proposals hold these groups for phase 1 and for PFS (test/lab/options.ts)
  const suite = suiteLab(IN_PROCESS, {});
  for (const [name, ikeProposal, strongSwanName] of CASES) {
    test(`phase 1 on ${ikeProposal} and Quick Mode with PFS group ${DH_GROUPS[name]}`, async () => {
      const cli = suite.connect({
        ikeProposals: [ikeProposal],
        espProposals: ['aes256-sha256'],
        pfs: name,
      });
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        const sa = await waitForTunnel(suite.lab);
        assert.equal(sa.dhGroup, strongSwanName, 'the gateway negotiated the group in phase 1');
        const child = sa.childSas.find((c) => c.state === 'INSTALLED');
        assert.equal(child?.dhGroup, strongSwanName, 'the gateway ran Quick Mode with PFS on it');
        const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
        assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
        assert.equal(ike.dhGroup, DH_GROUPS[name]);
        const ipsec = cli.events.find((e) => e.type === 'sa' && e.kind === 'ipsec');
        assert.ok(ipsec?.type === 'sa' && ipsec.kind === 'ipsec');
        assert.equal(ipsec.pfsGroup, DH_GROUPS[name]);
        // the keys agree only if both ends computed the same g(qm)^xy
        await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
      } finally {
        await cli.stop();
      }
      await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
    });
  }
});

reportSkippedSuite('DH groups 17, 18 and 21 interop', skip);
