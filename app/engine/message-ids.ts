// Message IDs of the exchanges after phase 1 (RFC 2408 3.1): random and never reused on this
// connection, since each ID keys its own IV chain and retransmission state.
import { randomInt } from 'node:crypto';

export class MessageIds {
  private readonly used = new Set<number>();

  /** a fresh ID for an exchange we start (0 belongs to phase 1) */
  next = (): number => {
    for (;;) {
      const id = randomInt(1, 0xffffffff);
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  };

  /** an ID the gateway chose for an exchange it started, so ours never collide with it */
  reserve(id: number): void {
    this.used.add(id);
  }
}
