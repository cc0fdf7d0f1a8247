/** K1 | K2 | ... cut to length, with Kn+1 = next(Kn): the feedback expansion RFC 2409 uses for
 * the phase 1 key (appendix B) and for KEYMAT (5.5), each with its own next(). */
export function feedbackExpand(
  k1: Buffer,
  next: (previous: Buffer) => Buffer,
  length: number,
): Buffer {
  const blocks = [k1];
  let total = k1.length;
  for (let k = k1; total < length; total += k.length) {
    k = next(k);
    blocks.push(k);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
