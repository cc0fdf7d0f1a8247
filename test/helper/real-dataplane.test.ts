// The helper as root with the real in-process data plane (UDP sockets, TUN, ESP, iproute2
// configuration) inside a network namespace, driven by an app running as `nobody`: traffic is
// encrypted for the unprivileged app, and whichever side is killed with SIGKILL, the
// namespace's links, addresses and routes come back to what they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { isDeepStrictEqual, promisify } from 'node:util';
import { type ChildRun, runTs, stopChild } from './support/child.js';
import { createLab } from '../dataplane/netconfig-support/lab.js';
import { tempSocket } from './support/temp-socket.js';

const run = promisify(execFile);
const NOBODY = 65534;
const GATEWAY = '192.0.2.1';
const RESTORE_BUDGET_MS = 5000;

async function waitUntil(
  what: string,
  budgetMs: number,
  check: () => Promise<boolean>,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > budgetMs) throw new Error(`${what} not within ${budgetMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

async function setUp(t: { after(fn: () => Promise<void>): void }) {
  // eth0 192.0.2.2/24 towards a "gateway" 192.0.2.1 that never answers
  const lab = await createLab('helper');
  t.after(() => lab.destroy());
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const tunName = `rwh${process.pid % 100000}`;
  const helperArgs = [
    ...['--socket', temp.socketPath, '--state-dir', temp.dir, '--log-level', 'debug'],
    ...['--allow-uid', String(NOBODY)],
  ];
  const startHelper = async () => {
    const helper = runTs('./real-helper-process.ts', helperArgs, {
      command: ['ip', 'netns', 'exec', lab.ns],
    });
    t.after(() => stopChild(helper));
    await helper.waitForLine(/helper listening on/);
    return helper;
  };
  const startApp = async (): Promise<ChildRun> => {
    const app = runTs('./tunnel-client-process.ts', [temp.socketPath, GATEWAY, tunName], {
      uid: NOBODY,
    });
    t.after(() => stopChild(app));
    await app.waitForLine(/^configured /);
    return app;
  };
  return { lab, tunName, startHelper, startApp, before: await lab.snapshot() };
}

test('SIGKILL of the app: the helper restores links, addresses and routes within 5 s', async (t) => {
  const { lab, tunName, startHelper, startApp, before } = await setUp(t);
  const helper = await startHelper();
  const app = await startApp();

  assert.match(await lab.ip('-br', 'addr', 'show', 'dev', tunName), /198\.19\.7\.2/);
  assert.match(await lab.ip('route', 'show', '198.19.0.0/16'), new RegExp(`dev ${tunName}`));
  // traffic into the tunnel is encrypted by the helper for the unprivileged app
  const ping = ['ping', '-c3', '-i0.2', '-W1', '198.19.0.1'];
  // nobody answers: the gateway is a dummy
  await run('ip', ['netns', 'exec', lab.ns, ...ping]).catch(() => undefined);
  await app.waitForLine(/^event \{"type":"counters".*"packetsOut":[3-9]/, 5000);

  app.child.kill('SIGKILL');
  const restoredMs = await waitUntil('network restored', RESTORE_BUDGET_MS, async () =>
    isDeepStrictEqual(await lab.snapshot(), before),
  );
  t.diagnostic(`network restored ${restoredMs} ms after SIGKILL of the app`);
  await helper.waitForLine(/closed \(client disconnected\)/);
});

test('SIGKILL of the helper: the app is told, and the next helper cleans up what was left', async (t) => {
  const { lab, tunName, startHelper, startApp, before } = await setUp(t);
  const first = await startHelper();
  const app = await startApp();
  assert.match(await lab.ip('route', 'show', '198.19.0.0/16'), new RegExp(`dev ${tunName}`));

  first.child.kill('SIGKILL');
  await app.waitForLine(/^event \{"type":"failure","code":"helper-lost"/, 3000);
  // the TUN died with its owner, but the host route to the gateway (on the uplink) is left
  assert.notDeepEqual(await lab.snapshot(), before);

  const second = await startHelper();
  await second.waitForLine(/restored what a previous run left/);
  assert.deepEqual(await lab.snapshot(), before);
});
