// The connection log: the same records the CLI prints, virtualised, with a level and phase
// filter, text search, pause, follow, copy and save.
import { useMemo, useState, useSyncExternalStore } from 'react';
import {
  type LogLevel,
  type LoggedRecord,
  type Phase,
  logLevels,
  phases,
} from '../../shared/ui/ipc.js';
import { logLineText } from '../../shared/ui/event-text.js';
import { CopyButton } from './CopyButton.js';
import { DiagnosisPanel } from './DiagnosisPanel.js';
import { EarlierSessions } from './EarlierSessions.js';
import { VirtualList } from './VirtualList.js';
import { formatClock, formatCount } from '../../shared/ui/format.js';
import { type LogFilter, LogFilterView } from './log-filter.js';
import { useAction, useAppState, useStore } from './hooks.js';

const ROW_HEIGHT = 22;

const LEVEL_LABEL: Record<LogLevel, string> = {
  error: 'Errors only',
  warn: 'Warnings and errors',
  info: 'Info',
  debug: 'Debug',
  trace: 'Trace (everything)',
};

const PHASE_LABEL: Record<Phase, string> = {
  phase1: 'Phase 1',
  xauth: 'XAuth',
  modecfg: 'Mode Config',
  phase2: 'Phase 2',
  informational: 'Informational (DPD, DELETE)',
  dataplane: 'Data plane',
  network: 'Network',
  session: 'Session',
};

function Highlighted({ text, needle }: { text: string; needle: string }) {
  const at = needle ? text.toLowerCase().indexOf(needle.toLowerCase()) : -1;
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + needle.length)}</mark>
      {text.slice(at + needle.length)}
    </>
  );
}

function LogRow({
  record,
  needle,
  evidence,
}: {
  record: LoggedRecord;
  needle: string;
  /** the current diagnosis's evidence: a line that is part of it stands out */
  evidence: ReadonlySet<string>;
}) {
  const { event } = record;
  const isEvidence = evidence.has(event.message);
  return (
    <div
      className={`log-row log-${event.level}${isEvidence ? ' log-evidence' : ''}`}
      title={event.message}
      data-evidence={isEvidence || undefined}
    >
      <span className="log-time">{formatClock(event.at)}</span>
      <span className="log-level">{event.level.toUpperCase()}</span>
      <span className="log-phase">{event.phase}</span>
      <span className="log-message">
        <Highlighted text={event.message} needle={needle.trim()} />
      </span>
    </div>
  );
}

function download(content: BlobPart, name: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function LogPane() {
  const store = useStore();
  const snapshot = useSyncExternalStore(store.logs.subscribe, store.logs.getSnapshot);
  const [filter, setFilter] = useState<LogFilter>({ level: 'info', phase: 'all', search: '' });
  const [follow, setFollow] = useState(true);
  const [frozen, setFrozen] = useState<LoggedRecord[] | undefined>();
  const [status, setStatus] = useState('');
  // one incremental view per pane (state, not a ref: render reads it); a new snapshot means
  // new records, and the view does only the new work
  const [view] = useState(() => new LogFilterView());
  const matched = useMemo(() => view.update(snapshot.records, filter), [view, snapshot, filter]);
  const shown = frozen ?? matched;
  const [save, saving] = useAction(() => store.client.invoke('logs.export', { format: 'text' }));
  const [bundle, bundling] = useAction(() => store.client.invoke('support.bundle'));
  const diagnosis = useAppState((s) => s.snapshot?.diagnosis);
  const evidence = useMemo(() => new Set(diagnosis?.evidence), [diagnosis]);

  const update = (change: Partial<LogFilter>) => setFilter((f) => ({ ...f, ...change }));
  const saveToFile = async () => {
    const result = await save();
    if (result?.text !== undefined) download(result.text, result.suggestedName);
    if (result)
      setStatus(
        result.savedTo
          ? `Saved ${formatCount(result.lines)} lines to ${result.savedTo}`
          : `Saved ${formatCount(result.lines)} lines`,
      );
  };

  const saveSupportBundle = async () => {
    const result = await bundle();
    if (result?.archiveBase64 !== undefined) {
      const bytes = Uint8Array.from(atob(result.archiveBase64), (c) => c.charCodeAt(0));
      download(bytes, result.suggestedName, 'application/gzip');
    }
    if (result)
      setStatus(`Saved the support bundle${result.savedTo ? ` to ${result.savedTo}` : ''}`);
  };

  return (
    <section className="log-pane" aria-label="Log">
      {diagnosis && <DiagnosisPanel diagnosis={diagnosis} />}
      <div className="log-toolbar">
        <div className="tool">
          <label htmlFor="log-level">Level</label>
          <select
            id="log-level"
            value={filter.level}
            onChange={(e) => update({ level: e.target.value as LogLevel })}
          >
            {logLevels.map((level) => (
              <option key={level} value={level}>
                {LEVEL_LABEL[level]}
              </option>
            ))}
          </select>
        </div>
        <div className="tool">
          <label htmlFor="log-phase">Phase</label>
          <select
            id="log-phase"
            value={filter.phase}
            onChange={(e) => update({ phase: e.target.value as Phase | 'all' })}
          >
            <option value="all">All</option>
            {phases.map((phase) => (
              <option key={phase} value={phase}>
                {PHASE_LABEL[phase]}
              </option>
            ))}
          </select>
        </div>
        <div className="tool log-search">
          <label htmlFor="log-search">Search</label>
          <input
            id="log-search"
            type="search"
            value={filter.search}
            placeholder="text in the message"
            onChange={(e) => update({ search: e.target.value })}
          />
        </div>
        <div className="tools-end">
          <button
            type="button"
            className="button"
            aria-pressed={frozen !== undefined}
            onClick={() => setFrozen(frozen ? undefined : matched)}
          >
            {frozen ? 'Resume' : 'Pause'}
          </button>
          <label className="check">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
            Follow new lines
          </label>
          <CopyButton
            label="Copy"
            className="button"
            text={() => shown.map((r) => logLineText(r.event)).join('\n')}
            copied={`Copied ${formatCount(shown.length)} lines`}
            onStatus={setStatus}
          />
          <button
            type="button"
            className="button"
            onClick={() => void saveToFile()}
            disabled={saving.busy}
          >
            Save…
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void saveSupportBundle()}
            disabled={bundling.busy}
            title="Logs, profiles without secrets, SA details, diagnosis and the decrypted IKE messages with their secrets blanked, in one file for your help desk"
          >
            Save support bundle
          </button>
        </div>
      </div>
      <p className="log-status" aria-live="polite" data-testid="log-status">
        {formatCount(shown.length)} of {formatCount(store.logs.records.length)} lines
        {frozen ? ` · paused, ${formatCount(Math.max(0, matched.length - frozen.length))} new` : ''}
        {status ? ` · ${status}` : ''}
        {saving.error ? ` · ${saving.error.message}` : ''}
        {bundling.error ? ` · ${bundling.error.message}` : ''}
      </p>
      <EarlierSessions />
      <VirtualList
        items={shown}
        rowHeight={ROW_HEIGHT}
        rowKey={(record) => record.seq}
        renderRow={(record) => (
          <LogRow record={record} needle={filter.search} evidence={evidence} />
        )}
        follow={follow && !frozen}
        onScrolled={setFollow}
        label="Connection log"
      />
    </section>
  );
}
