// KeytarCredentialStore against a real Secret Service (gnome-keyring in its own D-Bus session,
// started by the test), and the path without any: a clear message and prompting instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./support/keychain-child.ts', import.meta.url));
const node = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CHILD)}`;

/** A private session bus with an unlocked gnome-keyring; the daemon is killed by its PID. */
const IN_KEYRING_SESSION = (body: string) => `
set -e
printf 'test-login-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
for i in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then break; fi
  sleep 0.05
done
${body}
`;

const missing = ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool'].filter(
  (tool) => !['/usr/bin', '/bin', '/usr/local/bin'].some((dir) => existsSync(`${dir}/${tool}`)),
);

function lastJsonLine(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as Record<string, unknown>;
}

test(
  'keytar stores, reads and deletes in a real Secret Service',
  {
    skip: missing.length
      ? `missing ${missing.join(', ')} (apt-get install dbus gnome-keyring libsecret-tools)`
      : false,
    timeout: 60_000,
  },
  async () => {
    const { stdout } = await run('dbus-run-session', [
      '--',
      'sh',
      '-c',
      IN_KEYRING_SESSION(`${node} round-trip`),
    ]);
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
  { skip: missing.length ? `missing ${missing.join(', ')}` : false, timeout: 60_000 },
  async () => {
    const { stdout } = await run('dbus-run-session', [
      '--',
      'sh',
      '-c',
      IN_KEYRING_SESSION(`${node} store-only
echo "lookup=$(secret-tool lookup service Roadwarrior account Office:group-psk)"`),
    ]);
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
