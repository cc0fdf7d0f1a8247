// `roadwarrior support-bundle` after a real connect (the engine against the FakeResponder,
// with a distinctive PSK and password, its capture tap, trace log and session record written
// where the CLI and the service keep them): the archive holds logs, profiles, SAs and
// counters, versions, diagnosis and a pcap, and not one byte sequence of any secret of the
// run: the PSK, the password, SKEYID and its children, the encryption keys, the DH private
// keys and shared secrets, raw, in hex or in base64.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { main } from '../../app/cli/main.js';
import { SessionWriter, sessionDir } from '../../app/cli/session-file.js';
import { profileDirectory } from '../../app/cli/profile-source.js';
import { RotatingLogFile, logFileWriter, stateDirectory } from '../../app/main/service/log-file.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { ManagedProfiles } from '../../app/profiles/managed.js';
import { CaptureFile, captureDirectory } from '../../app/support/capture-file.js';
import { keepLastSession, lastSessionDirectory } from '../../app/support/last-session.js';
import { capturedConnect } from './captured-connect.js';
import { untar } from './untar.js';

const run = promisify(execFile);

const forms = (bytes: Buffer) => [
  bytes,
  Buffer.from(bytes.toString('hex')),
  Buffer.from(bytes.toString('hex').toUpperCase()),
  Buffer.from(bytes.toString('base64')),
];

test('the support bundle holds what a help desk needs and no secret of the run', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rw-bundle-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  process.env.XDG_STATE_HOME = join(home, 'state');
  process.env.XDG_RUNTIME_DIR = join(home, 'run');
  process.env.XDG_CONFIG_HOME = join(home, 'config');

  // what `connect` keeps (capture) and the desktop service writes (its rotating log)
  const captured = await capturedConnect(new CaptureFile(captureDirectory(), 'bundle-office').add);
  const log = logFileWriter(new RotatingLogFile(join(stateDirectory(), 'logs')));
  captured.events.forEach((event, seq) => log({ name: 'engine', payload: { seq, event } }));
  const session = new SessionWriter(sessionDir(), {
    profile: 'bundle-office',
    gateway: '192.0.2.1',
  });
  captured.events.forEach(session.observe);
  // as connect ends: its last record kept, the running one gone
  keepLastSession(lastSessionDirectory(), 'bundle-office', session.current);
  session.remove();
  const store = new ProfileStore(profileDirectory(), new ManagedProfiles(join(home, 'managed')));
  await store.save(captured.profile);
  const capture = join(captureDirectory(), 'bundle-office.pcap');
  assert.equal(statSync(capture).mode & 0o777, 0o600, 'the capture is private');

  const out = join(home, 'bundle.tar.gz');
  assert.equal(await main(['support-bundle', '--out', out]), 0);
  const archive = readFileSync(out);
  const tar = gunzipSync(archive);
  const { stdout: listing } = await run('tar', ['-tzf', out]);
  const files = untar(tar);
  assert.deepEqual(listing.trim().split('\n').sort(), [...files.keys()].sort(), 'tar reads it');

  const file = (name: string) => {
    const data = files.get(`roadwarrior-support/${name}`);
    assert.ok(data, `${name} in the bundle (has ${[...files.keys()].join(', ')})`);
    return data;
  };
  assert.deepEqual(file('captures/bundle-office.pcap'), readFileSync(capture));
  assert.match(file('logs/roadwarrior.log').toString(), /phase1/);
  const sessions = JSON.parse(file('sessions.json').toString()) as {
    ike?: { responderCookie: string };
    running: boolean;
  }[];
  assert.ok(sessions[0]?.ike, 'the last IKE SA details');
  assert.equal(sessions[0]?.running, false, 'kept after the connect ended');
  assert.equal(
    (JSON.parse(file('profiles.json').toString()) as { name: string }[])[0]?.name,
    'bundle-office',
  );
  assert.equal(JSON.parse(file('versions.json').toString()).node, process.versions.node);
  file('diagnosis.json');

  // the search finds what is there: the IKE SA's cookie, in the session record and the pcap
  const cookie = Buffer.from(sessions[0].ike.responderCookie, 'hex');
  assert.ok(
    forms(cookie).some((form) => tar.includes(form)),
    'a planted value is found',
  );
  assert.ok(
    captured.secrets.length >= 9,
    `secrets recorded: ${captured.secrets.map((s) => s.name).join(', ')}`,
  );
  for (const secret of captured.secrets) {
    for (const form of forms(secret.bytes)) {
      assert.ok(!tar.includes(form), `${secret.name} is in the archive`);
      assert.ok(!archive.includes(form), `${secret.name} is in the compressed archive`);
    }
  }
});
