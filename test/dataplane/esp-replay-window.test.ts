// The bitmap anti-replay window against a plain set-based model of RFC 4303 3.4.3.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReplayWindow } from './esp-model/replay-window.js';

/** RFC 4303 3.4.3 stated directly: fresh = not 0, not seen, not older than top - size + 1 */
class ModelWindow {
  private readonly seen = new Set<number>();
  private top = 0;
  constructor(private readonly size: number) {}
  isFresh(seq: number): boolean {
    return seq !== 0 && !this.seen.has(seq) && (seq > this.top || this.top - seq < this.size);
  }
  accept(seq: number): void {
    this.seen.add(seq);
    this.top = Math.max(this.top, seq);
  }
}

test('edges: zero, duplicates, the window boundary, big jumps', () => {
  const window = new ReplayWindow(64);
  assert.equal(window.isFresh(0), false);
  window.accept(100);
  assert.equal(window.isFresh(100), false);
  assert.equal(window.isFresh(37), true, 'top - 63 is the oldest seq inside');
  assert.equal(window.isFresh(36), false);
  window.accept(37);
  assert.equal(window.isFresh(37), false);
  window.accept(100_000);
  assert.equal(window.isFresh(99_937), true);
  assert.equal(window.isFresh(100), false);
  window.accept(0xffffffff);
  assert.equal(window.isFresh(0xffffffff), false);
  assert.equal(window.isFresh(0xffffffff - 63), true);
  assert.equal(window.isFresh(0xffffffff - 64), false);
});

test('a bit set long ago does not come back after the ring wraps', () => {
  const window = new ReplayWindow(32); // 2 words of ring
  window.accept(5);
  window.accept(69); // same ring slot as 5, two words on
  assert.equal(window.isFresh(70), true);
  assert.equal(window.isFresh(68), true);
  window.accept(133); // and again
  assert.equal(window.isFresh(69 + 64), false);
  assert.equal(window.isFresh(130), true);
});

test('matches the model for random arrival orders and window sizes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 2 ** 32 - 5000 }),
      fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 400 }),
      (size, base, offsets) => {
        const window = new ReplayWindow(size);
        const model = new ModelWindow(size);
        for (const offset of offsets) {
          const seq = base + offset;
          const fresh = model.isFresh(seq);
          assert.equal(window.isFresh(seq), fresh, `seq ${seq}`);
          if (fresh) {
            window.accept(seq);
            model.accept(seq);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
