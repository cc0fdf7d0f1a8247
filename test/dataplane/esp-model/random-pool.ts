// Random bytes drawn from a buffer refilled in batches: one randomFillSync per few thousand
// packets instead of one randomBytes call (several microseconds) per packet.
import { randomFillSync } from 'node:crypto';

const DEFAULT_POOL_BYTES = 64 * 1024;

export class RandomPool {
  private readonly pool: Buffer;
  private used: number;

  constructor(poolBytes = DEFAULT_POOL_BYTES) {
    this.pool = Buffer.allocUnsafeSlow(poolBytes);
    this.used = poolBytes; // first draw fills the pool
  }

  /** Copies `length` never-before-handed-out random bytes into target[offset..]. */
  fill(target: Buffer, offset: number, length: number): void {
    if (this.used + length > this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    this.pool.copy(target, offset, this.used, this.used + length);
    this.used += length;
  }
}
