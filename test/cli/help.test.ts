// `--help` everywhere (issue #10): every subcommand answers `--help`, `-h` and `help NAME` with
// its own usage on stdout and exit 0; a refused command line exits 2 with that usage on stderr;
// each usage names every option its table accepts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CONNECT_OPTIONS, CONNECT_USAGE } from '../../app/cli/connect-command.js';
import { SUBCOMMANDS, main } from '../../app/cli/main.js';
import { UI_OPTIONS, UI_USAGE } from '../../app/cli/ui-command.js';
import { CLI_ENTRY } from '../support/cli-process.js';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** main() in this process, with what it writes captured. */
async function cli(...argv: string[]): Promise<Outcome> {
  const out = { stdout: '', stderr: '' };
  const code = await main(argv, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
  });
  return { code, ...out };
}

/** The roadwarrior command as a process: a subcommand may write its refusal itself. */
function cliProcess(...argv: string[]): Promise<Outcome> {
  return promisify(execFile)(process.execPath, [CLI_ENTRY, ...argv]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const NAMES = Object.keys(SUBCOMMANDS);

test('the subcommands are the ones the README documents', () => {
  for (const name of ['connect', 'helper', 'ui']) assert.ok(NAMES.includes(name), name);
});

for (const name of NAMES) {
  test(`${name}: --help, -h and "help ${name}" print its own usage on stdout, exit 0`, async () => {
    const usage = (await SUBCOMMANDS[name]!.load()).usage;
    assert.match(usage, new RegExp(`^usage: roadwarrior ${name}\\b`));
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
      // help wins over a command line that would be refused
      [name, '--no-such-option', '--help'],
    ]) {
      assert.deepEqual(
        await cli(...argv),
        { code: 0, stdout: `${usage}\n`, stderr: '' },
        argv.join(' '),
      );
    }
  });

  test(`${name}: an unknown option exits 2 with the reason and its usage on stderr`, async () => {
    const usage = (await SUBCOMMANDS[name]!.load()).usage;
    const refused = await cliProcess(name, '--no-such-option');
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /--no-such-option/);
    assert.ok(refused.stderr.includes(usage), refused.stderr);
  });
}

test('roadwarrior --help and -h list every subcommand on stdout, exit 0', async () => {
  for (const flag of ['--help', '-h', 'help']) {
    const { code, stdout, stderr } = await cli(flag);
    assert.equal(code, 0);
    assert.equal(stderr, '');
    for (const name of NAMES) assert.match(stdout, new RegExp(`^  ${name} +\\S`, 'm'), name);
  }
});

test('no subcommand or an unknown one: usage on stderr, exit 2', async () => {
  const bare = await cli();
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, '');
  assert.match(bare.stderr, /usage: roadwarrior COMMAND/);
  for (const argv of [['frobnicate'], ['help', 'frobnicate']]) {
    const unknown = await cli(...argv);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"\n.*usage: roadwarrior COMMAND/s);
  }
});

test('a bad value is refused like an unknown option (exit 2, usage), not with a stack trace', async () => {
  const refused = await cli('ui', '--port', 'http');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^roadwarrior ui: --port must be 0\.\.65535, not http\nusage: /);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
});

test('each usage names every option of its table', () => {
  for (const [usage, options] of [
    [CONNECT_USAGE, CONNECT_OPTIONS],
    [UI_USAGE, UI_OPTIONS],
  ] as const) {
    for (const option of Object.keys(options))
      assert.match(usage, new RegExp(`--${option}\\b`), `--${option}`);
  }
});
