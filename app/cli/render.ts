// How the CLI shows engine events: one JSON object per line (--json), or the human lines of
// app/shared/ui/event-text.ts.
import type { DiagnosisEvent, EngineEvent, LogLevel } from '../shared/events.js';
import { eventText } from '../shared/ui/event-text.js';
import { printable, terminalSafeJson } from './printable.js';

export type Renderer = (event: EngineEvent) => void;

export function jsonRenderer(write: (line: string) => void): Renderer {
  return (event) => write(`${terminalSafeJson(event)}\n`);
}

/** Every line is made printable: the events quote text the gateway chose. */
export function humanRenderer(write: (line: string) => void, level: LogLevel): Renderer {
  return (event) => {
    const text = eventText(event, level);
    if (text) write(printable(text));
  };
}

/** The one line a failed connect ends with: the diagnosis when there is one, else the error. */
export function failureLine(
  diagnosis: DiagnosisEvent | undefined,
  error: { code: string; message: string },
): string {
  return printable(
    diagnosis
      ? `roadwarrior: ${diagnosis.code}: ${diagnosis.cause}\n`
      : `roadwarrior: ${error.code}: ${error.message}\n`,
  );
}

/** Follows the connection's one current diagnosis (a cleared one is gone). */
export function diagnosisTracker(): {
  observe: (event: EngineEvent) => void;
  current: () => DiagnosisEvent | undefined;
} {
  let current: DiagnosisEvent | undefined;
  return {
    observe: (event) => {
      if (event.type !== 'diagnosis') return;
      if (!event.cleared) current = event;
      else if (current?.code === event.code) current = undefined;
    },
    current: () => current,
  };
}
