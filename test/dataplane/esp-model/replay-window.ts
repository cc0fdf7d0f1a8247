// RFC 4303 3.4.3 anti-replay window, kept as a ring of 32-bit bitmap words in the manner of
// RFC 4303 Appendix A2 / RFC 6479: sliding forward clears whole words, so every packet costs
// O(1) and no bit shifting of the whole window is needed.

const BITS_PER_WORD = 32;

export class ReplayWindow {
  private readonly words: Uint32Array;
  private readonly wordMask: number;
  /** highest authenticated sequence number so far; 0 = none (RFC 4303 3.3.3: seq starts at 1) */
  private top = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`bad replay window: ${size}`);
    // The window (top - size, top] touches at most ceil(size / 32) + 1 words; a power of two
    // lets the ring index be a mask.
    const needed = Math.ceil(size / BITS_PER_WORD) + 1;
    this.words = new Uint32Array(2 ** Math.ceil(Math.log2(needed)));
    this.wordMask = this.words.length - 1;
  }

  /** Whether seq may be new. Read-only: the window moves in accept(), after the ICV verified. */
  isFresh(seq: number): boolean {
    if (seq === 0) return false;
    if (seq > this.top) return true;
    if (this.top - seq >= this.size) return false;
    return ((this.words[(seq >>> 5) & this.wordMask] ?? 0) & (1 << (seq & 31))) === 0;
  }

  /** Marks an authenticated, fresh seq as received (RFC 4303 3.4.3: update only after ICV). */
  accept(seq: number): void {
    if (seq > this.top) {
      const topWord = this.top >>> 5;
      const slide = Math.min((seq >>> 5) - topWord, this.words.length);
      for (let step = 1; step <= slide; step++) this.words[(topWord + step) & this.wordMask] = 0;
      this.top = seq;
    }
    const index = (seq >>> 5) & this.wordMask;
    this.words[index] = (this.words[index] ?? 0) | (1 << (seq & 31));
  }
}
