// The helper (root) opens its TUN with IFF_TUN_EXCL: a caller naming a device that exists
// already (here the lab's persistent rw0, attached to nobody) is refused instead of having
// root attach to it and configure it, and the namespace is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportSkippedSuite } from '../support/interop.js';
import { createLab } from '../dataplane/netconfig-support/lab.js';
import { runTs, stopChild } from './support/child.js';
import { NOBODY } from './support/helper-harness.js';
import { rootLabSkipReason } from './support/root-lab.js';
import { helperArgs, tempSocket } from './support/temp-socket.js';

const skip = rootLabSkipReason();
reportSkippedSuite('helper: TUN opened exclusively', skip);

if (skip === undefined) {
  test('naming an existing TUN device fails; root never attaches to it', async (t) => {
    const lab = await createLab('excl');
    t.after(() => lab.destroy());
    const temp = await tempSocket();
    t.after(() => temp.remove());
    const before = await lab.snapshot();
    const helper = runTs(
      './real-helper-process.ts',
      helperArgs(temp, '--allow-uid', String(NOBODY)),
      { command: ['ip', 'netns', 'exec', lab.ns] },
    );
    t.after(() => stopChild(helper));
    await helper.waitForLine(/helper listening on/);

    const app = runTs('./tunnel-client-process.ts', [temp.socketPath, '192.0.2.1', 'rw0'], {
      uid: NOBODY,
    });
    t.after(() => stopChild(app));
    const { code } = await app.exited;
    assert.notEqual(code, 0, app.stdout.join('\n'));
    assert.match(
      app.stderr.join('\n'),
      /cannot open TUN device rw0: the name is in use by another device/,
    );
    assert.ok(!app.stdout.some((line) => line.startsWith('configured ')));
    await helper.waitForLine(/configureNetwork for uid 65534 .* failed: .*name is in use/);
    assert.deepEqual(await lab.snapshot(), before, 'rw0 and the routes are untouched');
  });
}
