// The renderer's copy of the log: the service's backlog (logs.read) merged with live records by
// sequence number, capped, with change notifications batched so a burst of thousands of lines
// costs one re-render.
import type { LoggedRecord } from '../../shared/ipc.js';

const NOTIFY_EVERY_MS = 100;

export class LogStore {
  /** oldest first */
  records: LoggedRecord[] = [];
  version = 0;
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

  getVersion = (): number => this.version;

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
      this.version++;
      this.listeners.forEach((l) => l());
    }, NOTIFY_EVERY_MS);
  }
}
