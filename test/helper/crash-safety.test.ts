// Crash safety: an app killed with SIGKILL gets its tunnel torn down by the helper within
// seconds; a helper killed with SIGKILL is reported to the app, which reconnects once a new
// helper is back (and that helper first cleans up what the dead one left).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHelperDataPlane, waitForHelper } from '../../app/helper/client.js';
import type { DataPlaneEvent } from '../../app/shared/dataplane-port.js';
import { runTs, stopChild } from './support/child.js';
import { freshSa } from './support/fixtures.js';
import { startTestHelper } from './support/helper-harness.js';
import { tempSocket } from './support/temp-socket.js';

const TEARDOWN_BUDGET_MS = 5000;

test('an app killed with SIGKILL mid-session has its tunnel closed within 5 s', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const app = runTs('./client-process.ts', [lab.socketPath]);
  t.after(() => stopChild(app));
  await app.waitForLine(/^opened \d+/);
  const fake = await lab.dataPlane.channel(0);
  assert.equal(fake.closeCalls, 0);

  const killedAt = Date.now();
  app.child.kill('SIGKILL');
  await Promise.race([
    fake.closed,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('tunnel not closed in time')), TEARDOWN_BUDGET_MS),
    ),
  ]);
  const elapsed = Date.now() - killedAt;
  assert.ok(elapsed < TEARDOWN_BUDGET_MS, `closed after ${elapsed} ms`);
  assert.equal(fake.closeCalls, 1);
  await lab.waitForLog(/tunnel 1 of uid 0 .* closed \(client disconnected\)/);
});

test('a helper killed with SIGKILL is reported as helper-lost; the app reconnects to its successor', async (t) => {
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const args = ['--socket', temp.socketPath, '--state-dir', temp.dir, '--log-level', 'debug'];
  const first = runTs('./helper-process.ts', args);
  t.after(() => stopChild(first));
  await first.waitForLine(/helper listening on/);
  assert.ok(first.stdout.includes('cleanup'), 'cleanupStale ran at start');

  const dataPlane = createHelperDataPlane({ socketPath: temp.socketPath, requestTimeoutMs: 5000 });
  const channel = await dataPlane.openIke({ gateway: '198.51.100.1' });
  const events: DataPlaneEvent[] = [];
  channel.onEvent((event) => events.push(event));
  const echoed = new Promise<Buffer>((resolve) => channel.onPacket(resolve));
  channel.send(Buffer.from('c0ffee', 'hex'), 'natt');
  assert.deepEqual(await echoed, Buffer.from('c0ffee', 'hex'));
  await first.waitForLine(/^sent 0 c0ffee$/);

  first.child.kill('SIGKILL');
  await first.exited;
  const deadline = Date.now() + 3000;
  while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'failure');
  assert.ok(events[0]?.type === 'failure' && events[0].code === 'helper-lost');
  await assert.rejects(channel.installSa(freshSa()), { code: 'helper-lost' });
  await channel.close(); // nothing left to close, but it must not throw

  await assert.rejects(dataPlane.openIke({ gateway: '198.51.100.1' }), {
    code: 'helper-unavailable',
  });
  const second = runTs('./helper-process.ts', args); // replaces the dead helper's socket file
  t.after(() => stopChild(second));
  await waitForHelper({ socketPath: temp.socketPath, timeoutMs: 10_000 });
  assert.ok(second.stdout.includes('cleanup'), 'the successor cleaned up first');
  const again = await dataPlane.openIke({ gateway: '198.51.100.1' });
  const echoedAgain = new Promise<Buffer>((resolve) => again.onPacket(resolve));
  again.send(Buffer.from('beef', 'hex'), 'ike');
  assert.deepEqual(await echoedAgain, Buffer.from('beef', 'hex'));

  // SIGTERM: the helper closes every tunnel and exits 0
  second.child.kill('SIGTERM');
  assert.deepEqual(await second.exited, { code: 0, signal: null });
  assert.ok(second.stdout.includes('closed 0'), second.stdout.join('\n'));
  assert.ok(second.stderr.some((line) => /stopping \(SIGTERM\)/.test(line)));
});
