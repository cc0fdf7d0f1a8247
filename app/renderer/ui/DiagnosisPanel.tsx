// The engine's current diagnosis for the help desk and the user: the cause in plain words, the
// evidence it rests on, what to try, and a button that copies all of it as text.
import { useState } from 'react';
import { type DiagnosisEvent, diagnosisText } from '../../shared/ui/diagnosis-text.js';

export function DiagnosisPanel({ diagnosis }: { diagnosis: DiagnosisEvent }) {
  const [status, setStatus] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(diagnosisText(diagnosis));
      setStatus('Copied');
    } catch {
      setStatus('Copying was not allowed by the browser');
    }
  };
  return (
    <section
      className="alert alert-error diagnosis"
      aria-label="Diagnosis"
      data-testid="diagnosis"
      data-code={diagnosis.code}
    >
      <h3>{diagnosis.cause}</h3>
      <ul className="diagnosis-evidence" aria-label="Evidence">
        {diagnosis.evidence.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
      <p className="alert-hint">
        <strong>What to try:</strong> {diagnosis.next}
      </p>
      <p className="alert-meta">
        code <code>{diagnosis.code}</code> ·{' '}
        <button type="button" className="link" onClick={() => void copy()}>
          Copy diagnosis
        </button>
        {status && <span role="status"> {status}</span>}
      </p>
    </section>
  );
}
