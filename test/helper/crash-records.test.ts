// Crash records are replayed as root: only a regular file owned by root with mode 0600, opened
// without following a symlink, is believed, and a recorded vpnc-script must still pass the
// helper's script policy. A planted symlink, a foreign-owned or a 0644 record is left alone and
// reported; a good one is replayed and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupStale } from '../../app/dataplane/index.js';
import { CrashRecordFile } from '../../app/dataplane/netconfig/crash-record.js';
import { NOBODY } from './support/helper-harness.js';
import { reportSkippedSuite } from '../support/interop.js';
import { rootLabSkipReason } from './support/root-lab.js';

/** these tests run as root: other users through setpriv, files owned by others, /run */
const ROOT = { skip: rootLabSkipReason() ?? false };
reportSkippedSuite('crash records replayed as root', rootLabSkipReason());

/** a pid that is certainly gone: a child that has exited */
function deadPid(): number {
  const { pid } = spawnSync('true');
  assert.ok(pid !== undefined);
  return pid;
}

/** a root-owned 0755 tree under /run: an admin script directory, a state directory, and the
 * marker file each replayed record's script appends its MARK to */
async function setUp(t: { after(fn: () => Promise<void>): void }) {
  const base = `/run/rw-crash-records-${process.pid}`;
  await rm(base, { recursive: true, force: true });
  const scripts = join(base, 'scripts');
  await mkdir(scripts, { recursive: true, mode: 0o755 });
  await chmod(base, 0o755);
  t.after(() => rm(base, { recursive: true, force: true }));
  const marker = join(base, 'replayed');
  const script = join(scripts, 'mark');
  await writeFile(script, `#!/bin/sh\necho "$reason $MARK" >> '${marker}'\n`, { mode: 0o755 });
  const stateDir = join(base, 'run', 'records');
  const record = (mark: string, scriptPath = script) => ({
    version: 1 as const,
    kind: 'script' as const,
    pid: deadPid(),
    tunName: `rw-${mark}`,
    script: scriptPath,
    env: { reason: 'disconnect', MARK: mark },
  });
  const replayed = async () =>
    (await readFile(marker, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { base, scripts, stateDir, record, replayed };
}

test(
  'records the configurator writes are 0600 in a 0700 directory whose parent stays 0755',
  ROOT,
  async (t) => {
    const { base, stateDir, record } = await setUp(t);
    const file = new CrashRecordFile(stateDir, 'rw0');
    file.write(record('good'));
    assert.equal((await stat(file.path)).mode & 0o7777, 0o600);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    // a root run of the CLI must not make the helper's socket directory unreachable
    assert.equal((await stat(join(base, 'run'))).mode & 0o777, 0o755);
    // a leftover temporary of another mode does not lend it to the record
    await writeFile(`${file.path}.tmp`, 'stale', { mode: 0o644 });
    file.write(record('again'));
    assert.equal((await stat(file.path)).mode & 0o7777, 0o600);
  },
);

test(
  'a planted symlink, a foreign-owned and a 0644 record are ignored and reported; a good one is replayed',
  ROOT,
  async (t) => {
    const { base, stateDir, record, replayed } = await setUp(t);
    const good = new CrashRecordFile(stateDir, 'good');
    good.write(record('good'));

    // the same content, three ways nobody but root should be able to put there
    const outside = join(base, 'elsewhere.json');
    await writeFile(outside, JSON.stringify(record('symlink')), { mode: 0o600 });
    const link = join(stateDir, 'netconfig-1-symlink.json');
    await symlink(outside, link);
    const foreign = join(stateDir, 'netconfig-2-foreign.json');
    await writeFile(foreign, JSON.stringify(record('foreign')), { mode: 0o600 });
    await chown(foreign, NOBODY, NOBODY);
    const readable = join(stateDir, 'netconfig-3-readable.json');
    await writeFile(readable, JSON.stringify(record('readable')));
    await chmod(readable, 0o644);

    const report = await cleanupStale(stateDir);
    assert.deepEqual(await replayed(), ['disconnect good']);
    assert.deepEqual(report.restored, [good.path]);
    assert.deepEqual(
      report.failed.sort(),
      [
        `${link}: ignored, a symbolic link (a crash record must be a root-owned 0600 file)`,
        `${foreign}: ignored, owned by uid ${NOBODY}, not 0 (a crash record must be a root-owned 0600 file)`,
        `${readable}: ignored, mode 0644, not 0600 (a crash record must be a root-owned 0600 file)`,
      ].sort(),
    );
    // left in place for an administrator to look at; the good one is done
    assert.deepEqual((await readdir(stateDir)).sort(), [
      'netconfig-1-symlink.json',
      'netconfig-2-foreign.json',
      'netconfig-3-readable.json',
    ]);
    assert.ok((await stat(outside)).isFile(), 'the symlink target was not touched');
  },
);

test(
  "replay re-checks the script policy: a recorded script outside the helper's directories is not run",
  ROOT,
  async (t) => {
    const { base, scripts, stateDir, record, replayed } = await setUp(t);
    // the same script, copied where no admin policy covers it
    const stray = join(base, 'stray');
    await mkdir(stray, { mode: 0o755 });
    await copyFile(join(scripts, 'mark'), join(stray, 'mark'));
    await chmod(join(stray, 'mark'), 0o755);
    const file = new CrashRecordFile(stateDir, 'stray');
    file.write(record('stray', join(stray, 'mark')));

    const refused = await cleanupStale(stateDir, { scriptDirs: [scripts] });
    assert.deepEqual(await replayed(), []);
    assert.deepEqual(refused.restored, []);
    assert.match(
      refused.failed[0] ?? '',
      /script refused on replay: .*stray\/mark is not inside an admin-owned script directory/,
    );

    // inside the policy it runs
    const allowed = new CrashRecordFile(stateDir, 'allowed');
    allowed.write(record('allowed'));
    const report = await cleanupStale(stateDir, { scriptDirs: [scripts] });
    assert.deepEqual(await replayed(), ['disconnect allowed']);
    assert.deepEqual(report.restored, [allowed.path]);
  },
);
