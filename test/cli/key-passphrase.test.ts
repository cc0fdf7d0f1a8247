// The client key's passphrase on the command line (xauth-rsa with an encrypted key): from
// --key-passphrase-file, wiped with the other secrets when the connection ends; with neither a
// file nor a terminal, the error names the option that gives it, and every option such an error
// names exists. No secret is in any error message.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONNECT_OPTIONS, CONNECT_USAGE } from '../../app/cli/connect-command.js';
import { FILE_FLAGS, cliCredentials } from '../../app/cli/credentials.js';
import { EngineError } from '../../app/engine/api.js';

const PASSPHRASE = 'client-key-passphrase';
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rw-cli-key-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, String(error));
  return error;
}

describe('the client key passphrase in the CLI', () => {
  test('taken from --key-passphrase-file (a trailing newline dropped), wiped at endSession', async () => {
    const file = join(dir, 'key-passphrase');
    await writeFile(file, `${PASSPHRASE}\n`, { mode: 0o600 });
    const { values } = await import('node:util').then(({ parseArgs }) =>
      parseArgs({
        args: ['--key-passphrase-file', file],
        options: CONNECT_OPTIONS,
        strict: true,
      }),
    );
    const credentials = cliCredentials({ keyPassphraseFile: values['key-passphrase-file'] });
    const secret = await credentials.keyPassphrase?.();
    assert.ok(secret);
    const bytes = secret.reveal();
    assert.equal(new TextDecoder().decode(bytes), PASSPHRASE);
    credentials.endSession();
    assert.ok(
      bytes.every((b) => b === 0),
      'zeroed in place',
    );
  });

  test('an unreadable or empty file is credentials-missing, naming the file', async () => {
    const missing = await failure(
      cliCredentials({ keyPassphraseFile: join(dir, 'nowhere') }).keyPassphrase?.() ??
        Promise.resolve(),
    );
    assert.equal(missing.code, 'credentials-missing');
    assert.match(missing.message, /client key passphrase file .*nowhere \(ENOENT\)/);
    await writeFile(join(dir, 'empty'), '');
    const empty = await failure(
      cliCredentials({ keyPassphraseFile: join(dir, 'empty') }).keyPassphrase?.() ??
        Promise.resolve(),
    );
    assert.match(empty.message, /is empty/);
  });

  test('no file and no terminal: the error names --key-passphrase-file, an option connect has', async () => {
    assert.ok(!process.stdin.isTTY, 'the test runs without a terminal on stdin');
    const error = await failure(cliCredentials({}).keyPassphrase?.() ?? Promise.resolve());
    assert.equal(error.code, 'credentials-missing');
    assert.match(
      error.message,
      /Passphrase of the client key is needed .* --key-passphrase-file FILE/,
    );
  });

  test('each option a missing-secret error names is a connect option, in the usage', async () => {
    const named = [
      await failure(cliCredentials({}).groupPsk()),
      await failure(cliCredentials({}).keyPassphrase?.() ?? Promise.resolve()),
      await failure(
        cliCredentials({ username: 'alice' }).xauth(
          { round: 1, xauthType: 'generic', fields: ['password'] },
          new AbortController().signal,
        ),
      ),
    ].map((e) => /with (--[a-z-]+) FILE/.exec(e.message)?.[1]);
    assert.deepEqual(named, [FILE_FLAGS.groupPsk, FILE_FLAGS.keyPassphrase, FILE_FLAGS.password]);
    for (const flag of Object.values(FILE_FLAGS)) {
      assert.ok(flag.slice(2) in CONNECT_OPTIONS, `${flag} is a connect option`);
      assert.ok(CONNECT_USAGE.includes(`${flag} FILE`), `${flag} is in the usage`);
    }
  });

  test('a secret that can only be typed (a token code) says so instead of naming a file', async () => {
    const error = await failure(
      cliCredentials({ username: 'alice' }).xauth(
        { round: 1, xauthType: 'generic', fields: ['passcode'] },
        new AbortController().signal,
      ),
    );
    assert.equal(error.code, 'credentials-missing');
    assert.match(error.message, /can only be typed/);
    assert.doesNotMatch(error.message, /FILE/);
  });
});
