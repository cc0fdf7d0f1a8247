// A warning event on the CLI: one line on stderr (the human renderer writes there), the event
// itself under --json.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanRenderer, jsonRenderer } from '../../app/cli/render.js';
import { WarningEventSchema, type WarningEvent } from '../../app/shared/events.js';

const event: WarningEvent = {
  type: 'warning',
  at: 1,
  code: 'pfs-off',
  message: 'Perfect forward secrecy is off.',
};

test('a warning is one human line with its stable code', () => {
  const lines: string[] = [];
  humanRenderer((line) => lines.push(line), 'error')(event);
  assert.deepEqual(lines, ['warning (pfs-off): Perfect forward secrecy is off.\n']);
});

test('--json carries the warning event as it is', () => {
  const lines: string[] = [];
  jsonRenderer((line) => lines.push(line))(event);
  assert.equal(lines.length, 1);
  assert.deepEqual(WarningEventSchema.parse(JSON.parse(lines[0] ?? '')), event);
});
