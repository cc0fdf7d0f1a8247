// The bundled CLI (build/bundle-cli.mjs, what `npm run bench` and packaging start cold) works
// on its own: it runs without tsx and finds both Node-API addons where its modules look.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleCli } from '../../build/bundle-cli.mjs';

const run = promisify(execFile);
let dir: string;
let cli: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rw-bundle-'));
  cli = (await bundleCli(dir)) as string;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the bundle prints the usage without tsx', async () => {
  const { stdout } = await run(process.execPath, [cli, '--help'], {
    env: { PATH: '/usr/bin:/bin' },
  });
  assert.match(stdout, /roadwarrior connect --gateway HOST/);
  assert.match(stdout, /roadwarrior helper/);
});

test('a broken profile fails with the cause, through the bundled engine', async () => {
  const failed = await run(process.execPath, [
    cli,
    'connect',
    '--profile',
    join(dir, 'missing.json'),
  ]).then(
    () => assert.fail('connect with a missing profile must fail'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^roadwarrior: config-invalid: .*missing\.json/m);
});

test('both addons sit where the bundled modules resolve them, and load', () => {
  for (const name of ['tun.node', 'peer_credentials.node']) {
    const module = { exports: {} as Record<string, unknown> };
    process.dlopen(module, join(dir, 'native/build/Release', name));
    assert.ok(Object.keys(module.exports).length > 0, `${name} exports its functions`);
  }
});
