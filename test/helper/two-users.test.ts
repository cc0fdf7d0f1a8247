// The helper as root in a namespace with two unprivileged users of the VPN group and one user
// outside it (issue 11, part 1): the outsider is refused; user B can neither add routes that
// capture user A's tunnel traffic nor name a gateway on 127.0.0.1; A's second set-up is refused
// and, once A is gone, nothing is left behind; crash records planted in the helper's state
// directory (a symlink, a file owned by a user) are ignored while a genuine one is replayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CrashRecordFile } from '../../app/dataplane/netconfig/crash-record.js';
import {
  ClientFrameSchema,
  HELPER_PROTOCOL_VERSION,
  encodeFrame,
} from '../../app/shared/helper-protocol.js';
import type { NetworkSetup } from '../../app/shared/network-setup.js';
import { reportSkippedSuite } from '../support/interop.js';
import { createLab } from '../dataplane/netconfig-support/lab.js';
import { runTs, stopChild } from './support/child.js';
import { SETUP } from './support/fixtures.js';
import { rootLabSkipReason } from './support/root-lab.js';
import { tempSocket } from './support/temp-socket.js';

const v = HELPER_PROTOCOL_VERSION;
const VPN_GID = 4260;
const USER_A = 4261;
const USER_B = 4262;
const OUTSIDER = 4263;
const GATEWAY = '192.0.2.1';
const RESTORE_BUDGET_MS = 5000;

const skip = rootLabSkipReason();
reportSkippedSuite('helper: two users and an outsider in a namespace', skip);

/** a builtin crash record of a dead process whose replay deletes `device` in the namespace */
function deletes(ns: string, device: string) {
  return {
    version: 1 as const,
    kind: 'builtin' as const,
    pid: spawnSync('true').pid ?? 1,
    netns: ns,
    tunName: device,
    journal: [
      {
        what: `${device} added`,
        undo: { program: 'ip' as const, args: ['link', 'del', 'dev', device] },
      },
    ],
  };
}

async function asUser(uid: number, socketPath: string, messages: unknown[], groups = [VPN_GID]) {
  const run = runTs('./raw-client-cli.ts', [socketPath, JSON.stringify(messages)], { uid, groups });
  const { code } = await run.exited;
  return {
    code,
    answers: run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: run.stderr.join('\n'),
  };
}

if (skip === undefined) {
  test('two users and an outsider: access, route capture, second set-up, planted crash records', async (t) => {
    const lab = await createLab('users');
    t.after(() => lab.destroy());
    const temp = await tempSocket();
    t.after(() => temp.remove());
    const stateDir = join(temp.dir, 'records');
    await mkdir(stateDir, { mode: 0o700 });

    // planted: a symlink to a record and a record owned by user A, both deleting the lab's rw0;
    // genuine: the helper's own record of a dead run, deleting a leftover device
    await lab.ip('tuntap', 'add', 'mode', 'tun', 'name', 'rwgood');
    const outside = join(temp.dir, 'planted.json');
    await writeFile(outside, JSON.stringify(deletes(lab.ns, 'rw0')), { mode: 0o600 });
    await symlink(outside, join(stateDir, 'netconfig-1-rw0.json'));
    const owned = join(stateDir, 'netconfig-2-rw0.json');
    await writeFile(owned, JSON.stringify(deletes(lab.ns, 'rw0')), { mode: 0o600 });
    await chown(owned, USER_A, USER_A);
    const genuine = new CrashRecordFile(stateDir, 'rwgood');
    genuine.write(deletes(lab.ns, 'rwgood'));

    const helper = runTs(
      './real-helper-process.ts',
      ['--socket', temp.socketPath, '--state-dir', stateDir, '--allow-group', String(VPN_GID)],
      { command: ['ip', 'netns', 'exec', lab.ns] },
    );
    t.after(() => stopChild(helper));
    await helper.waitForLine(/helper listening on .*only root and members of group 4260/);
    assert.ok(
      helper.stderr.some((line) =>
        line.includes(`restored what a previous run left: ${genuine.path}`),
      ),
    );
    for (const planted of [
      'netconfig-1-rw0.json: ignored, a symbolic link',
      `netconfig-2-rw0.json: ignored, owned by uid ${USER_A}`,
    ]) {
      assert.ok(
        helper.stderr.some((line) => line.includes(planted)),
        `${planted}\n${helper.stderr.join('\n')}`,
      );
    }
    assert.match(
      await lab.ip('-br', 'link', 'show'),
      /^rw0\s/m,
      'the planted records were not replayed',
    );
    assert.doesNotMatch(await lab.ip('-br', 'link', 'show'), /rwgood/, 'the genuine one was');
    const before = await lab.snapshot();

    // the outsider: the socket (0660 root:4260) turns it away before the helper is involved
    const outsider = await asUser(
      OUTSIDER,
      temp.socketPath,
      [{ v, id: 1, method: 'openIke', options: { gateway: GATEWAY } }],
      [],
    );
    assert.notEqual(outsider.code, 0);
    assert.match(outsider.stderr, /EACCES/);

    // user A: a split tunnel to 198.19.0.0/16, and a second set-up on the same tunnel
    const tunA = `rwa${process.pid % 10000}`;
    const appA = runTs('./tunnel-client-process.ts', [temp.socketPath, GATEWAY, tunA, 'twice'], {
      uid: USER_A,
      groups: [VPN_GID],
    });
    t.after(() => stopChild(appA));
    await appA.waitForLine(/^configured /);
    assert.equal(await appA.waitForLine(/^second /), 'second already-configured');
    assert.doesNotMatch(
      await lab.ip('-br', 'link', 'show'),
      new RegExp(`${tunA}x`),
      'no second TUN',
    );
    assert.match(await lab.ip('route', 'show', '198.19.0.0/16'), new RegExp(`dev ${tunA}`));

    // user B: a gateway on 127.0.0.1; then a more specific route into A's network
    const capture: NetworkSetup = {
      ...SETUP,
      tunName: 'rwb0',
      gateway: GATEWAY,
      config: {
        ...SETUP.config,
        splitInclude: [
          {
            network: { address: '198.19.0.0', prefix: 20 },
            protocol: 0,
            sourcePort: 0,
            destinationPort: 0,
          },
        ],
      },
    };
    const b = await asUser(USER_B, temp.socketPath, [
      { v, id: 1, method: 'openIke', options: { gateway: '127.0.0.1' } },
      { v, id: 2, method: 'openIke', options: { gateway: GATEWAY } },
      JSON.parse(
        encodeFrame(ClientFrameSchema, {
          v,
          id: 3,
          method: 'configureNetwork',
          tunnel: 2,
          setup: capture,
        }),
      ),
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.answers[0]?.code, 'gateway-refused');
    assert.match(String(b.answers[0]?.message), /127\.0\.0\.1 is a loopback address/);
    assert.equal(b.answers[1]?.type, 'opened');
    assert.equal(b.answers[2]?.code, 'routes-in-use');
    assert.equal(await lab.ip('route', 'show', '198.19.0.0/20'), '', "B's route was never added");
    assert.doesNotMatch(await lab.ip('-br', 'link', 'show'), /rwb0/);
    await helper.waitForLine(/refused configureNetwork from uid 4262 .*tunnel 1 of another user/);

    // A goes away: everything it had (one TUN, its routes) goes with it, nothing orphaned
    appA.child.kill('SIGKILL');
    const deadline = Date.now() + RESTORE_BUDGET_MS;
    while (!isDeepStrictEqual(await lab.snapshot(), before)) {
      if (Date.now() > deadline) assert.deepEqual(await lab.snapshot(), before, 'left behind');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}
