// The diagnosis in the desktop app (issue 14): the engine's diagnosis event reaches the renderer
// through the service's snapshot (IPC), the panel shows cause, evidence and what to try above
// the connection and above the log pane, "Copy diagnosis" copies it as text, a cleared diagnosis
// goes, and the stepper marks the diagnosed step as the failed one.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../../app/renderer/ui/App.js';
import { PhaseStepper } from '../../app/renderer/ui/PhaseStepper.js';
import type { ServiceSnapshot } from '../../app/shared/ui/ipc.js';
import { renderWith, storeFor } from './support/render-app.js';
import { ESP_BLOCKED } from './support/diagnosis-event.js';
import { createServiceFixture, saveGatewaySecrets } from './support/service-fixture.js';

function statuses(container: HTMLElement): Record<string, string> {
  return Object.fromEntries(
    [...container.querySelectorAll<HTMLElement>('[data-step]')].map((el) => [
      el.dataset.step,
      el.dataset.status,
    ]),
  );
}

test('the stepper marks the diagnosed step: UDP 4500 blocked is phase 1 message 3, though the engine gave up waiting for XAuth', () => {
  const snapshot: Pick<ServiceSnapshot, 'engineState' | 'failure' | 'phase' | 'diagnosis'> = {
    phase: 'failed',
    engineState: 'failed',
    failure: { code: 'timeout', message: 'no XAuth request', failedAt: 'xauth', at: 0 },
    diagnosis: { ...ESP_BLOCKED, code: 'udp-4500-blocked', phase: 'phase1' },
  };
  const { container } = render(<PhaseStepper snapshot={snapshot} xauthUsed />);
  const marked = statuses(container);
  cleanup();
  assert.equal(marked['am3-sent'], 'failed');
  assert.equal(marked.xauth, 'pending');
  assert.equal(marked['am2-received'], 'done');
});

test('a diagnosis raised while connected shows above the connection and the log, copies as text, and goes when cleared', async () => {
  const fixture = await createServiceFixture();
  const copied: string[] = [];
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: { writeText: async (text: string) => void copied.push(text) },
  });
  try {
    await saveGatewaySecrets(fixture.credentials);
    const store = await storeFor(fixture);
    renderWith(store, <App />);
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Connect' })));
    await waitFor(() =>
      assert.equal(screen.getByTestId('headline').textContent, 'Connected to vpn.example.com'),
    );
    assert.equal(screen.queryByTestId('diagnosis'), null);

    await act(async () => fixture.gateway.current?.inject(ESP_BLOCKED));
    const panel = await screen.findByTestId('diagnosis');
    assert.equal(panel.dataset.code, 'esp-blocked');
    assert.match(panel.textContent ?? '', /The tunnel is up but carries nothing\./);
    const evidence = within(panel)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    assert.deepEqual(evidence, ESP_BLOCKED.evidence);
    assert.match(panel.textContent ?? '', /What to try: Try another network\./);
    assert.equal(screen.getByTestId('headline').textContent, 'Connected to vpn.example.com');

    await act(async () =>
      fireEvent.click(within(panel).getByRole('button', { name: 'Copy diagnosis' })),
    );
    assert.equal(copied.length, 1);
    assert.match(copied[0] ?? '', /^diagnosis \(esp-blocked\): The tunnel is up/);
    assert.match(copied[0] ?? '', / {2}- the gateway still answers IKE\n/);

    await act(async () => fireEvent.click(screen.getByRole('tab', { name: 'Log' })));
    const logPane = screen.getByRole('region', { name: 'Log' });
    assert.equal(
      logPane.firstElementChild?.getAttribute('data-testid'),
      'diagnosis',
      'the panel sits above the log',
    );

    // evidence that is also a log line stands out in the log
    const rows = logPane.querySelectorAll<HTMLElement>('.log-row');
    const line = rows[rows.length - 1]?.title ?? '';
    assert.ok(line, 'the log shows lines');
    await act(async () =>
      fixture.gateway.current?.inject({
        ...ESP_BLOCKED,
        evidence: [...ESP_BLOCKED.evidence, line],
      }),
    );
    const marked = [...logPane.querySelectorAll<HTMLElement>('[data-evidence]')];
    assert.deepEqual(
      marked.map((row) => row.title),
      [line],
    );
    await act(async () => fixture.gateway.current?.inject({ ...ESP_BLOCKED, cleared: true }));
    await waitFor(() => assert.equal(screen.queryByTestId('diagnosis'), null));
  } finally {
    cleanup();
    await fixture.close();
  }
});
