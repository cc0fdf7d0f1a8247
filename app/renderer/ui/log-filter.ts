// The log pane's filtered view, kept up to date incrementally: new records are tested once,
// records trimmed from the front are dropped, and only a changed filter rescans everything.
import { type LogLevel, type LoggedRecord, type Phase, logLevels } from '../../shared/ui/ipc.js';

export interface LogFilter {
  /** show this level and the more severe ones */
  level: LogLevel;
  phase: Phase | 'all';
  search: string;
}

export class LogFilterView {
  matched: LoggedRecord[] = [];
  private key = '';
  private scannedSeq = -1;

  update(records: readonly LoggedRecord[], filter: LogFilter): LoggedRecord[] {
    const key = `${filter.level}\u0000${filter.phase}\u0000${filter.search}`;
    const test = matcher(filter);
    if (key !== this.key) {
      this.key = key;
      this.matched = records.filter(test);
    } else {
      const oldest = records[0]?.seq ?? Infinity;
      const dropFront = this.matched.findIndex((r) => r.seq >= oldest);
      const kept =
        dropFront < 0 ? [] : dropFront > 0 ? this.matched.slice(dropFront) : this.matched;
      const fresh: LoggedRecord[] = [];
      for (let i = records.length - 1; i >= 0; i--) {
        const record = records[i] as LoggedRecord;
        if (record.seq <= this.scannedSeq) break;
        if (test(record)) fresh.push(record);
      }
      this.matched = fresh.length ? kept.concat(fresh.reverse()) : kept;
    }
    this.scannedSeq = records.at(-1)?.seq ?? this.scannedSeq;
    return this.matched;
  }
}

function matcher(filter: LogFilter): (record: LoggedRecord) => boolean {
  const maxLevel = logLevels.indexOf(filter.level);
  const needle = filter.search.trim().toLowerCase();
  return ({ event }) =>
    logLevels.indexOf(event.level) <= maxLevel &&
    (filter.phase === 'all' || event.phase === filter.phase) &&
    (needle === '' || event.message.toLowerCase().includes(needle));
}
