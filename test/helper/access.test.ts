// Who may open tunnels: by default root and the members of one group, with the socket file
// itself 0660 root:group so the kernel turns others away; a helper that must accept others at
// the socket (uid rules) refuses them itself, with a reason naming the group, and logs refusals
// at a bounded rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { accessProblem, resolveAccess } from '../../app/helper/access.js';
import { groupId } from '../../app/helper/peer-credentials.js';
import {
  REFUSALS_PER_WINDOW,
  REFUSAL_WINDOW_MS,
  RefusalLog,
} from '../../app/helper/refusal-log.js';
import { HELPER_PROTOCOL_VERSION } from '../../app/shared/helper-protocol.js';
import { runTs, stopChild } from './support/child.js';
import { NOBODY, startTestHelper } from './support/helper-harness.js';
import { helperArgs, tempSocket } from './support/temp-socket.js';
import { reportSkippedSuite } from '../support/interop.js';
import { rootLabSkipReason } from './support/root-lab.js';

/** these tests run as root: other users through setpriv, files owned by others, /run */
const ROOT = { skip: rootLabSkipReason() ?? false };
reportSkippedSuite('helper access rules', rootLabSkipReason());

const v = HELPER_PROTOCOL_VERSION;
const VPN_GID = 4250;
const MEMBER = 4251;
const OPEN = JSON.stringify([
  { v, id: 1, method: 'openIke', options: { gateway: '198.51.100.1' } },
]);

/** `openIke` as `uid` (with these supplementary groups): the answers, or the connect error. */
async function openAs(socketPath: string, uid: number, groups?: number[]) {
  const run = runTs('./raw-client-cli.ts', [socketPath, OPEN], { uid, groups });
  const { code } = await run.exited;
  return { code, stdout: run.stdout.join('\n'), stderr: run.stderr.join('\n') };
}

test('access rules: root, listed uids and group members (primary or supplementary) only', () => {
  const access = resolveAccess({ group: 'vpn', uids: [4300] }, (name) =>
    name === 'vpn' ? VPN_GID : undefined,
  );
  const peer = (uid: number, gid: number, groups: number[] = []) => ({ pid: 1, uid, gid, groups });
  assert.equal(accessProblem(access, peer(0, 0)), undefined);
  assert.equal(accessProblem(access, peer(4300, 4300)), undefined);
  assert.equal(accessProblem(access, peer(MEMBER, MEMBER, [27, VPN_GID])), undefined);
  assert.equal(accessProblem(access, peer(MEMBER, VPN_GID)), undefined);
  assert.equal(
    accessProblem(access, peer(NOBODY, NOBODY, [27])),
    "uid 65534 may not use the Roadwarrior helper: only root, uid 4300 and members of group vpn may open tunnels; an administrator adds a user with: usermod -aG vpn USER (effective at the user's next login)",
  );
  const missing = resolveAccess({ group: 'no-such-group', uids: [] }, () => undefined);
  assert.match(
    accessProblem(missing, peer(MEMBER, MEMBER)) ?? '',
    /only root may open tunnels \(group no-such-group does not exist\)$/,
  );
});

test('refusals are logged at most 5 per uid per minute, then counted', () => {
  let now = 0;
  const lines: string[] = [];
  const log = new RefusalLog(
    (_level, message) => lines.push(message),
    () => now,
  );
  for (let i = 0; i < REFUSALS_PER_WINDOW + 3; i++) log.refused(NOBODY, `refused ${i}`);
  log.refused(1000, 'refused other');
  assert.deepEqual(lines, [
    'refused 0',
    'refused 1',
    'refused 2',
    'refused 3',
    'refused 4',
    'further refusals of uid 65534 are not logged for a minute',
    'refused other',
  ]);
  now += REFUSAL_WINDOW_MS;
  log.refused(NOBODY, 'refused later');
  assert.deepEqual(lines.slice(-2), [
    '3 more refusals of uid 65534 were not logged',
    'refused later',
  ]);
});

test(
  'group rule: the socket is 0660 root:group; a member opens a tunnel, others get EACCES',
  ROOT,
  async (t) => {
    const lab = await startTestHelper({ access: { group: String(VPN_GID), uids: [] } });
    t.after(() => lab.stop());
    const socket = await stat(lab.socketPath);
    assert.equal(socket.mode & 0o777, 0o660);
    assert.equal(socket.gid, VPN_GID);
    assert.equal(socket.uid, 0);

    const member = await openAs(lab.socketPath, MEMBER, [VPN_GID]);
    assert.equal(member.code, 0, member.stderr);
    assert.match(member.stdout, /"type":"opened"/);

    const stranger = await openAs(lab.socketPath, NOBODY);
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, /EACCES/);
    assert.equal(lab.dataPlane.channels.length, 1, 'only the member reached the data plane');
  },
);

test(
  'a user outside the rules who reaches the socket is refused with the cause, logged at a bounded rate',
  ROOT,
  async (t) => {
    // a uid rule makes the socket 0666: the helper itself must turn the others away
    const lab = await startTestHelper({ access: { group: String(VPN_GID), uids: [4300] } });
    t.after(() => lab.stop());
    assert.equal((await stat(lab.socketPath)).mode & 0o777, 0o666);
    const attempts = REFUSALS_PER_WINDOW + 2;
    for (let i = 0; i < attempts; i++) {
      const stranger = await openAs(lab.socketPath, NOBODY);
      assert.equal(stranger.code, 0, stranger.stderr);
      assert.equal(
        stranger.stdout,
        JSON.stringify({
          v,
          type: 'error',
          id: null,
          code: 'forbidden',
          message: `uid 65534 may not use the Roadwarrior helper: only root, uid 4300 and members of group ${VPN_GID} may open tunnels; an administrator adds a user with: usermod -aG ${VPN_GID} USER (effective at the user's next login)`,
        }),
      );
    }
    await lab.waitForLog(/further refusals of uid 65534 are not logged/);
    const refusals = lab.logs.filter((entry) =>
      /refused connection from uid 65534/.test(entry.message),
    );
    assert.equal(refusals.length, REFUSALS_PER_WINDOW, 'the rest were counted, not logged');
    assert.ok(refusals.every((entry) => entry.level === 'warn'));
    assert.equal(lab.dataPlane.channels.length, 0);

    // what the app's helper client makes of it: unavailable to this user, with the helper's words
    const app = runTs('./tunnel-client-process.ts', [lab.socketPath, '198.51.100.1', 'rw7'], {
      uid: NOBODY,
    });
    assert.notEqual((await app.exited).code, 0);
    assert.match(
      app.stderr.join('\n'),
      /privileged helper refused: uid 65534 may not use the Roadwarrior helper: only root, uid 4300 and members of group 4250 may open tunnels/,
    );
    assert.match(app.stderr.join('\n'), /code: 'helper-unavailable'/);

    const member = await openAs(lab.socketPath, MEMBER, [VPN_GID]);
    assert.match(member.stdout, /"type":"opened"/);
  },
);

test(
  'default `roadwarrior helper`: root and group roadwarrior only, never every local user',
  ROOT,
  async (t) => {
    const temp = await tempSocket();
    t.after(() => temp.remove());
    const helper = runTs('./helper-process.ts', helperArgs(temp));
    t.after(() => stopChild(helper));
    const gid = groupId('roadwarrior');
    const listening = await helper.waitForLine(/helper listening on/);
    const socket = await stat(temp.socketPath);
    if (gid === undefined) {
      // this machine has no such group (the package creates it): nobody but root gets in
      assert.match(listening, /only root may open tunnels \(group roadwarrior does not exist\)/);
      assert.equal(socket.mode & 0o777, 0o600);
    } else {
      assert.match(listening, /only root and members of group roadwarrior may open tunnels/);
      assert.equal(socket.mode & 0o777, 0o660);
      assert.equal(socket.gid, gid);
    }
    const stranger = await openAs(temp.socketPath, NOBODY);
    assert.match(stranger.stderr, /EACCES/);
    assert.ok(!helper.stdout.some((line) => /^opened/.test(line)), 'no tunnel was opened');
  },
);
