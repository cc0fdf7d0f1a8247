// Earlier runs of the app from the log saved on disk (it survives a restart): the Log tab lists
// them on request and shows the one picked, as the file holds it.
import { useState } from 'react';
import type { InvokeResult } from '../../shared/ui/ipc.js';
import { formatCount } from '../../shared/ui/format.js';
import { useAction, useStore } from './hooks.js';

type LogSession = InvokeResult<'logs.sessions'>['sessions'][number];

const started = (at: string) => {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? 'earlier' : date.toLocaleString();
};

export function EarlierSessions() {
  const store = useStore();
  const [load, loading] = useAction(() => store.client.invoke('logs.sessions'));
  const [sessions, setSessions] = useState<LogSession[] | undefined>();
  const [picked, setPicked] = useState(0);
  const open = async () => {
    const result = await load();
    if (result) {
      setSessions(result.sessions);
      setPicked(0);
    }
  };

  if (!sessions)
    return (
      <p className="earlier-sessions">
        <button type="button" className="link" onClick={() => void open()} disabled={loading.busy}>
          Earlier sessions
        </button>
        {loading.error && <span role="alert"> {loading.error.message}</span>}
      </p>
    );
  const shown = sessions[picked];
  return (
    <section className="earlier-sessions" aria-label="Earlier sessions">
      <div className="tool">
        <label htmlFor="earlier-session">Earlier session</label>
        {shown ? (
          <select
            id="earlier-session"
            value={picked}
            onChange={(e) => setPicked(Number(e.target.value))}
          >
            {sessions.map((session, index) => (
              <option key={index} value={index}>
                {started(session.startedAt)} · {formatCount(session.lines)} lines
              </option>
            ))}
          </select>
        ) : (
          <span role="status">none in the saved log</span>
        )}
        <button type="button" className="button" onClick={() => setSessions(undefined)}>
          Close
        </button>
      </div>
      {shown && (
        <pre className="earlier-session-log" aria-label="Earlier session log" tabIndex={0}>
          {shown.text}
        </pre>
      )}
    </section>
  );
}
