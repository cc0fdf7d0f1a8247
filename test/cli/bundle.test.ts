// The bundled CLI (build/bundle-cli.mjs, what `npm run bench` and packaging start cold) works
// on its own: it runs without tsx and finds both Node-API addons where its modules look. Its
// startup snapshot (roadwarrior-fast) behaves as the source CLI does, argument for argument,
// and falls back to the ESM bundle wherever the blob cannot load.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleCli, snapshotCli } from '../../build/bundle-cli.mjs';
import { CLI_ENTRY } from '../support/cli-process.js';

const run = promisify(execFile);
let dir: string;
// no NODE_OPTIONS (the launcher would fall back); node on PATH for the fallback; profiles by
// name are looked up in XDG_CONFIG_HOME, read at run time (the snapshot must not freeze it)
const ENV: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
let cli: string;
let fast: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit code and output of a command that is expected to end by itself. */
function outcome(file: string, args: string[], env: NodeJS.ProcessEnv = ENV): Promise<Outcome> {
  return run(file, args, { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rw-bundle-'));
  ENV.XDG_CONFIG_HOME = dir;
  cli = await bundleCli(dir);
  fast = await snapshotCli(dir);
  writeFileSync(
    join(dir, 'profile.json'),
    JSON.stringify({ name: 't', gateway: '127.0.0.1', group: 'g', username: 'u' }),
  );
  for (const secret of ['psk', 'password'])
    writeFileSync(join(dir, secret), `${secret}\n`, { mode: 0o600 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the bundle prints the usage without tsx', async () => {
  const { stdout } = await run(process.execPath, [cli, '--help'], { env: ENV });
  assert.match(stdout, /^ {2}helper +\S/m);
  const connect = await run(process.execPath, [cli, 'connect', '--help'], { env: ENV });
  assert.match(connect.stdout, /roadwarrior connect --gateway HOST/);
});

test('a broken profile fails with the cause, through the bundled engine', async () => {
  const failed = await outcome(process.execPath, [
    cli,
    'connect',
    '--profile',
    join(dir, 'missing.json'),
  ]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^roadwarrior: config-invalid: .*missing\.json/m);
});

test('the addons sit where the bundled modules resolve them, and load', () => {
  for (const name of [
    'tun.node',
    'peer_credentials.node',
    'raw_ecdsa.node',
    'pkcs12.node',
    'x509_name.node',
  ]) {
    const module = { exports: {} as Record<string, unknown> };
    process.dlopen(module, join(dir, 'native/build/Release', name));
    assert.ok(Object.keys(module.exports).length > 0, `${name} exports its functions`);
  }
});

test('the snapshot CLI answers every argument list as the source CLI does', async () => {
  const cases = [
    ['--help'],
    ['-h'],
    ['--version'],
    [],
    ['frobnicate'],
    ['connect', '--bogus'],
    ['connect', '--help'],
    ['ui', '-h'],
    // node must not take `--` or anything after it for itself
    ['connect', '--', '--help'],
    ['connect', '--profile', join(dir, 'missing.json')],
    ['connect', '--profile', 'by-name'],
    ['connect', '--profile', join(dir, 'profile.json'), '--log-level', 'loud'],
    ['helper', '--bogus'],
  ];
  for (const args of cases) {
    const [snapshot, source] = await Promise.all([
      outcome(fast, args),
      outcome(process.execPath, [CLI_ENTRY, ...args]),
    ]);
    assert.deepEqual(snapshot, source, `roadwarrior ${args.join(' ')}`);
  }
  const help = await outcome(fast, ['connect', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /roadwarrior connect --gateway HOST/);
  const byName = await outcome(fast, ['connect', '--profile', 'by-name']);
  assert.match(byName.stderr, new RegExp(`${dir}/roadwarrior/profiles/by-name\\.json`));
});

/** Runs the CLI until `ready` matches a stdout or stderr line, then SIGINT: its exit code. */
function runUntil(file: string, args: string[], ready: RegExp): Promise<number | null> {
  const child = spawn(file, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${ready} within 10 s: ${output}`));
    }, 10_000);
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`;
        if (ready.test(line)) child.kill('SIGINT');
      });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (ready.test(output)) resolve(code);
      else reject(new Error(`exited ${code} before ${ready}: ${output}`));
    });
  });
}

test('a snapshot connect opens its sockets through the TUN addon beside the blob', async () => {
  const args = [
    'connect',
    '--profile',
    join(dir, 'profile.json'),
    '--group-psk-file',
    join(dir, 'psk'),
    '--password-file',
    join(dir, 'password'),
    '--no-dns',
    '--json',
  ];
  // nothing answers on 127.0.0.1:500: the connect waits in am1-sent until SIGINT cancels it
  assert.equal(await runUntil(fast, args, /"message":"connecting to 127\.0\.0\.1/), 0);
});

test(
  'the snapshot helper loads its peer-credential addon beside the blob',
  { skip: process.getuid?.() !== 0 && 'the helper needs root' },
  async () => {
    const args = ['helper', '--socket', join(dir, 'helper.sock'), '--state-dir', join(dir, 'st')];
    assert.equal(await runUntil(fast, args, /helper listening on/), 0);
  },
);

test('the launcher runs the ESM bundle, with a notice, where the blob cannot load', async () => {
  const expected = await outcome(process.execPath, [CLI_ENTRY, '--help']);
  // V8 flags make node refuse the blob (exit 14): any NODE_OPTIONS goes to the bundle
  const flagged = await outcome(fast, ['--help'], {
    ...ENV,
    NODE_OPTIONS: '--max-old-space-size=300',
  });
  assert.equal(flagged.code, 0);
  assert.equal(flagged.stdout, expected.stdout);
  assert.match(
    flagged.stderr,
    /^roadwarrior: NODE_OPTIONS is set: starting without the startup snapshot\n$/,
  );

  // a copy whose blob came from another node binary (its mtime is not the builder's), then none
  const moved = mkdtempSync(join(tmpdir(), 'rw-bundle-moved-'));
  try {
    cpSync(dir, moved, { recursive: true, preserveTimestamps: true });
    const blob = join(moved, 'roadwarrior.blob');
    const missing = ['connect', '--profile', join(dir, 'missing.json')];
    utimesSync(blob, new Date(), new Date());
    const other = await outcome(join(moved, 'roadwarrior-fast'), missing);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^roadwarrior: .*roadwarrior\.blob was not built by the node at /);
    assert.match(other.stderr, /\nroadwarrior: config-invalid: .*missing\.json/);
    rmSync(blob);
    const none = await outcome(join(moved, 'roadwarrior-fast'), missing);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^roadwarrior: no snapshot at .*roadwarrior\.blob/);
  } finally {
    rmSync(moved, { recursive: true, force: true });
  }
});

test('the snapshot build refuses module-level reads of run-time state', async () => {
  const guard = fileURLToPath(new URL('../../build/snapshot-guard.mjs', import.meta.url));
  const entry = join(dir, 'entry.mjs');
  writeFileSync(join(dir, 'frozen.mjs'), 'export const home = process.env.HOME;\n');
  writeFileSync(
    entry,
    `import { assertNoModuleLevelReads } from ${JSON.stringify(guard)};\nimport './frozen.mjs';\nassertNoModuleLevelReads();\n`,
  );
  await assert.rejects(snapshotCli(join(dir, 'guarded'), entry), /process\.env\.HOME at /);
});
