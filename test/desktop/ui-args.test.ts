// `roadwarrior ui` flags: what each one turns into, and a clear refusal of bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUiArgs } from '../../app/cli/ui-command.js';

test('no flags: any port, the built renderer, DNS managed, helper chosen by uid', () => {
  assert.deepEqual(parseUiArgs([]), {
    staticDir: undefined,
    skipDns: false,
    helperSocket: undefined,
  });
});

test('every flag reaches the service options', () => {
  assert.deepEqual(
    parseUiArgs([
      '--port',
      '8443',
      '--static-dir',
      '/tmp/ui',
      '--no-dns',
      '--helper',
      '/run/rw.sock',
    ]),
    { port: 8443, staticDir: '/tmp/ui', skipDns: true, helperSocket: '/run/rw.sock' },
  );
});

test('a bad port or an unknown flag is refused with the reason', () => {
  assert.throws(() => parseUiArgs(['--port', '70000']), /--port must be 0\.\.65535, not 70000/);
  assert.throws(() => parseUiArgs(['--port', 'http']), /--port must be/);
  assert.throws(() => parseUiArgs(['--script', '/tmp/x']), /Unknown option '--script'/);
});
