// A diagnosis as text, the same for the CLI's human output and the desktop's "Copy diagnosis":
// code and cause, each piece of evidence, what to try.
import type { DiagnosisEvent } from '../events.js';

export type { DiagnosisEvent };

export function diagnosisText(event: DiagnosisEvent): string {
  if (event.cleared) return `diagnosis cleared (${event.code}): ${event.evidence.at(-1) ?? ''}\n`;
  const evidence = event.evidence.map((line) => `  - ${line}\n`).join('');
  return `diagnosis (${event.code}): ${event.cause}\n${evidence}  try: ${event.next}\n`;
}
