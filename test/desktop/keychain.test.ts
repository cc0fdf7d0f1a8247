// KeytarCredentialStore against a real Secret Service (gnome-keyring in its own D-Bus session,
// started by the test), and the path without any: a clear message and prompting instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  inKeyringSession,
  keyringToolsMissing,
  scratchHomeEnv,
} from '../support/keyring-session.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./support/keychain-child.ts', import.meta.url));
const node = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CHILD)}`;

const missing = keyringToolsMissing();

/** `body` in a private session bus with an unlocked gnome-keyring whose files live in a scratch
 * HOME (never the keyring of whoever runs the tests); its stdout. */
async function inScratchKeyring(body: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rw-keychain-'));
  try {
    const { stdout } = await run('dbus-run-session', ['--', 'sh', '-c', inKeyringSession(body)], {
      env: await scratchHomeEnv(dir),
    });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as Record<string, unknown>;
}

test(
  'keytar stores, reads and deletes in a real Secret Service',
  {
    skip: missing ?? false,
    timeout: 60_000,
  },
  async () => {
    const stdout = await inScratchKeyring(`${node} round-trip`);
    assert.deepEqual(lastJsonLine(stdout), {
      probe: { available: true },
      readBack: true,
      deleted: true,
      goneAfterDelete: true,
    });
  },
);

test(
  'keytar entries are the documented service and account, readable by other Secret Service tools',
  { skip: missing ?? false, timeout: 60_000 },
  async () => {
    const stdout = await inScratchKeyring(`${node} store-only
echo "lookup=$(secret-tool lookup service Roadwarrior account Office:group-psk)"`);
    assert.match(stdout, /^lookup=group-value$/m);
  },
);

test(
  'without a Secret Service: a clear message, and connecting still works by asking',
  { timeout: 60_000 },
  async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, 'no-keychain'], {
      env,
      cwd: process.cwd(),
    });
    const result = lastJsonLine(stdout) as {
      keychain: { available: boolean; message: string };
      canRemember: boolean;
      phase: string;
      notices: string[];
    };
    assert.equal(result.keychain.available, false);
    assert.match(
      result.keychain.message,
      /^No keychain available \(.+\): passwords will be asked for each time$/,
    );
    assert.equal(result.canRemember, false, 'no "remember" offered without a keychain');
    assert.equal(result.phase, 'connected');
    assert.deepEqual(
      result.notices,
      [result.keychain.message],
      'told once, and "remember" is ignored',
    );
  },
);
