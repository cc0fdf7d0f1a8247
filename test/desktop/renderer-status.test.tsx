// Renderer status components: the stepper marks the failed step, counters render with rates and
// drops, and the whole app walks through connect, XAuth prompt and connected against the service.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type {
  ConnectionState,
  CountersEvent,
  ErrorCode,
  ServiceSnapshot,
} from '../../app/shared/ui/ipc.js';
import { humanRenderer } from '../../app/cli/render.js';
import { CountersPanel } from '../../app/renderer/ui/CountersPanel.js';
import { PhaseStepper } from '../../app/renderer/ui/PhaseStepper.js';
import { App } from '../../app/renderer/ui/App.js';
import { Secret } from '../../app/shared/secret.js';
import { rateBetween } from '../../app/renderer/state/throughput.js';
import { createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

function statuses(container: HTMLElement): Record<string, string> {
  return Object.fromEntries(
    [...container.querySelectorAll<HTMLElement>('[data-step]')].map((el) => [
      el.dataset.step,
      el.dataset.status,
    ]),
  );
}

/** the stepper's statuses for a connection that failed with code in state failedAt */
function failedStatuses(code: ErrorCode, failedAt: ConnectionState): Record<string, string> {
  const snapshot = {
    phase: 'failed',
    engineState: 'failed',
    failure: { code, message: 'x', failedAt, at: 0 },
  } as const;
  const { container } = render(<PhaseStepper snapshot={snapshot} xauthUsed />);
  const result = statuses(container);
  cleanup();
  return result;
}

test('the stepper marks the failed step, the ones before done and the ones after not reached', () => {
  const failed: Pick<ServiceSnapshot, 'engineState' | 'failure' | 'phase'> = {
    phase: 'failed',
    engineState: 'failed',
    failure: {
      code: 'xauth-rejected',
      message: 'username or password rejected',
      failedAt: 'xauth',
      at: 0,
    },
  };
  const { container } = render(<PhaseStepper snapshot={failed} xauthUsed />);
  assert.deepEqual(statuses(container), {
    'am1-sent': 'done',
    'am2-received': 'done',
    'am3-sent': 'done',
    xauth: 'failed',
    modecfg: 'pending',
    'qm1-sent': 'pending',
    'qm2-received': 'pending',
    'qm3-sent': 'pending',
    connected: 'pending',
  });
  assert.match(container.querySelector('[data-step="xauth"]')?.textContent ?? '', /XAuth.*failed/);
  cleanup();
});

test('the stepper shows progress, a skipped XAuth, and failures before AM1 or after connecting', () => {
  const progress = render(
    <PhaseStepper snapshot={{ phase: 'connecting', engineState: 'qm1-sent' }} xauthUsed={false} />,
  );
  const now = statuses(progress.container);
  assert.equal(now.xauth, 'skipped');
  assert.equal(now.modecfg, 'done');
  assert.equal(now['qm1-sent'], 'active');
  assert.equal(
    progress.container.querySelector('[aria-current="step"]')?.getAttribute('data-step'),
    'qm1-sent',
  );
  cleanup();
  assert.equal(failedStatuses('gateway-resolve-failed', 'idle')['am1-sent'], 'failed');
  const dead = failedStatuses('peer-dead', 'connected');
  assert.equal(dead.connected, 'failed');
  assert.equal(dead['qm3-sent'], 'done');
});

function counters(at: number, bytes: number, replayDrops: number): CountersEvent {
  const sa = {
    packetsIn: bytes / 1000,
    bytesIn: bytes,
    packetsOut: bytes / 2000,
    bytesOut: bytes / 2,
    icvFailures: 0,
    replayDrops,
    decryptErrors: 0,
    paddingErrors: 0,
    selectorDrops: 0,
    sendErrors: 0,
    lastInboundAt: at,
    lastOutboundAt: at,
  };
  return {
    type: 'counters',
    at,
    sas: [],
    total: { ...sa, noSaDrops: 0, noRouteDrops: 0, receiveErrors: 0, malformedDrops: 0 },
  };
}

test('counters show totals, rates in bits per second and highlight non-zero drops', () => {
  const first = counters(1_000, 1_000_000, 0);
  const second = counters(2_000, 1_250_000, 3);
  const sample = rateBetween(first, second);
  assert.ok(sample);
  const { container } = render(<CountersPanel counters={second} throughput={[sample, sample]} />);
  assert.equal(screen.getByTestId('rate-in').textContent, '2.0 Mbit/s');
  assert.equal(screen.getByTestId('rate-out').textContent, '1.0 Mbit/s');
  assert.equal(screen.getByTestId('bytes-in').textContent, '1.3 MB');
  assert.equal(screen.getByTestId('packets-in').textContent, '1,250');
  assert.equal(screen.getByTestId('drop-replayDrops').closest('tr')?.className, 'nonzero');
  assert.equal(screen.getByTestId('drop-icvFailures').closest('tr')?.className, '');
  assert.match(
    container.querySelector('svg')?.getAttribute('aria-label') ?? '',
    /now 2\.0 Mbit\/s in, 1\.0 Mbit\/s out/,
  );
  assert.equal(container.querySelectorAll('path.chart-in').length, 1);
  assert.equal(
    rateBetween(second, counters(3_000, 10, 0)),
    undefined,
    'a new session starts the rates over',
  );
  cleanup();
});

test('the app connects through the XAuth prompt and shows the negotiated tunnel', async () => {
  const fixture = await createServiceFixture({ banner: 'Authorised use only.' });
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString('group-secret'));
    const store = await storeFor(fixture);
    renderWith(store, <App />);
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Connect' })));

    const dialog = await screen.findByRole('dialog', { name: 'Sign in to vpn.example.com' });
    assert.equal((within(dialog).getByLabelText('Username') as HTMLInputElement).value, 'alice');
    fireEvent.change(within(dialog).getByLabelText('Password'), {
      target: { value: 'correct horse' },
    });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' })));

    const banner = await screen.findByRole('dialog', { name: 'Message from the gateway' });
    assert.equal(within(banner).getByTestId('banner-text').textContent, 'Authorised use only.');
    await act(async () => fireEvent.click(within(banner).getByRole('button', { name: 'Accept' })));

    await waitFor(() =>
      assert.equal(screen.getByTestId('headline').textContent, 'Connected to vpn.example.com'),
    );
    assert.equal(screen.getByTestId('virtual-ip').textContent, '10.99.0.10');
    assert.equal(screen.getByTestId('split-networks').textContent, '10.20.0.0/16');
    assert.equal(screen.getByTestId('ipsec-spis').textContent, 'c0ffee01 / 5eed0001');
    // "Copy details" copies every card's rows word for word (a list: its items, comma-separated)
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void copied.push(text) },
    });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy details' })));
    const text = copied[0] ?? '';
    const rows = [...document.querySelectorAll('.details .kv-row')].map((row) => {
      const value = row.querySelector('dd');
      const items = [...(value?.querySelectorAll('li') ?? [])].map((li) => li.textContent);
      return `  ${row.querySelector('dt')?.textContent}: ${items.length ? items.join(', ') : value?.textContent}\n`;
    });
    assert.equal(rows.length, text.match(/^ {2}/gm)?.length, 'one copied line per row shown');
    for (const row of rows) assert.ok(text.includes(row), `the copied text lacks ${row}`);
    assert.match(text, /^Tunnel\n {2}Assigned IP: 10\.99\.0\.10\n/);
    assert.match(text, /\n\nPhase 1 · IKE SA\n {2}Cookies \(I \/ R\): /);
    assert.match(text, /\n\nPhase 2 · IPsec SA \(sa1\)\n/);
    assert.match(text, / {2}Gateway vendor IDs: strongSwan, XAuth, DPD \(RFC 3706\)/);
    // the CLI names the DH group as the card does: both word it in app/shared/ui/event-text.ts
    assert.equal(screen.getByTestId('ike-group').textContent, '14 (MODP 2048)');
    const cli: string[] = [];
    const ike = store.getState().snapshot?.ike;
    assert.ok(ike);
    humanRenderer((line) => cli.push(line), 'info')(ike);
    assert.match(
      cli[0] ?? '',
      /^IKE SA: AES-CBC-256 SHA256 group 14 \(MODP 2048\), NAT-T rfc3947\n/,
    );
    // the engine's warning, visible beside the SA details, in the engine's own words
    const note = screen.getByRole('note');
    assert.equal(note.dataset.code, 'aggressive-mode-group-psk');
    assert.match(note.textContent ?? '', /The group key is not a secret/);
    assert.match(note.textContent ?? '', /travels in clear/);
    assert.match(
      screen.getByTestId('state-pill').textContent ?? '',
      /Connected · Office · 10\.99\.0\.10/,
    );
    assert.equal(screen.queryByRole('dialog'), null);
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('a rejected password is explained in plain words with the failed step, never a stack trace', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString('group-secret'));
    await fixture.credentials.set('Office', 'xauth-password', Secret.fromString('wrong'));
    const store = await storeFor(fixture);
    const { container } = renderWith(store, <App />);
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Connect' })));
    // the engine's diagnosis stands in for the failure: cause, evidence, what to try
    const diagnosis = await screen.findByTestId('diagnosis');
    assert.equal(diagnosis.getAttribute('data-code'), 'xauth-rejected');
    assert.match(diagnosis.textContent ?? '', /rejected the username or password/);
    assert.match(diagnosis.textContent ?? '', /What to try: Check the username and password/);
    assert.equal(screen.queryByTestId('failure'), null, 'one explanation, not two');
    assert.doesNotMatch(container.textContent ?? '', /at \S+ \(|EngineError|\.ts:\d+/);
    assert.equal(statuses(container).xauth, 'failed');
    const notice = await waitFor(() => {
      const item = container.querySelector('[data-code="saved-password-rejected"]');
      assert.ok(item, 'the removed saved password is a notice');
      return item;
    });
    assert.match(notice.textContent ?? '', /rejected the password saved for "Office"/);
  } finally {
    cleanup();
    await fixture.close();
  }
});
