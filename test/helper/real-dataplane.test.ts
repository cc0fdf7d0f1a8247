// The helper as root with the real in-process data plane (UDP sockets, TUN, ESP, iproute2
// configuration) inside a network namespace, driven by an app running as `nobody`: traffic is
// encrypted for the unprivileged app, and whichever side is killed with SIGKILL, the
// namespace's links, addresses and routes come back to what they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ChildRun, runTs, stopChild } from './support/child.js';
import { createNetns } from './support/netns.js';
import { tempSocket } from './support/temp-socket.js';

const run = promisify(execFile);
const NOBODY = 65534;
const GATEWAY = '192.0.2.1';
const RESTORE_BUDGET_MS = 5000;

async function waitUntil(what: string, budgetMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > budgetMs) throw new Error(`${what} not within ${budgetMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

async function setUp(t: { after(fn: () => Promise<void>): void }) {
  const netns = await createNetns();
  t.after(() => netns.destroy());
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const tunName = `rwh${process.pid % 100000}`;
  const helperArgs = ['--socket', temp.socketPath, '--state-dir', temp.dir, '--log-level', 'debug'];
  const startHelper = async () => {
    const helper = runTs('./real-helper-process.ts', helperArgs, { command: ['ip', 'netns', 'exec', netns.name] });
    t.after(() => stopChild(helper));
    await helper.waitForLine(/helper listening on/);
    return helper;
  };
  const startApp = async (): Promise<ChildRun> => {
    const app = runTs('./tunnel-client-process.ts', [temp.socketPath, GATEWAY, tunName], { uid: NOBODY });
    t.after(() => stopChild(app));
    await app.waitForLine(/^configured /);
    return app;
  };
  return { netns, tunName, startHelper, startApp, before: await netns.snapshot() };
}

test('SIGKILL of the app: the helper restores links, addresses and routes within 5 s', async (t) => {
  const { netns, tunName, startHelper, startApp, before } = await setUp(t);
  const helper = await startHelper();
  const app = await startApp();

  assert.match(await netns.ip('-br', 'addr', 'show', 'dev', tunName), /198\.19\.7\.2/);
  assert.match(await netns.ip('route', 'show', '198.19.0.0/16'), new RegExp(`dev ${tunName}`));
  // traffic into the tunnel is encrypted by the helper for the unprivileged app
  await run('ip', ['netns', 'exec', netns.name, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '198.19.0.1']).catch(
    () => undefined, // nobody answers: the gateway is a dummy
  );
  await app.waitForLine(/^event \{"type":"counters".*"packetsOut":[3-9]/, 5000);

  const killedAt = Date.now();
  app.child.kill('SIGKILL');
  const restoredMs = await waitUntil('network restored', RESTORE_BUDGET_MS, async () => (await netns.snapshot()) === before);
  t.diagnostic(`network restored ${Date.now() - killedAt} ms after SIGKILL of the app (${restoredMs} ms of polling)`);
  await helper.waitForLine(/closed \(client disconnected\)/);
});

test('SIGKILL of the helper: the app is told, and the next helper cleans up what was left', async (t) => {
  const { netns, tunName, startHelper, startApp, before } = await setUp(t);
  const first = await startHelper();
  const app = await startApp();
  assert.match(await netns.ip('route', 'show', '198.19.0.0/16'), new RegExp(`dev ${tunName}`));

  first.child.kill('SIGKILL');
  await app.waitForLine(/^event \{"type":"failure","code":"helper-lost"/, 3000);
  // the TUN died with its owner, but the host route to the gateway (on the uplink) is left
  assert.notEqual(await netns.snapshot(), before);

  const second = await startHelper();
  await second.waitForLine(/restored what a previous run left/);
  assert.equal(await netns.snapshot(), before);
});
