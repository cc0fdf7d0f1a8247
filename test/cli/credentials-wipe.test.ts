// The CLI's secrets (read from files here) are zeroed in place when the connection is over.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliCredentials } from '../../app/cli/credentials.js';

test('endSession zeroes the group key and the password the engine was given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rw-cli-secrets-'));
  try {
    await writeFile(join(dir, 'psk'), 'group-key\n', { mode: 0o600 });
    await writeFile(join(dir, 'password'), 'p4ssword\n', { mode: 0o600 });
    const credentials = cliCredentials({
      groupPskFile: join(dir, 'psk'),
      passwordFile: join(dir, 'password'),
      username: 'alice',
    });
    const key = await credentials.groupPsk();
    const answer = await credentials.xauth(
      { round: 1, xauthType: 'generic', fields: ['username', 'password'] },
      new AbortController().signal,
    );
    const buffers = [key.reveal(), answer.password?.reveal() ?? new Uint8Array()];
    assert.deepEqual(
      buffers.map((b) => new TextDecoder().decode(b)),
      ['group-key', 'p4ssword'],
    );
    credentials.endSession();
    for (const bytes of buffers) assert.ok(bytes.every((b) => b === 0));
    assert.throws(() => key.reveal(), /wiped/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
