// The text form of a log record, shared by the saved log file and the renderer's copy button.
import type { LogEvent } from '../events.js';

export function formatLogLine(event: LogEvent): string {
  return `${new Date(event.at).toISOString()} ${event.level.toUpperCase().padEnd(5)} ${event.phase.padEnd(13)} ${event.message}`;
}
