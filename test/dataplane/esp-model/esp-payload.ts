// ESP packet layout (RFC 4303 2): SPI | Sequence Number | [IV] | Payload | Padding |
// Pad Length | Next Header | ICV, with everything from the payload to the next header encrypted.

/** RFC 4303 2.1 / 2.2: SPI and sequence number, four bytes each */
export const ESP_HEADER_LENGTH = 8;
export const ESP_SEQUENCE_OFFSET = 4;
/** Pad Length and Next Header (RFC 4303 2.5, 2.6) */
export const ESP_TRAILER_LENGTH = 2;
/** RFC 4303 2.4: the padded plaintext ends on a 4-byte boundary even for stream-like ciphers */
export const ESP_MIN_ALIGNMENT = 4;

/** RFC 4303 2.4: pad length for a payload so the plaintext fills whole `alignment` units */
function espPadLength(payloadLength: number, alignment: number): number {
  return -(payloadLength + ESP_TRAILER_LENGTH) & (alignment - 1);
}

/** Length of the plaintext writeEspPlaintext() writes for a payload of this length. */
export function espPlaintextLength(payloadLength: number, alignment: number): number {
  return payloadLength + espPadLength(payloadLength, alignment) + ESP_TRAILER_LENGTH;
}

/**
 * Writes payload | padding | pad length | next header into target at offset and returns its
 * length. RFC 4303 2.4: padding fills to a multiple of `alignment` (a power of two: the cipher
 * block size, at least 4) with the monotonically increasing bytes 1, 2, 3, ...
 */
export function writeEspPlaintext(
  target: Buffer,
  offset: number,
  payload: Buffer,
  nextHeader: number,
  alignment: number,
): number {
  const padLength = espPadLength(payload.length, alignment);
  let cursor = offset + payload.copy(target, offset);
  for (let pad = 1; pad <= padLength; pad++) target[cursor++] = pad;
  target[cursor++] = padLength;
  target[cursor++] = nextHeader;
  return cursor - offset;
}

/**
 * Where the payload ends in a decrypted plaintext of `length` bytes, or -1 when the padding
 * is not the 1, 2, 3, ... that RFC 4303 2.4 prescribes (and so the packet is bogus).
 */
export function espPayloadLength(plaintext: Buffer, length: number): number {
  const padLength = plaintext[length - 2] ?? 0;
  const payloadLength = length - ESP_TRAILER_LENGTH - padLength;
  if (payloadLength < 0) return -1;
  for (let pad = 1; pad <= padLength; pad++) {
    if (plaintext[payloadLength + pad - 1] !== pad) return -1;
  }
  return payloadLength;
}
