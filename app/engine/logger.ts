// Log records as engine events. Messages are composed by the engine from non-secret values;
// Secret objects print as a placeholder even if one slips into a template string.
import type { LogLevel, Phase } from '../shared/events.js';
import { logLevels } from '../shared/events.js';

export type LogSink = (level: LogLevel, phase: Phase, message: string) => void;

export class Logger {
  private readonly threshold: number;

  constructor(
    private readonly sink: LogSink,
    level: LogLevel,
  ) {
    this.threshold = logLevels.indexOf(level);
  }

  enabled(level: LogLevel): boolean {
    return logLevels.indexOf(level) <= this.threshold;
  }

  private write(level: LogLevel, phase: Phase, message: string): void {
    if (this.enabled(level)) this.sink(level, phase, message);
  }

  error(phase: Phase, message: string): void {
    this.write('error', phase, message);
  }
  warn(phase: Phase, message: string): void {
    this.write('warn', phase, message);
  }
  info(phase: Phase, message: string): void {
    this.write('info', phase, message);
  }
  debug(phase: Phase, message: string): void {
    this.write('debug', phase, message);
  }
  trace(phase: Phase, message: string): void {
    this.write('trace', phase, message);
  }
}
