// The CLI's terminal prompt for XAuth rounds beyond the first (issue 15 item 5), on a real
// pseudo-terminal (util-linux `script`): a new PIN is asked twice and typed again when the two
// differ, a passcode round asks by the field's label, and a round that asks nothing shows the
// gateway's message and waits for Enter. Secrets are read without echo: the pty shows none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { XauthRequest } from '../../app/engine/api.js';
import { startPty } from '../support/pty-session.js';

/** Runs one round on a pty, typing each answer once its prompt has appeared, in order. */
async function onTerminal(
  request: XauthRequest,
  answers: [prompt: string, typed: string][],
): Promise<string> {
  const pty = startPty([
    process.execPath,
    '--import',
    'tsx',
    'test/cli/support/xauth-round-on-tty.ts',
    JSON.stringify(request),
  ]);
  try {
    await pty.answer(answers, 20_000);
    await pty.exit;
    return pty.output();
  } finally {
    await pty.kill();
  }
}

function resultOf(output: string): unknown {
  const line = /RESULT (.*)\r?\n/.exec(output);
  assert.ok(line?.[1], `no result in ${JSON.stringify(output)}`);
  return JSON.parse(line[1]);
}

test('new PIN: asked twice, asked again when the two differ, sent once', async () => {
  const output = await onTerminal(
    { round: 2, xauthType: 'generic', fields: ['next-pin'], message: 'Enter a new PIN' },
    [
      ['New PIN: ', '1234'],
      ['Confirm new PIN: ', '1235'],
      ['New PIN: ', '4711'],
      ['Confirm new PIN: ', '4711'],
    ],
  );
  assert.match(output, /Gateway says: Enter a new PIN/);
  assert.match(output, /The two PINs differ; type them again\./);
  assert.deepEqual(resultOf(output), { nextPin: '4711' });
  const terminal = output.slice(0, output.indexOf('RESULT'));
  for (const pin of ['1234', '1235', '4711']) assert.ok(!terminal.includes(pin), 'no PIN echoed');
});

test('a passcode round asks by the field label and never echoes', async () => {
  const output = await onTerminal({ round: 2, xauthType: 'otp', fields: ['passcode'] }, [
    ['Passcode: ', '271828'],
  ]);
  assert.deepEqual(resultOf(output), { passcode: '271828' });
  assert.equal(output.split('271828').length - 1, 1, 'only in the result line');
});

test('a round that asks nothing shows the message and waits for Enter', async () => {
  const output = await onTerminal(
    { round: 2, xauthType: 'generic', fields: [], message: 'Your password expires in 3 days' },
    [['Press Enter to continue', '']],
  );
  assert.match(output, /Gateway says: Your password expires in 3 days/);
  assert.deepEqual(resultOf(output), {});
});
