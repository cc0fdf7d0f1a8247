// The engine's current diagnosis for the help desk and the user: the cause in plain words, the
// evidence it rests on, what to try, and a button that copies all of it as text.
import { diagnosisText } from '../../shared/ui/event-text.js';
import type { DiagnosisEvent } from '../../shared/ui/ipc.js';
import { CopyButton } from './CopyButton.js';

export function DiagnosisPanel({ diagnosis }: { diagnosis: DiagnosisEvent }) {
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
        <CopyButton label="Copy diagnosis" text={() => diagnosisText(diagnosis)} />
      </p>
    </section>
  );
}
