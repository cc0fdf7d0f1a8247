// Runs in a child process (so its environment decides which Secret Service it sees): exercises
// KeytarCredentialStore and prints one JSON line with what happened. Never prints a secret.
import { KeytarCredentialStore } from '../../../app/main/service/keytar-credential-store.js';
import { Secret } from '../../../app/shared/secret.js';
import { GATEWAY_SECRETS, createServiceFixture } from './service-fixture.js';

const mode = process.argv[2];
const store = new KeytarCredentialStore();

if (mode === 'round-trip') {
  const probe = await store.probe();
  await store.set('Office', 'xauth-password', Secret.fromString('s3cret-value'));
  const readBack = (await store.get('Office', 'xauth-password'))?.revealString() === 's3cret-value';
  const deleted = await store.delete('Office', 'xauth-password');
  const afterDelete = await store.get('Office', 'xauth-password');
  console.log(
    JSON.stringify({ probe, readBack, deleted, goneAfterDelete: afterDelete === undefined }),
  );
} else if (mode === 'store-only') {
  await store.set('Office', 'group-psk', Secret.fromString('group-value'));
  console.log(JSON.stringify({ stored: true }));
} else if (mode === 'no-keychain') {
  const fixture = await createServiceFixture({}, { credentials: store });
  try {
    const snapshot = fixture.service.snapshot();
    await fixture.service.connect('Office', 'info');
    const prompt = await fixture.waitFor(
      'snapshot',
      (s) => s.prompt?.kind === 'group-psk',
      'the group key prompt',
    );
    fixture.service.answerPrompt({
      id: prompt.prompt?.id ?? '',
      values: { groupPsk: GATEWAY_SECRETS.groupPsk },
      remember: false,
    });
    const xauth = await fixture.waitFor(
      'snapshot',
      (s) => s.prompt?.kind === 'xauth',
      'the XAuth prompt',
    );
    const { username, password } = GATEWAY_SECRETS;
    fixture.service.answerPrompt({
      id: xauth.prompt?.id ?? '',
      values: { username, password },
      remember: true,
    });
    const up = await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
    const notices = fixture.messages.flatMap((m) =>
      m.name === 'notice' ? [m.payload.message] : [],
    );
    console.log(
      JSON.stringify({
        keychain: snapshot.keychain,
        canRemember: xauth.prompt?.canRemember,
        phase: up.phase,
        notices,
      }),
    );
  } finally {
    await fixture.close();
  }
}
