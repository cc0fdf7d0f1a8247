// The deb path as far as this machine allows: the systemd units pass `systemd-analyze verify`,
// the service's own ExecStart arguments work under socket activation (systemd-socket-activate
// plays systemd), and the pkexec wrapper's fixed arguments serve only the invoking user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHelperDataPlane } from '../../app/helper/client.js';
import { HELPER_PROTOCOL_VERSION } from '../../app/shared/helper-protocol.js';
import { runTs, stopChild } from './support/child.js';
import { tempSocket } from './support/temp-socket.js';

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL('../../build/', import.meta.url));
const PACKAGED_SOCKET = '/run/roadwarrior/helper.sock';
const PACKAGED_STATE_DIR = '/run/roadwarrior/records';

/** The `roadwarrior helper ...` arguments of a packaged command line, pointed at test paths. */
function helperArguments(commandLine: string, socketPath: string, stateDir: string): string[] {
  const [, args = ''] = commandLine.split(/\/usr\/bin\/roadwarrior helper\s+/);
  return args
    .trim()
    .split(/\s+/)
    .map((arg) =>
      arg === PACKAGED_SOCKET ? socketPath : arg === PACKAGED_STATE_DIR ? stateDir : arg,
    );
}

test('the systemd units verify cleanly', async (t) => {
  // a scratch root with systemd's own units and a stand-in /usr/bin/roadwarrior
  const root = await mkdtemp(join(tmpdir(), `rw-units-${process.pid}-`));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await writeFile(join(root, 'usr/bin/roadwarrior'), '#!/bin/sh\n', { mode: 0o755 });
  await cp('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  await cp(join(BUILD, 'systemd'), join(root, 'etc/systemd/system'), { recursive: true });
  const { stdout, stderr } = await run('systemd-analyze', [
    'verify',
    '--man=no',
    `--root=${root}`,
    '/etc/systemd/system/roadwarrior-helper.service',
    '/etc/systemd/system/roadwarrior-helper.socket',
  ]);
  assert.equal(stdout + stderr, '', 'no warnings');
  const unit = await readFile(join(BUILD, 'systemd/roadwarrior-helper.service'), 'utf8');
  assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$/m);
  assert.match(unit, /^RuntimeDirectoryPreserve=yes$/m, 'crash records survive a restart');
  const socket = await readFile(join(BUILD, 'systemd/roadwarrior-helper.socket'), 'utf8');
  assert.match(socket, new RegExp(`^ListenStream=${PACKAGED_SOCKET}$`, 'm'));
});

test('socket activation: the service ExecStart arguments serve a client on the inherited socket', async (t) => {
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const unit = await readFile(join(BUILD, 'systemd/roadwarrior-helper.service'), 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const args = helperArguments(execStart, temp.socketPath, temp.dir);
  assert.deepEqual(args, ['--socket', temp.socketPath, '--state-dir', temp.dir]);
  const activator = runTs('./helper-process.ts', args, {
    command: ['systemd-socket-activate', '-l', temp.socketPath],
  });
  t.after(() => stopChild(activator));
  await activator.waitForLine(/Listening on .* as 3/);
  assert.equal(activator.stdout.length, 0, 'the helper starts only on the first connection');

  const channel = await createHelperDataPlane({ socketPath: temp.socketPath }).openIke({
    gateway: '198.51.100.1',
  });
  await activator.waitForLine(/helper listening on/);
  const echoed = new Promise<Buffer>((resolve) => channel.onPacket(resolve));
  channel.send(Buffer.from('socket activated'), 'ike');
  assert.equal((await echoed).toString(), 'socket activated');
  await channel.close();
  await activator.waitForLine(/^closed 0$/);

  activator.child.kill('SIGTERM');
  assert.deepEqual(await activator.exited, { code: 0, signal: null });
});

test('pkexec path: the wrapper takes no user arguments; its helper serves only PKEXEC_UID', async (t) => {
  const wrapper = join(BUILD, 'polkit/roadwarrior-helper');
  await assert.rejects(
    run('sh', [wrapper, '--socket', '/etc/passwd']),
    (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /takes no arguments/);
      return true;
    },
  );
  const policy = await readFile(join(BUILD, 'polkit/org.roadwarrior.helper.policy'), 'utf8');
  assert.match(policy, /<action id="org\.roadwarrior\.helper">/);
  assert.match(
    policy,
    /<annotate key="org\.freedesktop\.policykit\.exec\.path">\/usr\/lib\/roadwarrior\/roadwarrior-helper<\/annotate>/,
  );

  const temp = await tempSocket();
  t.after(() => temp.remove());
  const execLine = /^exec (.*)$/m.exec(await readFile(wrapper, 'utf8'))?.[1] ?? '';
  const args = helperArguments(execLine, temp.socketPath, temp.dir);
  assert.deepEqual(args, [
    '--socket',
    temp.socketPath,
    '--state-dir',
    temp.dir,
    '--exit-when-idle',
    '60',
  ]);
  const helper = runTs('./helper-process.ts', args, { command: ['env', 'PKEXEC_UID=65534'] });
  t.after(() => stopChild(helper));
  await helper.waitForLine(/helper listening on/);

  const message = JSON.stringify([
    { v: HELPER_PROTOCOL_VERSION, id: 1, method: 'openIke', options: { gateway: '198.51.100.1' } },
  ]);
  const stranger = runTs('./raw-client-cli.ts', [temp.socketPath, message], { uid: 4243 });
  await stranger.exited;
  assert.match(
    stranger.stdout.join('\n'),
    /"code":"forbidden","message":"uid 4243 may not use the Roadwarrior helper: only root and uid 65534 may open tunnels"/,
  );
  await helper.waitForLine(/refused connection from uid 4243 .*only root and uid 65534/);

  const invoker = runTs('./raw-client-cli.ts', [temp.socketPath, message], { uid: 65534 });
  await invoker.exited;
  assert.match(invoker.stdout.join('\n'), /"type":"opened"/);
});

test('--exit-when-idle: an on-demand helper exits once no app has used it for that long', async (t) => {
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const helper = runTs('./helper-process.ts', [
    '--socket',
    temp.socketPath,
    '--state-dir',
    temp.dir,
    '--exit-when-idle',
    '1',
  ]);
  t.after(() => stopChild(helper));
  await helper.waitForLine(/helper listening on/);
  const channel = await createHelperDataPlane({ socketPath: temp.socketPath }).openIke({
    gateway: '198.51.100.1',
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(helper.child.exitCode, null, 'a connected app keeps it alive');
  const closedAt = Date.now();
  await channel.close();
  assert.deepEqual(await helper.exited, { code: 0, signal: null });
  const idle = Date.now() - closedAt;
  assert.ok(idle >= 900 && idle < 3000, `exited ${idle} ms after the last app left`);
  assert.ok(helper.stderr.some((line) => /stopping \(idle\)/.test(line)));
});

test('the socket unit is 0660 root:roadwarrior; the deb creates that group before installing', async (t) => {
  const socket = await readFile(join(BUILD, 'systemd/roadwarrior-helper.socket'), 'utf8');
  assert.match(socket, /^SocketUser=root$/m);
  assert.match(socket, /^SocketGroup=roadwarrior$/m);
  assert.match(socket, /^SocketMode=0660$/m);
  const builder = await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
  assert.match(
    builder,
    /^deb:\n(?: {2}.*\n)*? {2}fpm:\n {4}- --before-install\n {4}- build\/deb\/preinst$/m,
  );

  // the preinst against stand-ins for getent and addgroup: the group is made once, never twice
  const stubs = await mkdtemp(join(tmpdir(), `rw-preinst-${process.pid}-`));
  t.after(() => rm(stubs, { recursive: true, force: true }));
  const calls = join(stubs, 'calls');
  await writeFile(join(stubs, 'getent'), `#!/bin/sh\ngrep -qx "$2" '${stubs}/groups'\n`, {
    mode: 0o755,
  });
  await writeFile(
    join(stubs, 'addgroup'),
    `#!/bin/sh\necho "addgroup $*" >> '${calls}'\necho "$2" >> '${stubs}/groups'\n`,
    { mode: 0o755 },
  );
  await writeFile(join(stubs, 'groups'), 'root\n');
  const env = { PATH: `${stubs}:/usr/bin:/bin` };
  await run('sh', [join(BUILD, 'deb/preinst'), 'install'], { env });
  await run('sh', [join(BUILD, 'deb/preinst'), 'upgrade', '0.1.0'], { env });
  assert.equal(await readFile(calls, 'utf8'), 'addgroup --system roadwarrior\n');
});
