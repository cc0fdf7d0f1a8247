// The Log tab opens earlier runs of the app from the rotating log on disk (issue 14): listed
// newest first, the picked one shown as saved, the running one not among them.
import './support/dom.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { RotatingLogFile, readLogSessions } from '../../app/main/service/log-file.js';
import { LogPane } from '../../app/renderer/ui/LogPane.js';
import { createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

test('Earlier sessions lists the saved runs before this one and shows the one picked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-ui-sessions-'));
  const runs = [
    ['2026-12-01T08:00:00.000Z', 'phase1 gateway did not answer'],
    ['2026-12-02T09:00:00.000Z', 'modecfg no address from the gateway'],
    ['2026-12-03T10:00:00.000Z', 'the run that is open now'],
  ];
  let file: RotatingLogFile | undefined;
  for (const [at, message] of runs) {
    file = new RotatingLogFile(dir);
    file.startSession(new Date(at!));
    file.append(`${at} INFO  session       ${message}\n`);
  }
  const log = file!;
  const fixture = await createServiceFixture({}, { logSessions: () => readLogSessions(log) });
  t.after(async () => {
    cleanup();
    await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });

  renderWith(await storeFor(fixture), <LogPane />);
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Earlier sessions' })));
  const picker = await waitFor(() => screen.getByLabelText<HTMLSelectElement>('Earlier session'));
  const options = [...picker.options].map((o) => o.textContent ?? '');
  assert.equal(options.length, 2, 'the open run is not an earlier one');
  assert.ok(options.every((o) => o.endsWith('1 lines')));
  const shown = () => screen.getByLabelText('Earlier session log').textContent ?? '';
  assert.match(shown(), /modecfg no address from the gateway/, 'newest first');
  await act(async () => fireEvent.change(picker, { target: { value: '1' } }));
  assert.match(shown(), /phase1 gateway did not answer/);
  assert.doesNotMatch(shown(), /open now/);
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Close' })));
  assert.equal(screen.queryByLabelText('Earlier session log'), null);
});

test('without a saved log, Earlier sessions says there are none', async (t) => {
  const fixture = await createServiceFixture();
  t.after(async () => {
    cleanup();
    await fixture.close();
  });
  renderWith(await storeFor(fixture), <LogPane />);
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Earlier sessions' })));
  await waitFor(() =>
    assert.equal(screen.getByRole('status').textContent, 'none in the saved log'),
  );
});
