// Messages after phase 1 are encrypted and start with a HASH payload computed with SKEYID_a
// over the message ID and the payloads that follow it (RFC 2409 5.5 Quick Mode, 5.7
// informational; draft-dukes-ike-mode-cfg 3.2 transactions). This module seals and opens them.
import { timingSafeEqual } from 'node:crypto';
import { CryptoError, messageHash } from './crypto/index.js';
import type { IkeSa } from './ike-sa.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { DecodeError } from './wire/codec.js';
import { GENERIC_PAYLOAD_HEADER_LENGTH, HeaderFlag, PayloadType } from './wire/constants.js';
import { type RawMessage, encodeHeader } from './wire/message.js';
import {
  type OutgoingPayload,
  type ReceivedPayload,
  decodePayloadChain,
  encodePayloadChain,
} from './wire/payloads.js';

/** The HASH of a message, given the bytes of the payloads after the HASH payload. */
export type HashInput = (sa: IkeSa, payloadsAfterHash: Buffer) => Buffer;

/** HASH(1) of informational and transaction exchanges: prf(SKEYID_a, M-ID | payloads). */
export const hashOverMessage =
  (messageId: number): HashInput =>
  (sa, rest) =>
    messageHash(sa.prf, sa.skeyidA, messageId, rest);

export function sealProtected(
  sa: IkeSa,
  exchangeType: number,
  messageId: number,
  payloads: readonly OutgoingPayload[],
  hashInput: HashInput,
): Buffer {
  const chain = encodePayloadChain(payloads);
  const hash = hashInput(sa, chain.bytes);
  const hashPayload = Buffer.alloc(GENERIC_PAYLOAD_HEADER_LENGTH);
  hashPayload.writeUInt8(chain.firstPayload, 0);
  hashPayload.writeUInt16BE(GENERIC_PAYLOAD_HEADER_LENGTH + hash.length, 2);
  const ciphertext = sa.encrypt(messageId, Buffer.concat([hashPayload, hash, chain.bytes]));
  const header = encodeHeader(
    {
      initiatorCookie: sa.initiatorCookie,
      responderCookie: sa.responderCookie,
      firstPayload: PayloadType.Hash,
      exchangeType,
      flags: HeaderFlag.Encryption,
      messageId,
    },
    ciphertext.length,
  );
  return Buffer.concat([header, ciphertext]);
}

/** Decrypts, checks that HASH comes first and is right, and only then advances the IV chain:
 * a forged or corrupted message must not desynchronise us (RFC 2409 appendix B). Anything
 * short of a verified HASH throws UnauthenticatedError. */
export function openProtected(
  sa: IkeSa,
  message: RawMessage,
  hashInput: HashInput,
): ReceivedPayload[] {
  if (!(message.header.flags & HeaderFlag.Encryption)) {
    throw new UnauthenticatedError('it is not encrypted, and every message after phase 1 is');
  }
  const decrypted = decryptBody(sa, message);
  const [hash, ...rest] = decrypted.payloads;
  if (hash?.type !== PayloadType.Hash) {
    throw new UnauthenticatedError('it does not start with a HASH payload');
  }
  const restBytes = Buffer.concat(rest.map((p) => p.bytes));
  const expected = hashInput(sa, restBytes);
  if (expected.length !== hash.body.data.length || !timingSafeEqual(expected, hash.body.data)) {
    throw new UnauthenticatedError('its HASH does not verify');
  }
  decrypted.commit();
  return rest;
}

/** The decrypted payloads, not yet authenticated. A body that is no whole number of cipher
 * blocks, or does not decrypt to a payload chain, comes from someone without our keys or was
 * damaged on the way. */
function decryptBody(
  sa: IkeSa,
  message: RawMessage,
): { payloads: ReceivedPayload[]; commit(): void } {
  try {
    const decrypted = sa.decrypt(message.header.messageId, message.body);
    const chain = decodePayloadChain(message.header.firstPayload, decrypted.plaintext);
    return { payloads: chain.payloads, commit: decrypted.commit };
  } catch (error) {
    if (error instanceof CryptoError || error instanceof DecodeError)
      throw new UnauthenticatedError(`it does not decrypt to payloads (${error.message})`);
    throw error;
  }
}
