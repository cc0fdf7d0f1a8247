// ESP with HMAC-SHA-384-192 and HMAC-SHA-512-256 (RFC 4868) against strongSwan: the gateway
// reports the integrity algorithm it installed, and pings cross the tunnel both ways through
// the native data plane (OpenSSL EVP), whose ICVs strongSwan's libipsec checks.
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

// strongSwan's names for the algorithms it installed
const CASES: [string, string][] = [
  ['aes256-sha384', 'HMAC_SHA2_384_192'],
  ['aes256-sha512', 'HMAC_SHA2_512_256'],
];

describe('ESP HMAC-SHA-384/512 with strongSwan', { skip: skip !== undefined }, () => {
  // the lab's default ESP proposals hold both (test/lab/options.ts)
  const suite = suiteLab(IN_PROCESS, {});
  for (const [espProposal, strongSwanName] of CASES) {
    test(`${espProposal}: the gateway installs ${strongSwanName} and traffic flows`, async () => {
      const cli = suite.connect({ espProposals: [espProposal] });
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        const sa = await waitForTunnel(suite.lab);
        const child = sa.childSas.find((c) => c.state === 'INSTALLED');
        assert.equal(child?.integAlg, strongSwanName);
        assert.equal(child?.encrAlg, 'AES_CBC');
        await pingFromClient(suite.lab, 3, LAB_ADDRESSES.lanHost);
        const [after] = await suite.lab.listSas();
        const counted = after?.childSas.find((c) => c.key === child?.key);
        assert.ok((counted?.packetsIn ?? 0) >= 3, 'the gateway verified our ICVs');
        assert.ok((counted?.packetsOut ?? 0) >= 3, 'and we verified its ICVs (pings answered)');
      } finally {
        await cli.stop();
      }
      await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
    });
  }
});

reportSkippedSuite('ESP HMAC-SHA-384/512 interop', skip);
