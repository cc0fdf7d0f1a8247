// The renderer build `roadwarrior ui` serves (issue #10): a missing or out-of-date build in a
// checkout is rebuilt with the checkout's vite; where it cannot be, one line says what to run,
// never a stack trace. The checkouts here are scratch directories with a stand-in vite.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { CommandFailure } from '../../app/cli/subcommand.js';
import { ensureUiBuilt, uiBuildState } from '../../app/cli/ui-build.js';
import { CLI_ENTRY } from '../support/cli-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'rw-ui-build-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let checkouts = 0;

/** A checkout with renderer sources and a vite that writes dist/renderer/index.html (or fails). */
function checkout(vite: 'builds' | 'fails' | 'absent'): string {
  const root = join(scratch, `checkout-${++checkouts}`);
  mkdirSync(join(root, 'app/renderer'), { recursive: true });
  mkdirSync(join(root, 'app/shared'), { recursive: true });
  writeFileSync(join(root, 'app/renderer/main.tsx'), 'export {};\n');
  writeFileSync(join(root, 'vite.config.ts'), 'export default {};\n');
  if (vite !== 'absent') {
    mkdirSync(join(root, 'node_modules/vite/bin'), { recursive: true });
    writeFileSync(
      join(root, 'node_modules/vite/bin/vite.js'),
      vite === 'builds'
        ? `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('dist/renderer', { recursive: true });
writeFileSync('dist/renderer/index.html', process.argv.slice(2).join(' '));\n`
        : `console.error('Could not resolve "./App"'); process.exit(1);\n`,
    );
  }
  return root;
}

/** Sets a file's modification time `seconds` from now. */
function age(file: string, seconds: number): void {
  const when = new Date(Date.now() + seconds * 1000);
  utimesSync(file, when, when);
}

test('missing, then fresh, then stale once a renderer or shared source is newer', () => {
  const root = checkout('builds');
  const out = join(root, 'dist/renderer');
  assert.deepEqual(uiBuildState(out, root), {
    state: 'missing',
    reason: `the UI is not built (${join(out, 'index.html')} is missing)`,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'index.html'), '');
  age(join(out, 'index.html'), 60);
  assert.deepEqual(uiBuildState(out, root), { state: 'fresh' });
  writeFileSync(join(root, 'app/shared/ipc.ts'), 'export {};\n');
  age(join(root, 'app/shared/ipc.ts'), 120);
  assert.deepEqual(uiBuildState(out, root), {
    state: 'stale',
    reason: 'app/shared/ipc.ts changed since the UI was built',
  });
});

test("a missing or stale build of the checkout's own output is rebuilt, saying so in one line", () => {
  const root = checkout('builds');
  const out = join(root, 'dist/renderer/');
  const said: string[] = [];
  ensureUiBuilt(out, (text) => said.push(text), root);
  assert.deepEqual(said, [
    `the UI is not built (${join(out, 'index.html')} is missing): building it (vite build)...\n`,
  ]);
  assert.equal(uiBuildState(out, root).state, 'fresh');

  age(join(out, 'index.html'), -60);
  said.length = 0;
  ensureUiBuilt(out, (text) => said.push(text), root);
  assert.deepEqual(said, [
    'app/renderer/main.tsx changed since the UI was built: building it (vite build)...\n',
  ]);
  said.length = 0;
  ensureUiBuilt(out, (text) => said.push(text), root);
  assert.deepEqual(said, [], 'a fresh build is served as it is');
});

test('a failed rebuild is one line naming the cause and what to run', () => {
  const root = checkout('fails');
  assert.throws(
    () => ensureUiBuilt(join(root, 'dist/renderer'), () => undefined, root),
    (error: unknown) =>
      error instanceof CommandFailure &&
      error.message ===
        'building the UI failed (Could not resolve "./App"): run npm run build:renderer to see why',
  );
});

test('without vite, or for another directory, a missing build is one line; a stale one is served', () => {
  const root = checkout('absent');
  const expected = (dir: string) =>
    `the UI is not built (${join(dir, 'index.html')} is missing): run npm run build:renderer`;
  const own = join(root, 'dist/renderer');
  assert.throws(
    () => ensureUiBuilt(own, () => undefined, root),
    (e: unknown) => e instanceof CommandFailure && e.message === expected(own),
  );
  const elsewhere = join(root, 'elsewhere');
  assert.throws(
    () => ensureUiBuilt(elsewhere, () => undefined, root),
    (e: unknown) => e instanceof CommandFailure && e.message === expected(elsewhere),
  );
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'index.html'), '');
  age(join(root, 'app/renderer/main.tsx'), 60);
  ensureUiBuilt(elsewhere, () => assert.fail('nothing to say'), root);
});

test('roadwarrior ui with no build: exit 1, one line on stderr, no stack trace', async () => {
  const missing = join(scratch, 'no-such-build');
  const failed = await promisify(execFile)(process.execPath, [
    CLI_ENTRY,
    'ui',
    '--static-dir',
    missing,
  ]).then(
    () => assert.fail('roadwarrior ui started without a build'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, '');
  assert.equal(
    failed.stderr,
    `roadwarrior: the UI is not built (${join(missing, 'index.html')} is missing): run npm run build:renderer\n`,
  );
});

test('roadwarrior ui on a port already taken: exit 1, one line on stderr', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const build = join(scratch, 'build');
  mkdirSync(build, { recursive: true });
  writeFileSync(join(build, 'index.html'), '');
  const failed = await promisify(execFile)(
    process.execPath,
    [CLI_ENTRY, 'ui', '--no-dns', '--static-dir', build, '--port', String(port)],
    // no session bus: the keychain probe reaches no real keyring
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
  ).then(
    () => assert.fail('roadwarrior ui served on a taken port'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failed.code, 1);
  assert.equal(
    failed.stderr,
    `roadwarrior: cannot serve the UI on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
  );
});
