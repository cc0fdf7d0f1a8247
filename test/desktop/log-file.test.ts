// The desktop service's log on disk (issue 14): size-capped files that rotate, the engine's log
// lines and diagnoses in them after a real service connect, and no secret anywhere in them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  LOG_FILE_NAME,
  RotatingLogFile,
  logFileWriter,
  readLogSessions,
  stateDirectory,
} from '../../app/main/service/log-file.js';
import { ESP_BLOCKED } from './support/diagnosis-event.js';
import {
  GATEWAY_SECRETS,
  createServiceFixture,
  saveGatewaySecrets,
} from './support/service-fixture.js';

function withDir(run: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-logfile-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'the log rotates at its size cap and keeps only the newest files',
  withDir((dir) => {
    const file = new RotatingLogFile(dir, { maxBytes: 1000, keep: 2 });
    for (let line = 0; line < 100; line++)
      file.append(`line ${String(line).padStart(3, '0')} ${'x'.repeat(40)}\n`);
    assert.deepEqual(readdirSync(dir).sort(), [
      LOG_FILE_NAME,
      `${LOG_FILE_NAME}.1`,
      `${LOG_FILE_NAME}.2`,
    ]);
    for (const name of readdirSync(dir)) assert.ok(statSync(join(dir, name)).size <= 1000, name);
    assert.match(readFileSync(join(dir, LOG_FILE_NAME), 'utf8'), /line 099 x+\n$/);
    const all = readdirSync(dir)
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('');
    assert.doesNotMatch(all, /line 000/, 'the oldest lines are gone');
    // a restart continues the current file where it left off
    const again = new RotatingLogFile(dir, { maxBytes: 2000, keep: 2 });
    again.append('after restart\n');
    assert.match(readFileSync(join(dir, LOG_FILE_NAME), 'utf8'), /line 099 x+\nafter restart\n$/);
  }),
);

test('the state directory follows XDG_STATE_HOME', () => {
  assert.equal(stateDirectory({ XDG_STATE_HOME: '/s' }), '/s/roadwarrior');
});

test(
  'a connect through the service leaves its log lines and diagnosis on disk, and no secret',
  withDir(async (dir) => {
    const fixture = await createServiceFixture();
    try {
      fixture.service.on(logFileWriter(new RotatingLogFile(dir)));
      await saveGatewaySecrets(fixture.credentials);
      await fixture.service.connect('Office', 'trace');
      await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
      fixture.gateway.current?.inject(ESP_BLOCKED);
      await fixture.service.disconnect();
    } finally {
      await fixture.close();
    }
    const text = readFileSync(join(dir, LOG_FILE_NAME), 'utf8');
    assert.match(text, /phase1 +aggressive mode message 1/);
    assert.match(
      text,
      /diagnosis \(esp-blocked\): The tunnel is up but carries nothing\.\n {2}- 40 ESP/,
    );
    const bytes = readFileSync(join(dir, LOG_FILE_NAME));
    for (const secret of [GATEWAY_SECRETS.groupPsk, GATEWAY_SECRETS.password])
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `no "${secret}" in the log file`);
  }),
);

test(
  'each run of the app starts a session in the log; earlier runs read back across rotated files',
  withDir((dir) => {
    const first = new RotatingLogFile(dir, { maxBytes: 400, keep: 3 });
    first.startSession(new Date('2026-12-01T08:00:00.000Z'));
    for (let line = 0; line < 8; line++)
      first.append(`2026-12-01T08:00:0${line}.000Z first ${line}\n`);
    const second = new RotatingLogFile(dir, { maxBytes: 400, keep: 3 });
    second.startSession(new Date('2026-12-02T09:00:00.000Z'));
    second.append('2026-12-02T09:00:01.000Z second 0\n');
    assert.ok(second.files().length > 1, 'the first run spans rotated files');
    const sessions = readLogSessions(second);
    assert.deepEqual(
      sessions.map((s) => [s.startedAt, s.lines]),
      [
        ['2026-12-01T08:00:00.000Z', 8],
        ['2026-12-02T09:00:00.000Z', 1],
      ],
    );
    assert.match(sessions[0]!.text, /^2026-12-01T08:00:00\.000Z first 0\n[^]*first 7$/);
    assert.equal(sessions[1]!.text, '2026-12-02T09:00:01.000Z second 0');
    // a run whose mark was rotated away: its remaining lines are dated by their first line
    const orphan = new RotatingLogFile(join(dir, 'orphan'));
    orphan.append('2026-11-30T07:00:00.000Z left over\n');
    orphan.startSession(new Date('2026-12-03T10:00:00.000Z'));
    assert.deepEqual(
      readLogSessions(orphan).map((s) => [s.startedAt, s.text]),
      [
        ['2026-11-30T07:00:00.000Z', '2026-11-30T07:00:00.000Z left over'],
        ['2026-12-03T10:00:00.000Z', ''],
      ],
    );
  }),
);
