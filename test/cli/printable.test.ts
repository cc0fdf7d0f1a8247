// Issue 11 part 5: gateway-chosen text (banner, XAUTH_MESSAGE, notification data quoted in a
// log or error line) is printed without C0/C1 control characters, newlines kept; --json keeps
// the value but escapes C1 too, so no raw escape sequence reaches the terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, terminalSafeJson } from '../../app/cli/printable.js';
import { failureLine, humanRenderer, jsonRenderer } from '../../app/cli/render.js';
import type { EngineEvent } from '../../app/shared/events.js';

// ESC ] 0 ; title BEL (retitle), ESC [ 2 J (clear), CR (overwrite the line), 8-bit CSI, DEL
const HOSTILE = 'Welcome\x1b]0;pwned\x07\x1b[2J\rline\u009b31m two\x7f\nsecond line\ttab';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('printable drops C0, C1 and DEL and keeps newlines', () => {
  assert.equal(printable(HOSTILE), 'Welcome]0;pwned[2Jline31m two\nsecond linetab');
  assert.equal(printable('plain text\nnext'), 'plain text\nnext');
});

test('the human renderer prints a hostile banner, log line and error as text', () => {
  const out: string[] = [];
  const render = humanRenderer((line) => out.push(line), 'debug');
  const events: EngineEvent[] = [
    {
      type: 'network',
      at: 1,
      tunName: 'rw0',
      mtu: 1400,
      dns: [],
      nbns: [],
      splitDns: [],
      splitInclude: [],
      splitExclude: [],
      banner: HOSTILE,
      changes: [],
    },
    { type: 'log', at: 1, level: 'info', phase: 'xauth', message: `gateway says ${HOSTILE}` },
    {
      type: 'error',
      at: 1,
      code: 'xauth-rejected',
      message: `rejected: ${HOSTILE}`,
      failedAt: 'xauth',
      fatal: true,
    },
  ];
  for (const event of events) render(event);
  const text = out.join('');
  assert.ok(!CONTROL.test(text), JSON.stringify(text));
  assert.match(text, /gateway banner:\n {2}Welcome\]0;pwned\[2Jline31m two\n {2}second linetab/);
  assert.ok(!CONTROL.test(failureLine(undefined, { code: 'x', message: HOSTILE })));
});

test('--json escapes C1 as well as C0, and parses back to the same text', () => {
  const out: string[] = [];
  const event: EngineEvent = {
    type: 'log',
    at: 1,
    level: 'info',
    phase: 'xauth',
    message: HOSTILE,
  };
  jsonRenderer((line) => out.push(line))(event);
  const line = out.join('');
  assert.ok(!CONTROL.test(line.slice(0, -1)), 'nothing raw but the final newline');
  assert.deepEqual(JSON.parse(line), event);
  assert.equal(terminalSafeJson('\u009b'), '"\\u009b"');
});
