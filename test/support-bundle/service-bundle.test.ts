// The desktop service's "Save support bundle" (IPC support.bundle, the web host's handler):
// after a connect through the service, the archive holds the service's view of its tunnel
// (SA details, counters, the current diagnosis), its profile, its log and the IKE captures,
// and neither the group key nor the password.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createServiceHandlers } from '../../app/main/service/handlers.js';
import { RotatingLogFile, logFileWriter, stateDirectory } from '../../app/main/service/log-file.js';
import { captureDirectory } from '../../app/support/capture-file.js';
import { ESP_BLOCKED } from '../desktop/support/diagnosis-event.js';
import {
  GATEWAY_SECRETS,
  createServiceFixture,
  saveGatewaySecrets,
} from '../desktop/support/service-fixture.js';
import { untar } from './untar.js';

test('Save support bundle: the service tunnel, diagnosis, profile, log and captures; no secret', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rw-service-bundle-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  process.env.XDG_STATE_HOME = home;
  mkdirSync(captureDirectory(), { recursive: true });
  writeFileSync(join(captureDirectory(), 'Office.pcap'), 'a capture');

  const fixture = await createServiceFixture();
  t.after(() => fixture.close());
  fixture.service.on(logFileWriter(new RotatingLogFile(join(stateDirectory(), 'logs'))));
  await saveGatewaySecrets(fixture.credentials);
  await fixture.service.connect('Office', 'trace');
  await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
  fixture.gateway.current?.inject(ESP_BLOCKED);
  await fixture.waitFor('snapshot', (s) => s.diagnosis !== undefined, 'the diagnosis');

  const handlers = createServiceHandlers(fixture.service, { host: 'web', version: 'test' });
  const result = await handlers['support.bundle'](undefined);
  assert.match(result.suggestedName, /^roadwarrior-support-.*\.tar\.gz$/);
  const tar = gunzipSync(Buffer.from(result.archiveBase64 ?? '', 'base64'));
  const files = untar(tar);
  const file = (name: string) => files.get(`roadwarrior-support/${name}`)?.toString() ?? '';
  const [session] = JSON.parse(file('sessions.json')) as { ike?: unknown; phase: string }[];
  assert.equal(session?.phase, 'connected');
  assert.ok(session?.ike, 'the IKE SA details');
  assert.match(file('diagnosis.json'), /"code": "esp-blocked"/);
  assert.match(file('profiles.json'), /"name": "Office"/);
  assert.match(file('logs/roadwarrior.log'), /phase1/);
  assert.equal(file('captures/Office.pcap'), 'a capture');
  for (const secret of [GATEWAY_SECRETS.groupPsk, GATEWAY_SECRETS.password])
    assert.equal(tar.indexOf(Buffer.from(secret)), -1, `no "${secret}" in the bundle`);
});
