// A profile whose password is a token code (tokenCode: true) never takes its password from the
// keychain in the CLI, even one saved before the profile was marked (issue 15 item 6); its
// group key still comes from there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openKeychain, savedSecret } from '../../app/cli/saved-secrets.js';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';

test('a token-code profile: the saved password is not used, the saved group key is', async (t) => {
  process.env.ROADWARRIOR_MANAGED_PROFILES = '/nonexistent/roadwarrior-managed';
  t.mock.method(process.stderr, 'write', () => true);
  const plain = ProfileSchema.parse({ name: 'HQ', gateway: 'gw', group: 'g' });
  const token = ProfileSchema.parse({ ...plain, tokenCode: true });
  // this process's keychain: an in-memory store, opened before savedSecret asks for one
  const keychain = await openKeychain(new MemoryCredentialStore());
  await keychain.setFor(plain, 'xauth-password', Secret.fromString('123456'));
  await keychain.setFor(plain, 'group-psk', Secret.fromString('group key'));

  assert.equal((await savedSecret(plain, 'xauth-password'))?.revealString(), '123456');
  assert.equal(await savedSecret(token, 'xauth-password'), undefined, 'asked instead');
  assert.equal((await savedSecret(token, 'group-psk'))?.revealString(), 'group key');
});
