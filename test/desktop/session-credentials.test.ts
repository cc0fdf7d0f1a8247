// SessionCredentials through the VpnService and the fake engine: a group key the user asks to
// save is saved only once phase 1 has accepted it, so a mistyped one is asked for again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptRequest } from '../../app/shared/ipc-schemas.js';
import {
  GATEWAY_SECRETS,
  type ServiceFixture,
  createServiceFixture,
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
    assert.equal((await fixture.credentials.get('Office', 'group-psk'))?.revealString(), groupPsk);
  } finally {
    await fixture.close();
  }
});
