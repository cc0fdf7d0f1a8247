// The same engine, unprivileged, through the privileged helper: the app runs as nobody, the
// helper as root owns sockets, TUN, ESP and routes. Judged by a ping and by the gateway.
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import { CLI_ENTRY } from '../support/cli-process.js';
import {
  type ClientFiles,
  clientFiles,
  connectCli,
  interopSkipReason,
  skipLoudly,
} from '../support/interop.js';

const skip = interopSkipReason();
const NOBODY = 65534;

describe('engine as an unprivileged user through the helper', { skip: skip !== undefined }, () => {
  let lab: Lab;
  let helper: ChildProcess;
  let files: ClientFiles;
  let socket: string;
  before(async () => {
    lab = await startLab();
    files = clientFiles({}, LAB_DEFAULTS.groupPsk, 'alice-secret');
    chmodSync(files.dir, 0o700);
    for (const path of [files.dir, files.profile, files.psk, files.password])
      chownSync(path, NOBODY, NOBODY);
    socket = join(lab.dir, 'helper.sock');
    helper = lab.spawnInClient(process.execPath, [
      CLI_ENTRY,
      'helper',
      '--socket',
      socket,
      '--allow-uid',
      String(NOBODY),
      '--state-dir',
      join(lab.dir, 'helper-state'),
    ]);
    for (let i = 0; i < 100 && !existsSync(socket); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(socket), 'the helper listens');
  });
  after(async () => {
    helper?.kill('SIGTERM');
    files?.remove();
    await lab?.stop();
  });

  test('connect as nobody, ping the LAN through the helper, disconnect cleanly', async () => {
    const cli = connectCli(lab, files, ['--helper', socket], NOBODY);
    try {
      await cli.waitFor((e) => e.type === 'state' && e.state === 'connected', 15_000, 'connected');
      await lab.execInClient('ping', ['-c', '3', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost]);
      const [sa] = await lab.listSas();
      assert.ok((sa?.childSas[0]?.packetsIn ?? 0) >= 3, 'the gateway decrypted our pings');
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
    await lab.waitForSas((sas) => sas.length === 0, 3_000);
    const links = await lab.execInClient('ip', ['-o', 'link']);
    assert.ok(!links.stdout.includes('rw0'));
  });
});

test('helper interop suite ran', (t) => {
  if (skip) skipLoudly(t, skip);
  else assert.equal(skip, undefined);
});
