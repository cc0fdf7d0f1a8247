// After a root run of an older CLI, /run/roadwarrior was left 0700 and the helper listened on a
// socket no user could reach (EACCES). The helper owns its socket's directory: it makes it
// searchable again at start, whether it binds the socket itself or systemd handed it over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, stat } from 'node:fs/promises';
import { createHelperDataPlane } from '../../app/helper/client.js';
import { HELPER_PROTOCOL_VERSION } from '../../app/shared/helper-protocol.js';
import { runTs, stopChild } from './support/child.js';
import { NOBODY } from './support/helper-harness.js';
import { helperArgs, tempSocket } from './support/temp-socket.js';
import { reportSkippedSuite } from '../support/interop.js';
import { rootLabSkipReason } from './support/root-lab.js';

/** these tests run as root: other users through setpriv, files owned by others, /run */
const ROOT = { skip: rootLabSkipReason() ?? false };
reportSkippedSuite('helper socket directory', rootLabSkipReason());

const OPEN = JSON.stringify([
  { v: HELPER_PROTOCOL_VERSION, id: 1, method: 'openIke', options: { gateway: '198.51.100.1' } },
]);

async function nobodyOpens(socketPath: string): Promise<void> {
  const client = runTs('./raw-client-cli.ts', [socketPath, OPEN], { uid: NOBODY });
  const { code } = await client.exited;
  assert.equal(code, 0, client.stderr.join('\n'));
  assert.match(client.stdout.join('\n'), /"type":"opened"/);
}

test(
  'a socket directory left 0700 is made 0755 again when the helper binds its socket',
  ROOT,
  async (t) => {
    const temp = await tempSocket();
    t.after(() => temp.remove());
    await chmod(temp.dir, 0o700);
    const helper = runTs('./helper-process.ts', helperArgs(temp, '--allow-uid', String(NOBODY)));
    t.after(() => stopChild(helper));
    await helper.waitForLine(/helper listening on/);
    assert.equal((await stat(temp.dir)).mode & 0o777, 0o755);
    await nobodyOpens(temp.socketPath);
  },
);

test(
  'under socket activation too: the directory of the inherited socket is repaired',
  ROOT,
  async (t) => {
    const temp = await tempSocket();
    t.after(() => temp.remove());
    const activator = runTs(
      './helper-process.ts',
      helperArgs(temp, '--allow-uid', String(NOBODY)),
      {
        command: ['systemd-socket-activate', '-l', temp.socketPath],
      },
    );
    t.after(() => stopChild(activator));
    await activator.waitForLine(/Listening on .* as 3/);
    // what the unit's SocketMode= does for the socket file; then the directory as a root run left it
    await chmod(temp.socketPath, 0o666);
    await chmod(temp.dir, 0o700);
    // root can still reach it: its connection starts the helper, which repairs the directory
    const channel = await createHelperDataPlane({ socketPath: temp.socketPath }).openIke({
      gateway: '198.51.100.1',
    });
    await activator.waitForLine(/helper listening on/);
    assert.equal((await stat(temp.dir)).mode & 0o777, 0o755);
    await nobodyOpens(temp.socketPath);
    await channel.close();
  },
);
