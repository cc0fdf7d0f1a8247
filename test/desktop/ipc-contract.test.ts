// The IPC contract: inputs are validated at the boundary with messages naming the field, the
// handler map and the client are both derived from the one declaration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XauthRequest } from '../../app/engine/api.js';
import { createDispatcher } from '../../app/main/ipc/dispatcher.js';
import { createServiceHandlers } from '../../app/main/service/handlers.js';
import { ServiceError } from '../../app/main/service/service-error.js';
import { type EventMessage, type InvokeHandlers, invokeNames } from '../../app/shared/ui/ipc.js';
import { IpcError, createIpcClient } from '../../app/shared/ui/ipc-client.js';
import type { XauthField } from '../../app/shared/ui/ipc-schemas.js';
import { createServiceFixture } from './support/service-fixture.js';
import { memoryTransport } from './support/memory-transport.js';

// compile-time: the prompt's field list is the engine's, both ways
const _engineFields: XauthRequest['fields'] = [] as XauthField[];
const _promptFields: XauthField[] = [] as XauthRequest['fields'];

function handlersWith(overrides: Partial<InvokeHandlers>): InvokeHandlers {
  const notUsed = () => {
    throw new Error('not used in this test');
  };
  return {
    ...Object.fromEntries(invokeNames.map((name) => [name, notUsed])),
    ...overrides,
  } as InvokeHandlers;
}

test('invalid inputs are rejected before any handler runs, naming the field', async () => {
  let called = false;
  const dispatch = createDispatcher(
    handlersWith({
      'profiles.save': () => {
        called = true;
        throw new Error('must not run');
      },
    }),
  );
  const bad = await dispatch('profiles.save', {
    profile: { name: 'x', gateway: 'not a host!', group: '' },
  });
  assert.equal(called, false);
  assert.deepEqual(bad, {
    ok: false,
    error: {
      code: 'invalid-input',
      message: 'profile.gateway: gateway must be a host name or an IP address',
      issues: [
        { path: 'profile.gateway', message: 'gateway must be a host name or an IP address' },
        { path: 'profile.group', message: 'group name is required' },
      ],
    },
  });
  const empty = await dispatch('credentials.set', { profile: 'x', kind: 'group-psk', value: '' });
  assert.equal(!empty.ok && empty.error.message, 'value: the secret is empty');
  const kind = await dispatch('credentials.clear', { profile: 'x', kind: 'ssh-key' });
  assert.match(!kind.ok ? kind.error.message : '', /^kind: /);
  const unknown = await dispatch('profiles.steal', {});
  assert.deepEqual(unknown, {
    ok: false,
    error: { code: 'unknown-invoke', message: 'unknown request "profiles.steal"' },
  });
  const proto = await dispatch('__proto__', {});
  assert.equal(!proto.ok && proto.error.code, 'unknown-invoke');
});

test('handlers receive validated input with defaults; failures become plain messages', async () => {
  const dispatch = createDispatcher(
    handlersWith({
      'logs.read': (input) => ({ records: [], lastSeq: input.afterSeq + input.limit }),
      'profiles.get': ({ name }) => {
        throw new ServiceError('not-found', `no profile named "${name}"`);
      },
      'profiles.list': () => {
        throw new TypeError('boom');
      },
    }),
  );
  assert.deepEqual(await dispatch('logs.read', {}), {
    ok: true,
    value: { records: [], lastSeq: 99_999 },
  });
  assert.deepEqual(await dispatch('profiles.get', { name: 'Nope' }), {
    ok: false,
    error: { code: 'not-found', message: 'no profile named "Nope"' },
  });
  const internal = await dispatch('profiles.list', undefined);
  assert.deepEqual(internal, {
    ok: false,
    error: { code: 'internal', message: 'internal error: boom' },
  });
});

test('the service implements every invoke of the contract', async () => {
  const fixture = await createServiceFixture();
  try {
    const handlers = createServiceHandlers(fixture.service, { host: 'web', version: '0.0.0' });
    assert.deepEqual(Object.keys(handlers).sort(), [...invokeNames].sort());
  } finally {
    await fixture.close();
  }
});

test('the renderer client and the service talk through the contract end to end', async () => {
  const fixture = await createServiceFixture();
  try {
    const handlers = createServiceHandlers(fixture.service, { host: 'web', version: '1.2.3' });
    const client = createIpcClient(memoryTransport(handlers, (l) => fixture.service.on(l)));
    const info = await client.invoke('app.info');
    assert.equal(info.version, '1.2.3');
    const { profiles } = await client.invoke('profiles.list');
    assert.deepEqual(
      profiles.map((p) => p.name),
      ['Office'],
    );

    const snapshots: EventMessage[] = [];
    const off = client.on('snapshot', (payload) => snapshots.push({ name: 'snapshot', payload }));
    await client.invoke('credentials.set', { profile: 'Office', kind: 'group-psk', value: 'k' });
    const status = await client.invoke('credentials.status', { profile: 'Office' });
    assert.deepEqual(status, {
      profile: 'Office',
      groupPsk: true,
      xauthPassword: false,
      keyPassphrase: false,
      keychain: { available: true },
    });
    assert.ok(!JSON.stringify(status).includes('"k"'), 'the secret never comes back');

    await client.invoke('connection.connect', { profile: 'Office' });
    assert.ok(snapshots.length > 0, 'events arrive by name');
    off();

    await assert.rejects(
      client.invoke('profiles.save', {
        profile: { name: 'B', gateway: 'gw', group: 'g', mtu: 9000 },
      }),
      (error: unknown) => {
        assert.ok(error instanceof IpcError);
        assert.equal(error.code, 'invalid-input');
        assert.equal(error.issues[0]?.path, 'profile.mtu');
        return true;
      },
    );
  } finally {
    await fixture.close();
  }
});
