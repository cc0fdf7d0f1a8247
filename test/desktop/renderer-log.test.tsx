// The log pane: 100,000 lines rendered as a window of rows, level filter, search, pause.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { LogLevel, LoggedRecord } from '../../app/shared/ui/ipc.js';
import { LogPane } from '../../app/renderer/ui/LogPane.js';
import { LogFilterView } from '../../app/renderer/ui/log-filter.js';
import { createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

const FIRST_SEQ = 1_000_000;

function records(count: number, from = FIRST_SEQ): LoggedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const level: LogLevel = i % 10 === 0 ? 'error' : i % 3 === 0 ? 'debug' : 'info';
    return {
      seq: from + i,
      event: {
        type: 'log',
        at: 1_700_000_000_000 + i,
        level,
        phase: i % 2 ? 'phase1' : 'dataplane',
        message: `line ${i} needle-${i}`,
      },
    };
  });
}

const status = () => screen.getByTestId('log-status').textContent ?? '';

test('100,000 lines: only the visible window is in the DOM; level filter and search work', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const all = records(100_000);
    store.logs.loadBacklog(all);
    const { container } = renderWith(store, <LogPane />);
    const total = store.logs.records.length;
    const infoOrWorse = store.logs.records.filter((r) => r.event.level !== 'debug').length;
    assert.equal(
      status(),
      `${infoOrWorse.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} lines`,
    );
    assert.ok(
      container.querySelectorAll('.log-row').length < 80,
      'virtualised: a window of rows, not 100,000',
    );

    const started = performance.now();
    await act(async () =>
      fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } }),
    );
    const filterMs = performance.now() - started;
    assert.equal(status(), `10,000 of ${total.toLocaleString('en-US')} lines`);
    const rows = [...container.querySelectorAll('.log-row')];
    assert.ok(rows.length > 0 && rows.every((row) => row.classList.contains('log-error')));
    assert.ok(filterMs < 1500, `refiltering 100,000 lines took ${filterMs.toFixed(0)} ms`);

    await act(async () =>
      fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'needle-77770' } }),
    );
    assert.equal(status(), `1 of ${total.toLocaleString('en-US')} lines`);
    assert.equal(container.querySelector('mark')?.textContent, 'needle-77770');
    assert.match(
      container.querySelector('.log-row')?.textContent ?? '',
      /ERROR\s*dataplane\s*line 77770/,
    );
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('pause freezes the view and counts what arrived; resume shows it', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    store.logs.loadBacklog(records(50));
    renderWith(store, <LogPane />);
    const before = status();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Pause' })));
    assert.equal(
      screen.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed'),
      'true',
    );
    await act(async () => store.logs.add(records(30, FIRST_SEQ + 50)[1] as LoggedRecord));
    await waitFor(() => assert.match(status(), /paused, 1 new/));
    assert.ok(status().startsWith(before.split(' of ')[0] ?? ''), 'the shown count did not move');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Resume' })));
    assert.doesNotMatch(status(), /paused/);
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('the filtered view follows appends and front trimming without rescanning', () => {
  const view = new LogFilterView();
  const filter = { level: 'info' as const, phase: 'phase1' as const, search: '' };
  let log = records(100);
  const first = view.update(log, filter);
  assert.ok(first.every((r) => r.event.phase === 'phase1' && r.event.level !== 'debug'));
  log = [...log.slice(40), ...records(10, FIRST_SEQ + 100)];
  const next = view.update(log, filter);
  assert.deepEqual(
    next.map((r) => r.seq),
    log.filter((r) => r.event.phase === 'phase1' && r.event.level !== 'debug').map((r) => r.seq),
  );
  assert.equal(view.update(log, filter), next, 'nothing new: the same array, no re-render');
});
