// The client key's passphrase in the CLI comes from --key-passphrase-file first, then from the
// keychain entry the desktop saves (bound to the profile's gateway and group), and only then
// from the terminal: with no terminal, the error names --key-passphrase-file. A saved passphrase
// that does not open the profile's key (the key was replaced) is not used. The stderr lines
// name where the passphrase came from, never the passphrase.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { FILE_FLAGS, cliCredentials } from '../../app/cli/credentials.js';
import { openKeychain, savedSecret } from '../../app/cli/saved-secrets.js';
import { EngineError } from '../../app/engine/api.js';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';

const SAVED = 'saved-key-passphrase-6a1f';
const IN_FILE = 'file-key-passphrase-0c9d';

/** No managed profiles, stderr recorded, a directory removed after the test. */
async function setUp(t: TestContext): Promise<{ stderr: string[]; dir: string }> {
  process.env.ROADWARRIOR_MANAGED_PROFILES = '/nonexistent/roadwarrior-managed';
  const stderr: string[] = [];
  t.mock.method(process.stderr, 'write', (line: string) => stderr.push(line) > 0);
  const dir = await mkdtemp(join(tmpdir(), 'rw-cli-keychain-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { stderr, dir };
}

test('the key passphrase: the file first, then the keychain, then the terminal', async (t) => {
  const { stderr, dir } = await setUp(t);
  const profile = ProfileSchema.parse({ name: 'Cert', gateway: 'gw', group: 'g' });
  const unsaved = ProfileSchema.parse({ ...profile, name: 'Other' });
  // this process's keychain: an in-memory store, opened before the credentials ask for one
  const keychain = await openKeychain(new MemoryCredentialStore());
  await keychain.setFor(profile, 'key-passphrase', Secret.fromString(SAVED));

  const fromKeychain = await cliCredentials({ savedFor: profile }).keyPassphrase?.();
  assert.equal(fromKeychain?.revealString(), SAVED);
  assert.ok(
    stderr.some((line) => line.includes('using the client key passphrase saved in the keychain')),
  );

  const file = join(dir, 'passphrase');
  await writeFile(file, `${IN_FILE}\n`, { mode: 0o600 });
  const credentials = cliCredentials({ savedFor: profile, keyPassphraseFile: file });
  assert.equal((await credentials.keyPassphrase?.())?.revealString(), IN_FILE);

  const error = await cliCredentials({ savedFor: unsaved })
    .keyPassphrase?.()
    .then(
      () => assert.fail('nothing saved and no terminal: expected a failure'),
      (e: unknown) => e,
    );
  assert.ok(error instanceof EngineError && error.code === 'credentials-missing', String(error));
  assert.ok(error.message.includes(FILE_FLAGS.keyPassphrase));

  assert.ok(!stderr.join('').includes(SAVED), 'no passphrase on stderr');
});

test("a saved passphrase that does not open the profile's key is not used: asked instead", async (t) => {
  const { stderr, dir } = await setUp(t);
  const keyFile = join(dir, 'client.key');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: SAVED },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(keyFile, privateKey, { mode: 0o600 });
  const profile = ProfileSchema.parse({
    name: 'Replaced',
    gateway: 'gw',
    group: 'g',
    privateKeyFile: keyFile,
  });
  const keychain = await openKeychain(new MemoryCredentialStore());

  await keychain.setFor(profile, 'key-passphrase', Secret.fromString(SAVED));
  assert.equal((await savedSecret(profile, 'key-passphrase'))?.revealString(), SAVED);

  await keychain.setFor(profile, 'key-passphrase', Secret.fromString(IN_FILE));
  assert.equal(await savedSecret(profile, 'key-passphrase'), undefined);
  assert.ok(
    stderr.some((line) =>
      line.includes(`the client key passphrase saved for "Replaced" does not open ${keyFile}`),
    ),
  );
  assert.ok(!stderr.join('').includes(IN_FILE) && !stderr.join('').includes(SAVED));
});
