// The last N log records, so a UI that opens (or reopens) mid-session sees the whole story.
// A fixed-size ring: pushing is O(1) and never allocates once full.
import type { LoggedRecord } from '../../shared/ui/ipc-schemas.js';

export class LogRing {
  private readonly slots: (LoggedRecord | undefined)[];
  /** index of the oldest record */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.slots = new Array<LoggedRecord | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(record: LoggedRecord): void {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = record;
      this.count++;
    } else {
      this.slots[this.head] = record;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Records with seq > afterSeq, oldest first, at most limit (the newest ones if cut). */
  read(afterSeq: number, limit: number): LoggedRecord[] {
    const first = this.firstIndexAfter(afterSeq);
    const start = Math.max(first, this.count - limit);
    const out: LoggedRecord[] = [];
    for (let i = start; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  private at(logicalIndex: number): LoggedRecord {
    return this.slots[(this.head + logicalIndex) % this.capacity] as LoggedRecord;
  }

  /** seq numbers only grow, so binary search */
  private firstIndexAfter(seq: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid).seq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
