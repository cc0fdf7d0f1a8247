// SessionCredentials through the VpnService and the fake engine: a group key the user asks to
// save is saved only once phase 1 has accepted it, so a mistyped one is asked for again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptRequest } from '../../app/shared/ui/ipc-schemas.js';
import { Secret } from '../../app/shared/secret.js';
import {
  GATEWAY_SECRETS,
  type ServiceFixture,
  createServiceFixture,
  savedSecret,
} from './support/service-fixture.js';

const { groupPsk, username, password } = GATEWAY_SECRETS;

/** Answers the next group key prompt (not one answered before) with "remember"; its id. */
async function answerGroupKey(
  fixture: ServiceFixture,
  key: string,
  answered?: string,
): Promise<string> {
  const snapshot = await fixture.waitFor(
    'snapshot',
    (s) => s.prompt?.kind === 'group-psk' && s.prompt.id !== answered,
    'a group key prompt',
  );
  const prompt = snapshot.prompt as PromptRequest;
  assert.equal(prompt.canRemember, true);
  fixture.service.answerPrompt({ id: prompt.id, values: { groupPsk: key }, remember: true });
  return prompt.id;
}

async function assertGroupKeyBoundToOffice(fixture: ServiceFixture): Promise<void> {
  assert.deepEqual(await savedSecret(fixture.credentials, 'Office', 'group-psk'), {
    value: groupPsk,
    binding: { gateway: 'vpn.example.com', group: 'staff' },
  });
}

test('a group key saved at the prompt is kept only once phase 1 accepted it', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.service.connect('Office', 'info');
    const first = await answerGroupKey(fixture, 'mistyped group key');
    const failed = await fixture.waitFor('snapshot', (s) => s.phase === 'failed', 'failed');
    assert.equal(failed.failure?.code, 'group-psk-rejected');
    assert.equal(await fixture.credentials.get('Office', 'group-psk'), undefined);

    await fixture.service.connect('Office', 'info');
    await answerGroupKey(fixture, groupPsk, first);
    const xauth = await fixture.waitFor('snapshot', (s) => s.prompt?.kind === 'xauth', 'XAuth');
    fixture.service.answerPrompt({
      id: xauth.prompt?.id ?? '',
      values: { username, password },
      remember: false,
    });
    await fixture.waitFor('notice', (n) => n.code === 'secret-saved', 'the group key saved');
    await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
    await assertGroupKeyBoundToOffice(fixture);
  } finally {
    await fixture.close();
  }
});

/** Answers the XAuth prompt with the right username and password, not remembered. */
async function answerXauth(fixture: ServiceFixture): Promise<void> {
  const xauth = await fixture.waitFor('snapshot', (s) => s.prompt?.kind === 'xauth', 'XAuth');
  fixture.service.answerPrompt({
    id: xauth.prompt?.id ?? '',
    values: { username, password },
    remember: false,
  });
}

for (const [what, change] of [
  ['gateway', { gateway: 'vpn.elsewhere.example' }],
  ['group', { group: 'contractors' }],
] as const) {
  test(`secrets saved for one ${what} are not sent when the profile names another: it asks again`, async () => {
    const fixture = await createServiceFixture();
    try {
      await fixture.service.setCredential('Office', 'group-psk', groupPsk);
      await fixture.service.setCredential('Office', 'xauth-password', password);
      assert.deepEqual(await savedSecret(fixture.credentials, 'Office', 'group-psk'), {
        value: groupPsk,
        binding: { gateway: 'vpn.example.com', group: 'staff' },
      });
      const office = await fixture.service.getProfile('Office');
      await fixture.service.saveProfile({ ...office, ...change }, 'Office');
      const status = await fixture.service.credentialStatus('Office');
      assert.equal(status.groupPsk, false, 'not "saved" for the new gateway and group');
      assert.equal(status.xauthPassword, false);

      await fixture.service.connect('Office', 'info');
      // the prompt comes before anything was sent: the saved key stays home
      await answerGroupKey(fixture, groupPsk);
      await answerXauth(fixture);
      await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
      const sent = fixture.gateway.current?.received.map((s) => s.revealString());
      assert.deepEqual(sent, [groupPsk, password], 'only what the user typed this time');
      assert.ok(
        fixture.messages.some(
          (m) =>
            m.name === 'engine' &&
            m.payload.event.type === 'log' &&
            /saved for gateway vpn\.example\.com, group "staff".*asking again/.test(
              m.payload.event.message,
            ),
        ),
      );
    } finally {
      await fixture.close();
    }
  });
}

test('a secret saved before secrets were bound is bound to the profile at its first use', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    await fixture.service.connect('Office', 'info');
    await answerXauth(fixture);
    await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
    await assertGroupKeyBoundToOffice(fixture);
  } finally {
    await fixture.close();
  }
});

test('the secrets the engine held are zeroed when the session ends', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.service.setCredential('Office', 'group-psk', groupPsk);
    await fixture.service.connect('Office', 'info');
    await answerXauth(fixture);
    await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
    const held = fixture.gateway.current?.received ?? [];
    assert.equal(held.length, 2);
    const buffers = held.map((secret) => secret.reveal());
    assert.deepEqual(
      buffers.map((b) => new TextDecoder().decode(b)),
      [groupPsk, password],
    );

    await fixture.service.disconnect();
    for (const bytes of buffers)
      assert.ok(
        bytes.every((b) => b === 0),
        'zeroed in place',
      );
    assert.ok(held.every((secret) => secret.wiped));
    assert.throws(() => held[0]?.reveal(), /wiped/);
  } finally {
    await fixture.close();
  }
});
