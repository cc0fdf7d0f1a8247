// `roadwarrior connect` as a normal user chooses as the desktop app does: the helper on its
// default socket. With no helper there it fails before a single IKE packet leaves, with one line
// saying what to do (start the helper service, or run as root); before, it ran the whole IKE
// exchange in process and failed at the end with EACCES on /run/roadwarrior.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import type { ErrorEvent } from '../../app/shared/events.js';
import { DEFAULT_HELPER_SOCKET_PATH } from '../../app/shared/helper-protocol.js';
import { runCli } from '../support/cli-process.js';
import { runTs, stopChild } from './support/child.js';
import {
  type ClientFiles,
  clientFiles,
  connectArgs,
  reportSkippedSuite,
} from '../support/interop.js';
import { createLab } from '../dataplane/netconfig-support/lab.js';
import { NOBODY } from './support/helper-harness.js';
import { rootLabSkipReason } from './support/root-lab.js';

const skip =
  rootLabSkipReason() ??
  (existsSync(DEFAULT_HELPER_SOCKET_PATH)
    ? `a helper socket exists at ${DEFAULT_HELPER_SOCKET_PATH} on this machine`
    : undefined);
reportSkippedSuite('CLI as a normal user: helper choice', skip);

/** A profile and secret files for a dummy gateway that only `nobody` can read, gone after `t`. */
function nobodysClientFiles(t: TestContext): ClientFiles {
  const files = clientFiles({ gateway: '192.0.2.1' }, 'group-secret', 'user-secret');
  t.after(() => files.remove());
  chmodSync(files.dir, 0o700);
  for (const path of [files.dir, files.profile, files.psk, files.password])
    chownSync(path, NOBODY, NOBODY);
  return files;
}

if (skip === undefined) {
  test('as a normal user with no helper running, connect fails before any IKE packet, in one line', async (t) => {
    // the "gateway" is a dummy next hop in a throw-away namespace: nothing would answer
    const lab = await createLab('cli');
    t.after(() => lab.destroy());
    const files = nobodysClientFiles(t);

    const json = runCli(connectArgs(files, ['--json']), { netns: lab.ns, asUser: NOBODY });
    const error = await json.waitFor(
      (event): event is ErrorEvent => event.type === 'error',
      10_000,
      'the error event',
    );
    assert.equal(error.code, 'helper-unavailable', error.message);
    await json.waitFor(
      (event) => event.type === 'state' && event.state === 'failed',
      10_000,
      'the failed state',
    );
    assert.equal((await json.exit).code, 1, json.stderr());
    const states = json.events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
    // the first state after sending aggressive-mode message 1 is am1-sent: never reached
    assert.deepEqual(states, ['failed'], 'no IKE message was sent');

    const human = runCli(connectArgs(files), { netns: lab.ns, asUser: NOBODY });
    assert.equal((await human.exit).code, 1);
    const lines = human.stderr().trim().split('\n');
    // ENOENT here; EACCES where a root run left /run/roadwarrior unreachable: either way the
    // last line names the cause, and the evidence above it the socket and what to do
    assert.ok(!lines.some((line) => /aggressive|sent|message 1/i.test(line)), human.stderr());
    assert.match(
      lines.at(-1) ?? '',
      /^roadwarrior: helper-unavailable: The Roadwarrior helper service, .* cannot be reached/,
    );
    assert.match(
      human.stderr(),
      /privileged helper is not reachable at \/run\/roadwarrior\/helper\.sock \((ENOENT|ECONNREFUSED|EACCES)\): .*(start the helper service|members of the helper's group).*, or run as root/,
    );
    assert.ok(!/scandir/.test(human.stderr()), human.stderr());
  });

  test('as a normal user with a helper on the default socket, connect goes through it', async (t) => {
    const lab = await createLab('clih');
    t.after(() => lab.destroy());
    const files = nobodysClientFiles(t);
    // a mount point for the private tmpfs (what the helper's unit makes on a real system)
    mkdirSync('/run/roadwarrior', { recursive: true, mode: 0o755 });
    const run = runTs(
      './default-socket-run.ts',
      [lab.ns, files.profile, files.psk, files.password],
      {
        command: [
          'unshare',
          '--mount',
          '--propagation',
          'private',
          '--pid',
          '--fork',
          '--kill-child',
        ],
      },
    );
    t.after(() => stopChild(run));
    // a bound on starting a helper and a CLI through tsx, not a timing: at load 12 that took
    // over 20 s (session 8); 60 s as the interop helper start allows
    await run.waitForLine(
      /^helper: info: tunnel 1 opened for uid 65534 .* to 192\.0\.2\.1/,
      60_000,
    );
    // aggressive mode message 1 left through the helper's socket (nothing answers the dummy)
    await run.waitForLine(/^cli: .*"state":"am1-sent"/, 60_000);
  });
}
