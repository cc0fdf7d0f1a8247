// The helper's refusals that do not depend on who asks: vpnc-scripts only from admin-owned
// places, no privileged local ports but the IKE ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SCRIPT_DIRS, checkScriptPath, localPortProblem } from '../../app/helper/policy.js';
import { tempSocket } from './support/temp-socket.js';

const NOBODY = 65534;

/** an admin-style script directory under /run (root-owned 0755 all the way up) */
async function adminDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const base = `/run/rw-helper-policy-${process.pid}`;
  const dir = join(base, 'scripts');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(base, 0o755);
  t.after(() => rm(base, { recursive: true, force: true }));
  return dir;
}

test('the system vpnc-script is honoured, by its real path', async () => {
  assert.deepEqual(
    await checkScriptPath('/usr/share/vpnc-scripts/vpnc-script', DEFAULT_SCRIPT_DIRS),
    {
      ok: true,
      path: '/usr/share/vpnc-scripts/vpnc-script',
    },
  );
});

test('paths outside the allowed directories are refused, also when dressed up with ..', async () => {
  for (const path of [
    '/bin/sh',
    '/usr/share/vpnc-scripts/../../../bin/sh',
    '/usr/share/vpnc-scripts-evil/x',
  ]) {
    const verdict = await checkScriptPath(path, DEFAULT_SCRIPT_DIRS);
    assert.equal(verdict.ok, false, path);
  }
  assert.deepEqual(await checkScriptPath('/usr/share/vpnc-scripts/missing', DEFAULT_SCRIPT_DIRS), {
    ok: false,
    reason: '/usr/share/vpnc-scripts/missing does not exist',
  });
});

test('a script in an admin directory is refused unless root owns it and nobody else can write', async (t) => {
  const dir = await adminDir(t);
  const good = join(dir, 'good');
  await writeFile(good, '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(await checkScriptPath(good, [dir]), { ok: true, path: good });

  const userOwned = join(dir, 'user-owned');
  await writeFile(userOwned, '#!/bin/sh\n', { mode: 0o755 });
  await chown(userOwned, NOBODY, NOBODY);
  assert.deepEqual(await checkScriptPath(userOwned, [dir]), {
    ok: false,
    reason: `${userOwned} is owned by uid ${NOBODY}, not root`,
  });

  const groupWritable = join(dir, 'group-writable');
  await writeFile(groupWritable, '#!/bin/sh\n');
  await chmod(groupWritable, 0o775);
  assert.deepEqual(await checkScriptPath(groupWritable, [dir]), {
    ok: false,
    reason: `${groupWritable} is writable by group or others`,
  });

  // a root-owned file below a directory a user could write is not admin-owned either
  const open = join(dir, 'open');
  await mkdir(open, { mode: 0o777 });
  await chmod(open, 0o777);
  await writeFile(join(open, 'script'), '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(await checkScriptPath(join(open, 'script'), [dir]), {
    ok: false,
    reason: `${open} is writable by group or others`,
  });

  await mkdir(join(dir, 'a-directory'));
  assert.match(
    ((await checkScriptPath(join(dir, 'a-directory'), [dir])) as { reason: string }).reason,
    /not a regular file/,
  );
});

test('a symlink in an admin directory counts where it points, not where it sits', async (t) => {
  const dir = await adminDir(t);
  await symlink('/bin/sh', join(dir, 'sneaky'));
  const verdict = await checkScriptPath(join(dir, 'sneaky'), [dir]);
  assert.equal(verdict.ok, false);
  assert.match(
    (verdict as { reason: string }).reason,
    /not inside an admin-owned script directory/,
  );
});

test('an allowed directory below a world-writable one (/tmp) never qualifies', async (t) => {
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const script = join(temp.dir, 'script');
  await writeFile(script, '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(await checkScriptPath(script, [temp.dir]), {
    ok: false,
    reason: '/tmp is writable by group or others',
  });
});

test('only IKE ports, ephemeral and unprivileged local ports may be requested', () => {
  for (const port of [undefined, 0, 500, 4500, 1024, 40000, 65535]) {
    assert.equal(localPortProblem(port), undefined, String(port));
  }
  for (const port of [1, 22, 53, 443, 1023]) {
    assert.match(localPortProblem(port) ?? '', /privileged and not an IKE port/, String(port));
  }
});
