// The renderer's copy of the log: the service's backlog (logs.read) merged with live records by
// sequence number, capped, with change notifications batched so a burst of thousands of lines
// costs one re-render.
import type { LoggedRecord } from '../../shared/ui/ipc.js';

const NOTIFY_EVERY_MS = 100;

/** What a render reads: a new object each time records arrive (the records array itself grows in place). */
export interface LogSnapshot {
  readonly version: number;
  readonly records: readonly LoggedRecord[];
}

export class LogStore {
  /** oldest first */
  records: LoggedRecord[] = [];
  private snapshot: LogSnapshot = { version: 0, records: this.records };
  private lastSeq = -1;
  private backlogLoaded = false;
  private early: LoggedRecord[] = [];
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly capacity = 100_000) {}

  get newestSeq(): number {
    return this.lastSeq;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LogSnapshot => this.snapshot;

  add(record: LoggedRecord): void {
    if (!this.backlogLoaded) this.early.push(record);
    else this.append([record]);
  }

  /** Live records wait until the backlog read that starts now is in, so none falls between. */
  holdLive(): void {
    this.backlogLoaded = false;
  }

  /** the service's ring, read once at start (and again after the link comes back) */
  loadBacklog(records: LoggedRecord[]): void {
    const early = this.early;
    this.early = [];
    this.backlogLoaded = true;
    this.append(records);
    this.append(early);
  }

  private append(records: LoggedRecord[]): void {
    let added = false;
    for (const record of records) {
      if (record.seq <= this.lastSeq) continue;
      this.records.push(record);
      this.lastSeq = record.seq;
      added = true;
    }
    if (!added) return;
    // trim in chunks so the copy is amortised
    if (this.records.length > this.capacity * 1.1)
      this.records = this.records.slice(-this.capacity);
    this.scheduleNotify();
  }

  private scheduleNotify(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.snapshot = { version: this.snapshot.version + 1, records: this.records };
      this.listeners.forEach((l) => l());
    }, NOTIFY_EVERY_MS);
  }
}
