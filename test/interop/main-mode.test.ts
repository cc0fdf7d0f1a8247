// Main mode (RFC 2409 5, identity protected) against the real strongSwan head-end configured
// with `aggressive = no`: main mode + XAuth + Mode Config + Quick Mode, judged by what the
// gateway lists (swanctl --list-sas) and by a ping through the tunnel; and a wrong group key,
// which in main mode the gateway can only show by not answering our encrypted identity.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorEvent } from '../../app/shared/events.js';
import { LAB_DEFAULTS } from '../lab/index.js';
import {
  IN_PROCESS,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../support/interop.js';

const isError = (e: { type: string }): e is ErrorEvent => e.type === 'error';
const skip = interopSkipReason();

describe('main mode with strongSwan (aggressive = no)', { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, { exchange: 'main' });

  test('main mode + XAuth + Mode Config + Quick Mode: the gateway lists the SAs, a ping goes through', async () => {
    const cli = suite.connect({ exchange: 'main' });
    try {
      const connected = await cli.waitFor(isConnected, 15_000, 'connected');
      const [sa] = await suite.lab.waitForSas(
        (sas) =>
          sas.some(
            (s) => s.state === 'ESTABLISHED' && s.childSas.some((c) => c.state === 'INSTALLED'),
          ),
        5_000,
      );
      assert.ok(sa);
      assert.equal(sa.remoteId, LAB_DEFAULTS.group, 'the group name, sent encrypted as ID_KEY_ID');
      assert.equal(sa.remoteXauthId, 'alice');
      assert.deepEqual(sa.remoteVips, [connected.virtualIp]);
      const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
      assert.ok(ike && ike.type === 'sa' && ike.kind === 'ike');
      assert.equal(sa.initiatorSpi, ike.initiatorCookie);
      const logs = cli.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
      assert.ok(
        logs.some((m) => m.startsWith('main mode offer')),
        'phase 1 ran as main mode',
      );

      await pingFromClient(suite.lab, 3);
      const [after] = await suite.lab.listSas();
      const child = after?.childSas[0];
      assert.ok(child);
      assert.ok(child.packetsIn >= 3, `the gateway received ${child.packetsIn} ESP packets`);
    } finally {
      await cli.stop();
    }
    await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
  });

  test('wrong group PSK: group-psk-rejected, marked unauthenticated, and no SA on the gateway', async () => {
    const cli = suite.connect({ exchange: 'main' }, 'not-the-group-key');
    try {
      const error = await cli.waitFor(isError, 20_000, 'error');
      assert.equal(error.code, 'group-psk-rejected', error.message);
      assert.equal(error.authenticated, false, 'nothing the gateway said proved the key');
      assert.equal((await cli.exit).code, 1);
      const diagnosis = cli.events.filter((e) => e.type === 'diagnosis').at(-1);
      assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'group-psk-wrong');
      const output = cli.stdoutLines.join('\n') + cli.stderr();
      assert.ok(!output.includes('not-the-group-key'), 'no secret in any event');
    } finally {
      await cli.stop();
    }
    await suite.lab.waitForSas(
      (sas) => sas.every((s) => s.state !== 'ESTABLISHED'),
      10_000,
      'no established SA',
    );
  });
});

reportSkippedSuite('main mode with strongSwan', skip);
