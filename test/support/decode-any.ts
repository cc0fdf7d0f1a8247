// Decodes a datagram the way the engine does on receipt: header, then the payload chain of a
// cleartext message. Used by the property tests and `npm run fuzz`.
import { DecodeError } from '../../app/engine/wire/codec.js';
import { decodeHeader, isEncrypted } from '../../app/engine/wire/message.js';
import { decodePayloadChain } from '../../app/engine/wire/payloads.js';

function outcome(action: () => void): string {
  try {
    action();
    return 'ok';
  } catch (error) {
    if (error instanceof DecodeError) return error.code;
    throw error;
  }
}

/** Returns 'ok' or the DecodeError code, prefixed 'encrypted:' for a body that is ciphertext
 * (decoded as cleartext anyway, to stress the chain decoder with random bytes). Any other
 * exception escapes, and fails the caller. */
export function decodeAny(datagram: Buffer): string {
  let encrypted = false;
  const result = outcome(() => {
    const message = decodeHeader(datagram);
    encrypted = isEncrypted(message.header);
    decodePayloadChain(message.header.firstPayload, message.body);
  });
  return encrypted ? `encrypted:${result}` : result;
}

/** A mutation of a real message: flipped bytes, truncation, inserted garbage, length fields
 * pointed elsewhere. Deterministic for a given random source. */
export function mutate(original: Buffer, random: () => number): Buffer {
  const b = Buffer.from(original);
  const pick = (n: number) => Math.floor(random() * n);
  switch (pick(5)) {
    case 0:
      for (let i = 0, n = 1 + pick(4); i < n; i++) b[pick(b.length)] = pick(256);
      return b;
    case 1:
      return b.subarray(0, pick(b.length));
    case 2: {
      const at = pick(b.length);
      return Buffer.concat([
        b.subarray(0, at),
        Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256))),
        b.subarray(at),
      ]);
    }
    case 3: {
      // corrupt a 16-bit length: generic payload headers sit at 28 + k
      const at = 28 + 2 + pick(Math.max(1, b.length - 31));
      if (at + 1 < b.length) b.writeUInt16BE(pick(65536), at);
      return b;
    }
    default:
      if (b.length >= 28) b.writeUInt32BE(pick(2 ** 32), 24);
      return b;
  }
}
