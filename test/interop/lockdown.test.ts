// Lockdown against the real gateway, once per transport (CLI as root with the data plane in its
// process, and CLI as nobody through the privileged helper): with `lockdown: true` a host
// outside the tunnel cannot be reached while the tunnel is up, and can again after disconnect.
// A SIGKILLed CLI as root leaves the lockdown until the next start lifts it (crash record);
// through the helper, the app's death alone lifts it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LAB_ADDRESSES } from '../lab/index.js';
import {
  IN_PROCESS,
  type Transport,
  VIA_HELPER,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../support/interop.js';

const skip = interopSkipReason();

function lockdownSuite(transport: Transport): void {
  describe(`lockdown through strongSwan (${transport.label})`, { skip: skip !== undefined }, () => {
    const suite = suiteLab(transport, {});
    const outside = LAB_ADDRESSES.natOutside;
    const reaches = (host: string) =>
      pingFromClient(suite.lab, 1, host).then(
        () => true,
        () => false,
      );
    const lockdownTable = async () =>
      (await suite.lab.execInClient('nft', ['list', 'tables'])).stdout.includes(
        'roadwarrior_lockdown',
      );

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
  });
}

lockdownSuite(IN_PROCESS);
lockdownSuite(VIA_HELPER);
reportSkippedSuite('lockdown interop suite ran', skip);
