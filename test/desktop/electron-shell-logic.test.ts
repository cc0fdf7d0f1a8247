// The Electron shell's decisions, tested without Electron: which frame may use IPC, and what the
// tray shows for each service state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrustedSenderUrl } from '../../app/main/ipc/trusted-sender.js';
import { trayModel } from '../../app/main/tray-model.js';
import type { ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';

test('only our own top-level app:// page may use the IPC contract', () => {
  assert.equal(isTrustedSenderUrl('app://roadwarrior/index.html', true), true);
  assert.equal(
    isTrustedSenderUrl('app://roadwarrior/index.html', false),
    false,
    'not from an iframe',
  );
  assert.equal(isTrustedSenderUrl('app://evil/index.html', true), false);
  assert.equal(isTrustedSenderUrl('https://roadwarrior/index.html', true), false);
  assert.equal(isTrustedSenderUrl('file:///tmp/index.html', true), false);
  assert.equal(isTrustedSenderUrl('app://user:pw@roadwarrior/', true), false);
  assert.equal(isTrustedSenderUrl('not a url', true), false);
  assert.equal(isTrustedSenderUrl(undefined, true), false);
});

const base: ServiceSnapshot = {
  phase: 'idle',
  engineState: 'idle',
  ipsec: [],
  warnings: [],
  keychain: { available: true },
};

test('the tray offers connect per profile when idle, disconnect when up, and colours by state', () => {
  const idle = trayModel(base, [{ name: 'Office' }, { name: 'Lab' }]);
  assert.equal(idle.icon, 'disconnected');
  assert.deepEqual(
    idle.entries.filter((e) => e.kind === 'connect').map((e) => e.kind === 'connect' && e.profile),
    ['Office', 'Lab'],
  );
  const up = trayModel(
    {
      ...base,
      phase: 'connected',
      profile: 'Office',
      network: {
        type: 'network',
        at: 0,
        tunName: 'rw0',
        mtu: 1400,
        internalIp4: '10.99.0.10',
        dns: [],
        nbns: [],
        splitDns: [],
        splitInclude: [],
        splitExclude: [],
        changes: [],
      },
    },
    [{ name: 'Office' }],
  );
  assert.equal(up.icon, 'connected');
  assert.equal(up.tooltip, 'Roadwarrior: Connected: Office (10.99.0.10)');
  assert.ok(up.entries.some((e) => e.kind === 'disconnect' && e.label === 'Disconnect'));
  assert.ok(!up.entries.some((e) => e.kind === 'connect'));
  const retrying = trayModel(
    {
      ...base,
      phase: 'reconnecting',
      profile: 'Office',
      reconnect: { attempt: 2, maxAttempts: 8, delayMs: 2000, nextAttemptAt: 0, reason: 'x' },
    },
    [],
  );
  assert.equal(retrying.icon, 'connecting');
  assert.match(retrying.tooltip, /attempt 2/);
  assert.ok(retrying.entries.some((e) => e.kind === 'disconnect' && e.label === 'Cancel'));
  const failed = trayModel(
    {
      ...base,
      phase: 'failed',
      failure: {
        code: 'peer-dead',
        message: 'the gateway stopped answering',
        failedAt: 'connected',
        at: 0,
      },
    },
    [],
  );
  assert.equal(failed.icon, 'failed');
  assert.match(failed.tooltip, /stopped answering/);
});
