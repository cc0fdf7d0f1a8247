// A one-time password (profile tokenCode: true) is never replayed by the CLI either: a
// password file would be read again at re-authentication, so connect refuses it, naming why,
// before anything is sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectCommand } from '../../app/cli/connect-command.js';
import { EngineError } from '../../app/engine/api.js';

test('connect refuses --password-file for a profile whose password is one-time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-otp-cli-'));
  try {
    const profile = join(dir, 'token.json');
    writeFileSync(
      profile,
      JSON.stringify({
        name: 'Token',
        gateway: '192.0.2.1',
        group: 'staff',
        username: 'alice',
        tokenCode: true,
      }),
    );
    writeFileSync(join(dir, 'code'), '123456\n');
    await assert.rejects(
      connectCommand(['--profile', profile, '--password-file', join(dir, 'code')]),
      (error: unknown) =>
        error instanceof EngineError &&
        error.code === 'config-invalid' &&
        /one-time \(a token code\): --password-file would send the same code again/.test(
          error.message,
        ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
