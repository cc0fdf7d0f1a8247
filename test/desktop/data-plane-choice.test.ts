// The desktop shells run the engine as the user: only root gets the in-process data plane,
// everyone else (and anyone naming a socket) goes through the privileged helper.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDataPlaneFor, dataPlaneKind } from '../../app/main/data-plane-choice.js';

test('root without a socket keeps the data plane in process; users and sockets use the helper', () => {
  assert.equal(dataPlaneKind({ uid: 0 }), 'in-process');
  assert.equal(dataPlaneKind({ uid: 1000 }), 'helper');
  assert.equal(dataPlaneKind({ uid: undefined }), 'helper');
  assert.equal(dataPlaneKind({ uid: 0, helperSocket: '/run/x.sock' }), 'helper');
});

test('a user without a running helper gets an error naming the socket, not a crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-choice-'));
  try {
    const socket = join(dir, 'absent.sock');
    const port = createDataPlaneFor({ uid: 1000, helperSocket: socket })();
    await assert.rejects(port.openIke({ gateway: '192.0.2.1' }), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'helper-unavailable');
      assert.match(error.message, new RegExp(socket.replace(/[.]/g, '\\.')));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
