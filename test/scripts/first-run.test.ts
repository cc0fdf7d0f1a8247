// The README's first two lines as a normal user (issue #10): each script asks for root only for
// what needs it, through sudo, and says in one line what to do where there is no sudo (a fresh
// Debian). Run as `nobody` (when the tests run as root) against a PATH of stand-ins: a `sudo`
// that records how it was called, a `dpkg-query` that reports packages present or missing, a
// `node` that records its uid and test files. The real sudo path was tried by hand (README).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOBODY = 65534;
const scratch = mkdtempSync(join(tmpdir(), 'rw-first-run-'));
chmodSync(scratch, 0o777);
after(() => rmSync(scratch, { recursive: true, force: true }));
/** what the stand-ins record, one line per call */
const RECORD = join(scratch, 'calls');

/** the programs the scripts use before any stand-in matters */
const TOOLS = ['bash', 'sh', 'dirname', 'id', 'cat', 'grep', 'env', 'find', 'sort'];

interface Stand {
  sudo?: boolean;
  /** dpkg-query's answer for every package */
  packages?: 'installed' | 'missing';
  node?: boolean;
}

/** A PATH with the basic tools and the chosen stand-ins, and nothing else (no real sudo). */
function path(stand: Stand): string {
  const bin = mkdtempSync(join(scratch, 'bin-'));
  chmodSync(bin, 0o755);
  for (const tool of TOOLS) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const script = (name: string, body: string) =>
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  // a sudo that does not elevate: it records its arguments and runs nothing
  if (stand.sudo) script('sudo', `echo "sudo $*" >> '${RECORD}'`);
  if (stand.packages === 'installed') script('dpkg-query', "printf 'install ok installed'");
  if (stand.packages === 'missing') script('dpkg-query', 'exit 1');
  if (stand.node)
    script(
      'node',
      `echo "node uid=$(id -u) $(for a; do case $a in test/*) echo "$a"; break;; esac; done)" >> '${RECORD}'`,
    );
  return bin;
}

interface Outcome {
  code: number;
  stderr: string;
  calls: string[];
}

/** Runs a script of scripts/ as nobody (or as the current user when that is not root). */
async function runScript(script: string, args: string[], stand: Stand): Promise<Outcome> {
  writeFileSync(RECORD, '', { mode: 0o666 });
  chmodSync(RECORD, 0o666);
  const asUser =
    process.getuid?.() === 0
      ? ['/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups']
      : [];
  const [command, ...argv] = [...asUser, '/usr/bin/bash', join('scripts', script), ...args];
  const env = { PATH: path(stand), HOME: scratch };
  const code = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(command!, argv, { cwd: ROOT, env }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stderr }),
    ),
  );
  const calls = readFileSync(RECORD, 'utf8').split('\n').filter(Boolean);
  return { ...code, calls };
}

test('npm run demo as a normal user re-runs itself through sudo, with the same PATH and flags', async () => {
  const stand = { sudo: true };
  const { code, calls } = await runScript('demo.sh', ['--cli'], stand);
  assert.equal(code, 0);
  assert.equal(calls.length, 1, calls.join('\n'));
  assert.match(calls[0]!, /^sudo -- env PATH=\S+ bash scripts\/demo\.sh --cli$/);
});

test('npm run demo as a normal user without sudo: one line, exit 1', async () => {
  const { code, stderr, calls } = await runScript('demo.sh', [], {});
  assert.equal(code, 1);
  assert.equal(
    stderr,
    'the demo needs root (network namespaces, TUN) and sudo is not installed: run it as root\n',
  );
  assert.deepEqual(calls, []);
});

test('install-system-deps as a normal user: nothing missing, nothing asked', async () => {
  const { code, calls } = await runScript('install-system-deps.sh', [], {
    sudo: true,
    packages: 'installed',
  });
  assert.equal(code, 0);
  assert.deepEqual(calls, [], 'no sudo when every package is there');
});

test('install-system-deps as a normal user: missing packages go through sudo, or one line', async () => {
  const withSudo = await runScript('install-system-deps.sh', [], {
    sudo: true,
    packages: 'missing',
  });
  assert.equal(withSudo.code, 0);
  assert.deepEqual(withSudo.calls, ['sudo -- bash scripts/install-system-deps.sh']);
  const without = await runScript('install-system-deps.sh', [], { packages: 'missing' });
  assert.equal(without.code, 1);
  assert.match(
    without.stderr,
    /^missing system packages \(strongswan-charon .*chromium\); installing them needs root and sudo is not installed: run this as root\n$/,
  );
});

test('npm test as a normal user: unit suites as the user, interop suites through sudo', async () => {
  const uid = process.getuid?.() === 0 ? NOBODY : process.getuid?.();
  const { code, stderr, calls } = await runScript('run-tests.sh', ['all'], {
    sudo: true,
    node: true,
  });
  assert.equal(code, 0, stderr);
  assert.equal(calls.length, 3, calls.join('\n'));
  assert.equal(calls[0], 'sudo -v', 'the password is asked for first, not after the unit suites');
  assert.match(calls[1]!, new RegExp(`^node uid=${uid} test/(?!interop/)`), 'unit suites');
  assert.match(calls[2]!, /^sudo -- env PATH=\S+ node --import tsx --test .* test\/interop\//);
  assert.match(stderr, /the interop suites need root .*: they run through sudo/);
});

test('npm test as a normal user without sudo: every suite as the user (interop ones skip loudly)', async () => {
  const { code, calls } = await runScript('run-tests.sh', ['all'], { node: true });
  assert.equal(code, 0);
  assert.equal(calls.length, 1, calls.join('\n'));
});
