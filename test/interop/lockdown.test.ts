// Lockdown against the real gateway, once per transport (CLI as root with the data plane in its
// process, and CLI as nobody through the privileged helper): with `lockdown: true` a host
// outside the tunnel cannot be reached while the tunnel is up, and can again after disconnect.
// A SIGKILLed CLI as root leaves the lockdown until the next start lifts it (crash record);
// through the helper, the app's death alone lifts it. Through the helper, the desktop service
// also holds it across a forced reconnect: the lockdown belongs to the session, so the gap
// between attempts (no tunnel at all) lets nothing out either.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LAB_ADDRESSES } from '../lab/index.js';
import {
  IN_PROCESS,
  type Transport,
  VIA_HELPER,
  hasLockdownTable,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reachesFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../support/interop.js';
import { startLabService, untilSnapshot } from '../support/lab-service.js';

const skip = interopSkipReason();
/** a backoff no test waits out: the gap between attempts lasts until the test ends it */
const ENDLESS_GAP = { initialMs: 3_600_000, maxMs: 3_600_000, maxAttempts: 3, jitter: 0 };

function lockdownSuite(transport: Transport): void {
  describe(`lockdown through strongSwan (${transport.label})`, { skip: skip !== undefined }, () => {
    // Unity SAVE_PASSWD on: the service's reconnect may reuse the password without asking
    const suite = suiteLab(transport, { savePassword: true });
    const outside = LAB_ADDRESSES.natOutside;
    const reaches = (host: string) => reachesFromClient(suite.lab, host);
    const lockdownTable = () => hasLockdownTable(suite.lab);

    test('a host outside the tunnel is out of reach while connected, reachable after', async () => {
      assert.equal(
        await reaches(outside),
        true,
        'reachable before: the split tunnel leaves it out',
      );
      const cli = suite.connect({ lockdown: true });
      try {
        await cli.waitFor(isConnected, 15_000, 'connected');
        assert.equal(await lockdownTable(), true);
        await pingFromClient(suite.lab, 3); // the protected LAN, through the tunnel
        assert.equal(await reaches(outside), false, 'lockdown: nothing leaves beside the tunnel');
      } finally {
        assert.equal((await cli.stop()).code, 0);
      }
      assert.equal(await lockdownTable(), false, 'removed on disconnect');
      assert.equal(await reaches(outside), true, 'reachable again after disconnect');
    });

    test('after SIGKILL nothing of the lockdown remains once the next client has started', async () => {
      const killed = suite.connect({ lockdown: true });
      await killed.waitFor(isConnected, 15_000, 'connected');
      await killed.stop('SIGKILL');
      if (transport.kind === 'in-process') {
        assert.equal(await lockdownTable(), true, 'a killed client cannot lift it itself');
        assert.equal(await reaches(outside), false, 'fails closed');
      }
      const next = suite.connect();
      try {
        await next.waitFor(isConnected, 15_000, 'connected');
      } finally {
        assert.equal((await next.stop()).code, 0);
      }
      assert.equal(await lockdownTable(), false);
      assert.equal(await reaches(outside), true);
    });

    // the desktop service reaches its data plane through the helper only
    if (transport.kind === 'helper') {
      test('the desktop service keeps it through the gap of a forced reconnect, lifts it at disconnect', async () => {
        const { service, close } = await startLabService(suite.via.helper!.socket, ENDLESS_GAP, {
          lockdown: true,
        });
        try {
          await service.connect('lab', 'debug');
          await untilSnapshot(service, (s) => s.phase === 'connected', 'connected');
          await pingFromClient(suite.lab, 2);
          assert.equal(await reaches(outside), false, 'locked down while connected');

          // what resume or a new network does: this attempt's channel closes, the next waits
          await service.reconnectNow('forced by the test');
          await untilSnapshot(
            service,
            (s) => s.phase === 'reconnecting' && s.reconnect !== undefined,
            'waiting between attempts',
          );
          assert.equal(await lockdownTable(), true, 'the table stands between attempts');
          assert.equal(await reaches(outside), false, 'locked down between attempts');

          await service.reconnectNow('the test ends the gap');
          await untilSnapshot(service, (s) => s.phase === 'connected', 'connected again');
          await pingFromClient(suite.lab, 2);
          assert.equal(await reaches(outside), false, 'locked down after the reconnect');

          await service.disconnect();
          assert.equal(service.snapshot().phase, 'idle');
          assert.equal(await lockdownTable(), false, 'removed on disconnect');
          assert.equal(await reaches(outside), true, 'reachable again after disconnect');
        } finally {
          await close();
        }
      });
    }
  });
}

lockdownSuite(IN_PROCESS);
lockdownSuite(VIA_HELPER);
reportSkippedSuite('lockdown interop suite ran', skip);
