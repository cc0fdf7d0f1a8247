// Where `connect --profile NAME` finds a secret when no file is given: a managed profile's key
// file first, then the keychain (none here: no session bus), else undefined (the prompt asks).
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { savedSecret } from '../../app/cli/saved-secrets.js';
import { ProfileSchema } from '../../app/shared/profile.js';

test('the managed key file, refused when open to all, and no keychain said once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rw-saved-secrets-'));
  const saved = { ...process.env };
  t.after(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });
  process.env.ROADWARRIOR_MANAGED_PROFILES = dir;
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  delete process.env.DISPLAY;
  const lines: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string) => (lines.push(chunk), true));

  await writeFile(join(dir, 'HQ.json'), JSON.stringify({ name: 'HQ', gateway: 'gw', group: 'g' }));
  await writeFile(join(dir, 'HQ.key'), 'admin-key\n', { mode: 0o640 });
  const hq = ProfileSchema.parse({ name: 'HQ', gateway: 'gw', group: 'g' });
  assert.equal((await savedSecret(hq, 'group-psk'))?.revealString(), 'admin-key');
  assert.match(lines.join(''), /using the group key file of the managed profile "HQ"/);

  await chmod(join(dir, 'HQ.key'), 0o644);
  lines.length = 0;
  assert.equal(await savedSecret(hq, 'group-psk'), undefined, 'asked instead');
  const said = lines.join('');
  assert.match(said, /HQ\.key is open to every user \(mode 644\): not used/);
  assert.equal(said.match(/No keychain available/g)?.length, 1);
  lines.length = 0;
  assert.equal(await savedSecret(hq, 'xauth-password'), undefined);
  assert.doesNotMatch(lines.join(''), /No keychain available/, 'said once per process');
  assert.ok(!lines.join('').includes('admin-key'));
});
