import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BuiltinConfigurator,
  ScriptConfigurator,
  createConfigurator,
} from '../../app/dataplane/netconfig/index.js';
import { labSetup } from './netconfig-support/lab.js';

test('createConfigurator picks by setup.script', async () => {
  assert.ok(createConfigurator(labSetup({ script: 'builtin' })) instanceof BuiltinConfigurator);
  assert.ok(
    createConfigurator(labSetup({ script: { path: '/x/vpnc-script' } })) instanceof
      ScriptConfigurator,
  );
  const none = labSetup({ script: 'none' });
  assert.deepEqual(await createConfigurator(none).apply(none), {
    tunName: 'rw0',
    mtu: 1400,
    changes: ['network left unconfigured (no script)'],
  });
});

test('invalid values never reach a command line', async () => {
  const configurator = createConfigurator(labSetup());
  for (const [setup, what] of [
    [labSetup({ tunName: 'rw0 mtu 9000' }), /interface name/],
    [labSetup({ gateway: '-force' }), /gateway address/],
    [labSetup({}, { internalIp4: undefined }), /no internal address/],
    [labSetup({}, { internalIp4Netmask: '255.0.255.0' }), /netmask/],
    [labSetup({}, { dns: ['198.19.77.53; reboot'] }), /DNS\/WINS server/],
  ] as const) {
    await assert.rejects(configurator.apply(setup), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'invalid-setup');
      assert.match((error as Error).message, what);
      return true;
    });
  }
});
