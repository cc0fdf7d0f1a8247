// The snapshot launcher keeps NODE_EXTRA_CA_CERTS from node's startup and the snapshot's main
// puts it back (build/extra-ca-certs.mjs): node never loads the file, the process's environment
// still holds the variable for what it starts. A probe entry in place of the CLI's reports it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { snapshotCli } from '../../build/bundle-cli.mjs';

const run = promisify(execFile);
const RESTORE = fileURLToPath(new URL('../../build/extra-ca-certs.mjs', import.meta.url));
// a file node cannot load: node warns on stderr as it starts when it tries
const MISSING_CA = '/nonexistent/roadwarrior-test-ca.pem';
const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
let dir: string;
let fast: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rw-extra-ca-'));
  const entry = join(dir, 'probe-entry.mjs');
  writeFileSync(
    entry,
    `import { startupSnapshot } from 'node:v8';
import { restoreExtraCaCerts } from ${JSON.stringify(RESTORE)};
startupSnapshot.setDeserializeMainFunction(() => {
  restoreExtraCaCerts();
  const { NODE_EXTRA_CA_CERTS: extra = null, ROADWARRIOR_NODE_EXTRA_CA_CERTS: aside = null } = process.env;
  console.log(JSON.stringify({ extra, aside }));
});`,
  );
  fast = await snapshotCli(dir, entry);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('node as such loads NODE_EXTRA_CA_CERTS as it starts (the warning the launcher avoids)', async () => {
  const { stderr } = await run(process.execPath, ['-e', '0'], {
    env: { PATH, NODE_EXTRA_CA_CERTS: MISSING_CA },
  });
  assert.match(stderr, /extra certs/);
});

test('through the launcher node never loads it, and the process has it back', async () => {
  const { stdout, stderr } = await run(fast, [], {
    env: { PATH, NODE_EXTRA_CA_CERTS: MISSING_CA },
  });
  assert.doesNotMatch(stderr, /extra certs/);
  assert.deepEqual(JSON.parse(stdout), { extra: MISSING_CA, aside: null });
});

test('set but empty comes back empty; unset stays unset', async () => {
  const empty = await run(fast, [], { env: { PATH, NODE_EXTRA_CA_CERTS: '' } });
  assert.deepEqual(JSON.parse(empty.stdout), { extra: '', aside: null });
  const unset = await run(fast, [], { env: { PATH } });
  assert.deepEqual(JSON.parse(unset.stdout), { extra: null, aside: null });
});
