// The headline of a connection: what is happening now, or what failed and what to try, or when
// the next reconnect attempt comes. Plain language first, the precise detail beside it.
import type { Failure, ReconnectState, ServiceSnapshot } from '../../shared/ui/ipc.js';
import { STEPS } from './phase-steps.js';
import { explain } from '../../shared/ui/event-text.js';
import { formatDuration } from '../../shared/ui/format.js';

export function FailureCard({ failure, onShowLog }: { failure: Failure; onShowLog: () => void }) {
  const { title, hint } = explain(failure.code);
  const step = STEPS.find((s) => s.state === failure.failedAt);
  return (
    <div className="alert alert-error" role="alert" data-testid="failure">
      <h3>{title}</h3>
      <p className="alert-message">{sentence(failure.message)}</p>
      {hint && <p className="alert-hint">{hint}</p>}
      <p className="alert-meta">
        {step
          ? `Failed at ${step.group === 'Phase 1' || step.group === 'Phase 2' ? `${step.group} ${step.label}` : step.label} · `
          : ''}
        code <code>{failure.code}</code> ·{' '}
        <button type="button" className="link" onClick={onShowLog}>
          show the log
        </button>
      </p>
    </div>
  );
}

export function ReconnectCard({ reconnect, now }: { reconnect: ReconnectState; now: number }) {
  const wait = Math.max(0, (reconnect.nextAttemptAt - now) / 1000);
  return (
    <div className="alert alert-warning" role="status" data-testid="reconnect">
      <h3>Reconnecting</h3>
      <p className="alert-message">The connection was lost: {reconnect.reason}.</p>
      <p className="alert-hint">
        {wait > 0 ? `Next attempt in ${formatDuration(Math.ceil(wait))}` : 'Trying now'} · attempt{' '}
        {reconnect.attempt} of {reconnect.maxAttempts}
      </p>
    </div>
  );
}

export function headline(snapshot: ServiceSnapshot | undefined, gateway: string): string {
  switch (snapshot?.phase) {
    case 'connecting':
      return `Connecting to ${gateway}…`;
    case 'connected':
      return `Connected to ${gateway}`;
    case 'reconnecting':
      return `Reconnecting to ${gateway}…`;
    case 'disconnecting':
      return 'Disconnecting…';
    case 'failed':
      return 'Connection failed';
    default:
      return 'Not connected';
  }
}

/** engine messages are lower-case fragments; shown alone they read better as a sentence */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
