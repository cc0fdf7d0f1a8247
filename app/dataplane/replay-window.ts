// RFC 4303 3.4.3 anti-replay: a sliding window over received sequence numbers, as a bitmap.
// check() is cheap and comes before the ICV; accept() moves the window only after the packet
// authenticated, so forged packets cannot advance it.
export class ReplayWindow {
  private top = 0;
  private readonly bits: Uint32Array;

  constructor(private readonly size: number) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
  }

  private bit(seq: number): [number, number] {
    const index = seq % this.size;
    return [index >>> 5, 1 << (index & 31)];
  }

  check(seq: number): boolean {
    if (seq === 0) return false;
    if (seq > this.top) return true;
    if (this.top - seq >= this.size) return false;
    const [word, mask] = this.bit(seq);
    return (this.bits[word]! & mask) === 0;
  }

  accept(seq: number): void {
    if (seq > this.top) {
      const advance = seq - this.top;
      if (advance >= this.size) this.bits.fill(0);
      else for (let s = this.top + 1; s <= seq; s++) this.clear(s);
      this.top = seq;
    }
    const [word, mask] = this.bit(seq);
    this.bits[word] = this.bits[word]! | mask;
  }

  private clear(seq: number): void {
    const [word, mask] = this.bit(seq);
    this.bits[word] = this.bits[word]! & ~mask;
  }
}
