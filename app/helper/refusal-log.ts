// Refusals are logged, but a local user hammering the socket must not flood the journal: at most
// a few lines per uid per minute, then one line saying how many were left out.
import type { LogLevel } from '../shared/events.js';

export const REFUSALS_PER_WINDOW = 5;
export const REFUSAL_WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
}

export class RefusalLog {
  private readonly windows = new Map<number, Window>();

  constructor(
    private readonly log: (level: LogLevel, message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs a refusal of `uid` as a warning unless this uid used up its lines in this window. */
  refused(uid: number, message: string): void {
    const at = this.now();
    let window = this.windows.get(uid);
    if (window === undefined || at - window.startedAt >= REFUSAL_WINDOW_MS) {
      if (window !== undefined && window.suppressed > 0) {
        this.log('warn', `${window.suppressed} more refusals of uid ${uid} were not logged`);
      }
      window = { startedAt: at, logged: 0, suppressed: 0 };
      this.windows.set(uid, window);
    }
    if (window.logged < REFUSALS_PER_WINDOW) {
      window.logged++;
      this.log('warn', message);
      if (window.logged === REFUSALS_PER_WINDOW) {
        this.log('warn', `further refusals of uid ${uid} are not logged for a minute`);
      }
    } else {
      window.suppressed++;
    }
  }
}
