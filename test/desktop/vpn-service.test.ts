// VpnService against the fake engine: the connect flow with prompts, the keychain and Unity
// SAVE_PASSWD, reconnect with backoff after a dead peer, and what a late UI can read back. A
// reconnect reuses this session's password only where the gateway allows saving it
// (savePasswordAllowed; test/desktop/one-time-password.test.ts: where it does not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptRequest, ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';
import { Secret } from '../../app/shared/secret.js';
import { ServiceError } from '../../app/main/service/service-error.js';
import {
  GATEWAY_SECRETS,
  type ServiceFixture,
  createServiceFixture,
  savedSecret,
} from './support/service-fixture.js';

const { groupPsk, username, password } = GATEWAY_SECRETS;

function promptOf(fixture: ServiceFixture, kind: PromptRequest['kind']): Promise<PromptRequest> {
  return fixture
    .waitFor('snapshot', (s) => s.prompt?.kind === kind, `a ${kind} prompt`)
    .then((s) => s.prompt as PromptRequest);
}

function phase(
  fixture: ServiceFixture,
  wanted: ServiceSnapshot['phase'],
): Promise<ServiceSnapshot> {
  return fixture.waitFor('snapshot', (s) => s.phase === wanted, `phase ${wanted}`);
}

async function storeBoth(fixture: ServiceFixture): Promise<void> {
  await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
  await fixture.credentials.set('Office', 'xauth-password', Secret.fromString(password));
}

test('connect asks for the group key and the XAuth password, then shows the negotiated SAs', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: true });
  try {
    await fixture.service.connect('Office', 'debug');
    const keyPrompt = await promptOf(fixture, 'group-psk');
    assert.equal(keyPrompt.kind === 'group-psk' && keyPrompt.group, 'staff');
    assert.ok(
      fixture.service.answerPrompt({ id: keyPrompt.id, values: { groupPsk }, remember: false }),
    );

    const xauth = await promptOf(fixture, 'xauth');
    assert.ok(xauth.kind === 'xauth');
    assert.deepEqual(xauth.fields, ['username', 'password']);
    assert.equal(xauth.username, 'alice', 'the profile username is pre-filled');
    fixture.service.answerPrompt({ id: xauth.id, values: { username, password }, remember: false });

    const up = await phase(fixture, 'connected');
    assert.equal(up.engineState, 'connected');
    assert.equal(up.prompt, undefined);
    assert.equal(up.ike?.dhGroup, 14);
    assert.equal(up.ipsec[0]?.spiIn, 'c0ffee01');
    assert.equal(up.network?.internalIp4, '10.99.0.10');
    assert.deepEqual(
      up.network?.splitInclude.map((s) => s.network.address),
      ['10.20.0.0'],
    );

    const engineSeqs = fixture.messages.flatMap((m) =>
      m.name === 'engine' ? [m.payload.seq] : [],
    );
    assert.ok(engineSeqs.length > 10);
    assert.deepEqual(
      engineSeqs,
      [...engineSeqs].sort((a, b) => a - b),
      'engine events are numbered in order',
    );
    const everything = JSON.stringify(fixture.messages);
    assert.ok(
      !everything.includes(groupPsk) && !everything.includes(password),
      'no secret in any event',
    );
    assert.equal(
      await fixture.credentials.get('Office', 'xauth-password'),
      undefined,
      'nothing saved unasked',
    );
  } finally {
    await fixture.close();
  }
});

test('saved secrets connect without asking; a disconnect leaves nothing stale', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: true });
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    await phase(fixture, 'connected');
    assert.ok(
      !fixture.messages.some((m) => m.name === 'snapshot' && m.payload.prompt),
      'never prompted',
    );
    const down = await fixture.service.disconnect();
    assert.equal(down.phase, 'idle');
    assert.equal(down.engineState, 'disconnected');
    assert.deepEqual(down.ipsec, []);
    assert.equal(down.network, undefined);
  } finally {
    await fixture.close();
  }
});

/** Connects with both secrets saved; the notice that the saved password was removed. */
async function connectWithSavedPassword(fixture: ServiceFixture) {
  await storeBoth(fixture);
  await fixture.service.connect('Office', 'info');
  return fixture.waitFor(
    'notice',
    (n) => n.code === 'saved-password-removed',
    'the removal notice',
  );
}

test('no SAVE_PASSWD from the gateway: the stored password is deleted, the notice says the gateway sent none', async () => {
  const fixture = await createServiceFixture({});
  try {
    const notice = await connectWithSavedPassword(fixture);
    assert.match(notice.message, /it does not send Cisco Unity SAVE_PASSWD, which would allow it/);
    assert.doesNotMatch(notice.message, /is off/);
    await phase(fixture, 'connected');
    assert.equal(await fixture.credentials.get('Office', 'xauth-password'), undefined);
  } finally {
    await fixture.close();
  }
});

test('SAVE_PASSWD off: the stored password is deleted and the user is told why', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: false });
  try {
    const notice = await connectWithSavedPassword(fixture);
    assert.match(
      notice.message,
      /does not allow saved passwords \(Cisco Unity SAVE_PASSWD is off\)/,
    );
    await phase(fixture, 'connected');
    assert.equal(await fixture.credentials.get('Office', 'xauth-password'), undefined);
    assert.ok(
      await fixture.credentials.get('Office', 'group-psk'),
      'the group key is not affected',
    );
  } finally {
    await fixture.close();
  }
});

test('"remember" is honoured only when the gateway allows it', async () => {
  for (const allowed of [true, false]) {
    const fixture = await createServiceFixture({ savePasswordAllowed: allowed });
    try {
      await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
      await fixture.service.connect('Office', 'info');
      const xauth = await promptOf(fixture, 'xauth');
      assert.equal(xauth.kind === 'xauth' && xauth.canRemember, true);
      fixture.service.answerPrompt({
        id: xauth.id,
        values: { username, password },
        remember: true,
      });
      const code = allowed ? 'secret-saved' : 'password-not-saved';
      await fixture.waitFor('notice', (n) => n.code === code, `notice ${code}`);
      const stored = await savedSecret(fixture.credentials, 'Office', 'xauth-password');
      assert.equal(stored?.value, allowed ? password : undefined);
    } finally {
      await fixture.close();
    }
  }
});

test('a rejected saved password is removed, the failed step named, and the next prompt says why', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    await fixture.credentials.set('Office', 'xauth-password', Secret.fromString('old password'));
    await fixture.service.connect('Office', 'info');
    const failed = await phase(fixture, 'failed');
    assert.equal(failed.failure?.code, 'xauth-rejected');
    assert.equal(failed.failure?.failedAt, 'xauth');
    assert.match(failed.failure?.message ?? '', /username or password rejected/);
    await fixture.waitFor(
      'notice',
      (n) => n.code === 'saved-password-rejected',
      'the rejection notice',
    );
    assert.equal(await fixture.credentials.get('Office', 'xauth-password'), undefined);

    await fixture.service.connect('Office', 'info');
    const again = await promptOf(fixture, 'xauth');
    assert.equal(
      again.kind === 'xauth' && again.reason,
      'The gateway rejected the password last time.',
    );
  } finally {
    await fixture.close();
  }
});

test('a rejected saved group key is removed and the next connect asks for it', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString('stale group key'));
    await fixture.service.connect('Office', 'info');
    const failed = await phase(fixture, 'failed');
    assert.equal(failed.failure?.code, 'group-psk-rejected');
    await fixture.waitFor(
      'notice',
      (n) => n.code === 'saved-group-key-rejected',
      'the rejection notice',
    );
    assert.equal(await fixture.credentials.get('Office', 'group-psk'), undefined);

    await fixture.service.connect('Office', 'info');
    assert.equal((await promptOf(fixture, 'group-psk')).kind, 'group-psk');
  } finally {
    await fixture.close();
  }
});

test('a group key no answer proved (unauthenticated evidence) stays saved', async () => {
  // a forged message 2 or cleartext notification must not cost the user a saved key
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    fixture.gateway.unprovenAnswers = true;
    await fixture.service.connect('Office', 'info');
    const failed = await phase(fixture, 'failed');
    assert.equal(failed.failure?.code, 'group-psk-rejected');
    assert.ok(await fixture.credentials.get('Office', 'group-psk'), 'the key is still saved');
    assert.ok(!fixture.messages.some((m) => m.name === 'notice'), 'no removal notice');
  } finally {
    await fixture.close();
  }
});

test('a dead peer reconnects with backoff, shown as its own phase, without asking again', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: true });
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    await fixture.service.connect('Office', 'info');
    const xauth = await promptOf(fixture, 'xauth');
    fixture.service.answerPrompt({ id: xauth.id, values: { username, password }, remember: false });
    await phase(fixture, 'connected');
    const promptsBefore = fixture.messages.filter(
      (m) => m.name === 'snapshot' && m.payload.prompt,
    ).length;

    fixture.gateway.current?.killPeer();
    const reconnecting = await fixture.waitFor(
      'snapshot',
      (s) => s.reconnect?.attempt === 1,
      'reconnect attempt 1',
    );
    assert.equal(reconnecting.phase, 'reconnecting');
    assert.equal(reconnecting.reconnect?.delayMs, 20);
    assert.match(reconnecting.reconnect?.reason ?? '', /stopped answering/);

    const back = await fixture.waitFor(
      'snapshot',
      (s) => s.phase === 'connected' && fixture.gateway.connections.length === 2,
      'connected again',
    );
    assert.equal(back.reconnect, undefined);
    const promptsAfter = fixture.messages.filter(
      (m) => m.name === 'snapshot' && m.payload.prompt,
    ).length;
    assert.equal(promptsAfter, promptsBefore, 'the password from this session was reused');
  } finally {
    await fixture.close();
  }
});

test('resume or a new network restarts a working tunnel at once, without asking again', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: true });
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    await phase(fixture, 'connected');
    await fixture.service.reconnectNow('resumed from sleep');
    const again = await fixture.waitFor(
      'snapshot',
      (s) => s.reconnect?.reason === 'resumed from sleep',
      'the restart',
    );
    assert.equal(again.reconnect?.attempt, 1);
    assert.equal(fixture.gateway.connections[0]?.state, 'disconnected', 'the old SAs were deleted');
    await fixture.waitFor(
      'snapshot',
      (s) => s.phase === 'connected' && fixture.gateway.connections.length === 2,
      'connected again',
    );
  } finally {
    await fixture.close();
  }
});

test('reconnect backs off exponentially and gives up after the last attempt', async () => {
  const fixture = await createServiceFixture();
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    await phase(fixture, 'connected');
    fixture.gateway.down = true;
    fixture.gateway.current?.killPeer();
    const failed = await phase(fixture, 'failed');
    assert.equal(failed.failure?.code, 'timeout');
    assert.equal(failed.failure?.failedAt, 'am1-sent');
    const delays = fixture.messages.flatMap((m) =>
      m.name === 'snapshot' && m.payload.reconnect ? [m.payload.reconnect.delayMs] : [],
    );
    assert.deepEqual([...new Set(delays)], [20, 40, 80]);
    assert.equal(fixture.gateway.connections.length, 4, 'first connection plus 3 attempts');
    const { records } = fixture.service.readLogs(-1, 1000);
    assert.ok(records.some((r) => r.event.message === 'gave up reconnecting after 3 attempts'));
  } finally {
    await fixture.close();
  }
});

test('a second XAuth round (one-time passcode) is asked again on reconnect, the password is not', async () => {
  const fixture = await createServiceFixture({
    otp: { message: 'Enter the code shown on your token', passcode: '123456' },
    savePasswordAllowed: true,
  });
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    const otp = await promptOf(fixture, 'xauth');
    assert.ok(otp.kind === 'xauth');
    assert.deepEqual(otp.fields, ['passcode']);
    assert.equal(otp.message, 'Enter the code shown on your token');
    assert.equal(otp.canRemember, false, 'a one-time code is never saved');
    fixture.service.answerPrompt({ id: otp.id, values: { passcode: '123456' }, remember: false });
    await phase(fixture, 'connected');
    fixture.gateway.current?.killPeer();
    const again = await fixture.waitFor(
      'snapshot',
      (s) => s.prompt !== undefined && s.reconnect !== undefined,
      'the passcode prompt while reconnecting',
    );
    assert.ok(again.prompt?.kind === 'xauth');
    assert.deepEqual(again.prompt.fields, ['passcode']);
  } finally {
    await fixture.close();
  }
});

test('cancel at a prompt or disconnect mid-attempt ends in idle, not failed', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.service.connect('Office', 'info');
    const key = await promptOf(fixture, 'group-psk');
    assert.ok(fixture.service.cancelPrompt(key.id));
    const idle = await phase(fixture, 'idle');
    assert.equal(idle.failure, undefined);
    assert.equal(idle.prompt, undefined);

    await fixture.service.connect('Office', 'info');
    await promptOf(fixture, 'group-psk');
    const down = await fixture.service.disconnect();
    assert.equal(down.phase, 'idle');
    assert.equal(down.prompt, undefined);
  } finally {
    await fixture.close();
  }
});

test('an answer missing a requested field is refused, naming the field', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    await fixture.service.connect('Office', 'info');
    const xauth = await promptOf(fixture, 'xauth');
    assert.throws(
      () => fixture.service.answerPrompt({ id: xauth.id, values: { username }, remember: false }),
      (error: unknown) =>
        error instanceof ServiceError && error.message === 'values.password: required',
    );
    assert.equal(fixture.service.snapshot().prompt?.id, xauth.id, 'the prompt stays open');
  } finally {
    await fixture.close();
  }
});

test('the banner waits for acknowledgement; declining it disconnects', async () => {
  const fixture = await createServiceFixture({ banner: 'Authorised use only.' });
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    const shown = await fixture.waitFor('snapshot', (s) => s.banner !== undefined, 'the banner');
    assert.equal(shown.banner?.text, 'Authorised use only.');
    await phase(fixture, 'connected');
    const after = await fixture.service.acknowledgeBanner(shown.banner?.id ?? '', false);
    assert.equal(after.phase, 'idle');
    assert.equal(after.banner, undefined);
  } finally {
    await fixture.close();
  }
});

test('one connection at a time', async () => {
  const fixture = await createServiceFixture();
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'info');
    await assert.rejects(
      fixture.service.connect('Office', 'info'),
      (error: unknown) => error instanceof ServiceError && error.code === 'busy',
    );
    await assert.rejects(fixture.service.deleteProfile('Office'), /while it is connected/);
  } finally {
    await fixture.close();
  }
});

test('the log ring keeps the newest records for a UI that joins late', async () => {
  const fixture = await createServiceFixture({}, { logCapacity: 5 });
  try {
    await storeBoth(fixture);
    await fixture.service.connect('Office', 'debug');
    await phase(fixture, 'connected');
    const all = fixture.messages.flatMap((m) =>
      m.name === 'engine' && m.payload.event.type === 'log' ? [m.payload] : [],
    );
    assert.ok(all.length > 5);
    const { records, lastSeq } = fixture.service.readLogs(-1, 100);
    assert.deepEqual(
      records.map((r) => r.seq),
      all.slice(-5).map((r) => r.seq),
      'the newest five survive',
    );
    assert.ok(lastSeq >= (all.at(-1)?.seq ?? Infinity));
    const second = records[1]?.seq ?? -1;
    assert.deepEqual(
      fixture.service.readLogs(second, 100).records.map((r) => r.seq),
      all.slice(-3).map((r) => r.seq),
    );
    assert.equal(fixture.service.readLogs(-1, 2).records.length, 2);

    const exported = fixture.service.exportLogs('text');
    assert.equal(exported.lines, 5);
    assert.match(exported.text, /^\d{4}-\d\d-\d\dT\S+Z (INFO |DEBUG) /m);
    assert.match(exported.suggestedName, /^roadwarrior-.*\.log$/);
  } finally {
    await fixture.close();
  }
});
