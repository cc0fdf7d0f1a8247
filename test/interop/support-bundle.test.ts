// The support bundle against the real strongSwan head-end: `roadwarrior connect` (root, its
// own state directory) connects and ends; `roadwarrior support-bundle` then holds its last
// session and the pcap of its IKE messages, which tshark dissects with no malformed packet,
// decrypted (XAuth, Mode Config and Quick Mode in clear); neither the group key nor the
// password appears anywhere in the archive.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { type Lab, startLab } from '../lab/index.js';
import { CLI_ENTRY, runCli } from '../support/cli-process.js';
import {
  type ClientFiles,
  clientFiles,
  connectArgs,
  interopSkipReason,
  isConnected,
  reportSkippedSuite,
} from '../support/interop.js';
import { untar } from '../support-bundle/untar.js';

const run = promisify(execFile);
const PSK = 'lab-bundle-psk-Vw3q';
const PASSWORD = 'lab-bundle-pw-R8tz';

const skip = interopSkipReason();
reportSkippedSuite('support bundle against the strongSwan lab', skip);

describe('support bundle of a real connection', { skip: skip !== undefined }, () => {
  let lab: Lab;
  let files: ClientFiles;
  let home: string;
  before(async () => {
    lab = await startLab({ groupPsk: PSK, users: [{ name: 'alice', password: PASSWORD }] });
    files = clientFiles({}, PSK, PASSWORD);
    home = mkdtempSync(join(tmpdir(), 'rw-lab-bundle-'));
  });
  after(async () => {
    files?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
    await lab?.stop();
  });

  test('connect, end, bundle: last session, a decrypted pcap tshark reads, no secret', async (t) => {
    const env = { XDG_STATE_HOME: join(home, 'state'), XDG_RUNTIME_DIR: join(home, 'run') };
    const cli = runCli(connectArgs(files, ['--json']), { netns: lab.names.cli, env });
    try {
      await cli.waitFor(isConnected, 30_000, 'connected');
    } finally {
      await cli.stop();
    }
    const out = join(home, 'bundle.tar.gz');
    await run(process.execPath, [CLI_ENTRY, 'support-bundle', '--out', out], {
      env: { ...process.env, ...env },
    });
    const tar = gunzipSync(readFileSync(out));
    for (const secret of [PSK, PASSWORD])
      assert.equal(tar.indexOf(Buffer.from(secret)), -1, `"${secret}" in the bundle`);
    const archive = untar(tar);
    const sessions = JSON.parse(
      archive.get('roadwarrior-support/sessions.json')?.toString() ?? '[]',
    ) as { running: boolean; ike?: unknown }[];
    assert.ok(
      sessions.some((s) => !s.running && s.ike),
      "the ended connect's last session",
    );
    const pcap = archive.get('roadwarrior-support/captures/lab.pcap');
    assert.ok(pcap, `a capture (bundle has ${[...archive.keys()].join(', ')})`);

    try {
      await run('tshark', ['--version']);
    } catch {
      t.skip('*** tshark is not installed: the pcap dissection check is SKIPPED ***');
      return;
    }
    const file = join(home, 'lab.pcap');
    writeFileSync(file, pcap);
    const { stdout: tshark } = await run('tshark', ['-r', file, '-V'], { maxBuffer: 1 << 26 });
    assert.doesNotMatch(tshark, /Malformed Packet/);
    assert.doesNotMatch(tshark, /Severity level: Error/);
    assert.match(tshark, /Config Attribute \(t=16522,l=\d+\): XAUTH_USER_PASSWORD/);
    assert.match(tshark, /Exchange type: Quick Mode \(32\)/);
    assert.match(tshark, /Non-ESP Marker/);
  });
});
