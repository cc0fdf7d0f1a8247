// Keys and hashes after phase 1: the HASH payloads of Quick Mode (RFC 2409 5.5), of
// informational (5.7) and transaction exchanges, and the ESP keys from KEYMAT (5.5).
import type { EspDirectionKeys, EspEncryption, EspIntegrity } from '../../shared/esp-sa.js';
import { CryptoError } from './errors.js';
import { feedbackExpand } from './expand.js';
import { messageIdBytes } from './message-id.js';
import type { Prf } from './prf.js';

/** prf(SKEYID_a, M-ID | payloads after HASH): Quick Mode HASH(1), informational HASH(1) and
 * the HASH of transaction exchanges (draft-dukes-ike-mode-cfg 3.2 uses the same form). */
export function messageHash(
  prf: Prf,
  skeyidA: Buffer,
  messageId: number,
  payloadsAfterHash: Buffer,
): Buffer {
  return prf(skeyidA, Buffer.concat([messageIdBytes(messageId), payloadsAfterHash]));
}

/** HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]) */
export function quickModeHash2(
  prf: Prf,
  skeyidA: Buffer,
  messageId: number,
  nonceI: Buffer,
  payloadsAfterHash: Buffer,
): Buffer {
  return prf(skeyidA, Buffer.concat([messageIdBytes(messageId), nonceI, payloadsAfterHash]));
}

/** HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
export function quickModeHash3(
  prf: Prf,
  skeyidA: Buffer,
  messageId: number,
  nonceI: Buffer,
  nonceR: Buffer,
): Buffer {
  return prf(skeyidA, Buffer.concat([Buffer.from([0]), messageIdBytes(messageId), nonceI, nonceR]));
}

export interface KeymatInput {
  prf: Prf;
  skeyidD: Buffer;
  /** g(qm)^xy when Quick Mode ran with PFS */
  sharedSecret?: Buffer | undefined;
  /** RFC 2407 4.4.1 protocol ID (ESP 3) */
  protocol: number;
  /** the SPI the receiving side of this direction chose */
  spi: Buffer;
  /** Ni_b / Nr_b */
  nonceI: Buffer;
  nonceR: Buffer;
}

/** KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * Kn+1 = prf(SKEYID_d, Kn | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b); cut to length. */
export function keymat(input: KeymatInput, length: number): Buffer {
  const seed = Buffer.concat([
    ...(input.sharedSecret ? [input.sharedSecret] : []),
    Buffer.from([input.protocol]),
    input.spi,
    input.nonceI,
    input.nonceR,
  ]);
  const next = (k: Buffer) => input.prf(input.skeyidD, Buffer.concat([k, seed]));
  return feedbackExpand(input.prf(input.skeyidD, seed), next, length);
}

export interface EspKeyLengths {
  encryption: number;
  integrity: number;
  salt: number;
}

// Integrity key lengths: RFC 2403 2 (MD5), RFC 2404 2 (SHA-1), RFC 4868 2.1.1 (SHA-2).
const INTEGRITY_KEY_LENGTH: Record<EspIntegrity, number> = {
  'hmac-md5-96': 16,
  'hmac-sha1-96': 20,
  'hmac-sha256-128': 32,
  'hmac-sha384-192': 48,
  'hmac-sha512-256': 64,
  none: 0,
};

/** Bytes of KEYMAT each part of an ESP transform takes. */
export function espKeyLengths(
  encryption: EspEncryption,
  keyBits: number,
  integrity: EspIntegrity,
): EspKeyLengths {
  const unsupported = () =>
    new CryptoError(
      'unsupported-transform',
      `ESP ${encryption} with ${keyBits}-bit key and ${integrity} is not supported`,
    );
  // A combined-mode cipher has no separate integrity algorithm; a CBC cipher must have one.
  if ((encryption === 'aes-gcm-16') !== (integrity === 'none')) throw unsupported();
  const integrityLength = INTEGRITY_KEY_LENGTH[integrity];
  if (encryption === '3des-cbc') {
    if (keyBits !== 192) throw unsupported();
    return { encryption: 24, integrity: integrityLength, salt: 0 };
  }
  if (![128, 192, 256].includes(keyBits)) throw unsupported();
  // RFC 4106 8.1: AES-GCM takes 4 bytes of salt after the key.
  return {
    encryption: keyBits / 8,
    integrity: integrityLength,
    salt: encryption === 'aes-gcm-16' ? 4 : 0,
  };
}

export interface EspKeyInput extends KeymatInput {
  encryption: EspEncryption;
  keyBits: number;
  integrity: EspIntegrity;
}

/** One direction's ESP keys: encryption key, then integrity key, then (GCM) salt, taken in
 * that order from the KEYMAT for that direction's SPI. */
export function espDirectionKeys(input: EspKeyInput): EspDirectionKeys {
  if (input.spi.length !== 4)
    throw new CryptoError('bad-spi', `an ESP SPI has 4 bytes, got ${input.spi.length}`);
  const lengths = espKeyLengths(input.encryption, input.keyBits, input.integrity);
  const material = keymat(input, lengths.encryption + lengths.integrity + lengths.salt);
  const integrityEnd = lengths.encryption + lengths.integrity;
  return {
    spi: input.spi.readUInt32BE(0),
    encryptionKey: material.subarray(0, lengths.encryption),
    integrityKey: material.subarray(lengths.encryption, integrityEnd),
    salt: material.subarray(integrityEnd),
  };
}
