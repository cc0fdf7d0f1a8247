// Negotiated transform (RFC 2407 names from the contract) to the algorithms that implement it,
// by their OpenSSL names (node:crypto uses the same).
import type { CipherGCMTypes } from 'node:crypto';
import type { EspSaPair } from '../../shared/esp-sa.js';

export interface CbcHmacTransform {
  /** node:crypto cipher name */
  cipher: string;
  /** cipher block size = IV length (RFC 3602 2.1, RFC 2451 2.2) */
  blockSize: number;
  /** node:crypto digest name for the HMAC */
  hmac: string;
  /** truncated ICV length (RFC 2404 2, RFC 4868 2.1.1, RFC 2403 2) */
  icvLength: number;
}

/** RFC 4106 8.1: AES-GCM with 128, 192 or 256-bit keys, by key bytes */
const GCM_CIPHERS: Record<number, CipherGCMTypes> = {
  16: 'aes-128-gcm',
  24: 'aes-192-gcm',
  32: 'aes-256-gcm',
};
/** RFC 4106 8.1: the last 4 bytes of the KEYMAT */
const GCM_SALT_LENGTH = 4;

/** RFC 3602 (AES-CBC, 16-byte blocks) and RFC 2451 (3DES-CBC, 8-byte blocks, 192-bit key) */
const CBC_CIPHERS: Record<string, { blockSize: number; byKeyBytes: Record<number, string> }> = {
  'aes-cbc': {
    blockSize: 16,
    byKeyBytes: { 16: 'aes-128-cbc', 24: 'aes-192-cbc', 32: 'aes-256-cbc' },
  },
  '3des-cbc': { blockSize: 8, byKeyBytes: { 24: 'des-ede3-cbc' } },
};

/** RFC 2404 (HMAC-SHA1-96), RFC 4868 2.1 (HMAC-SHA-256-128, -384-192, -512-256: key as long
 * as the digest, ICV its first half), RFC 2403 (HMAC-MD5-96) */
const INTEGRITY: Record<string, { hmac: string; keyLength: number; icvLength: number }> = {
  'hmac-sha1-96': { hmac: 'sha1', keyLength: 20, icvLength: 12 },
  'hmac-sha256-128': { hmac: 'sha256', keyLength: 32, icvLength: 16 },
  'hmac-sha384-192': { hmac: 'sha384', keyLength: 48, icvLength: 24 },
  'hmac-sha512-256': { hmac: 'sha512', keyLength: 64, icvLength: 32 },
  'hmac-md5-96': { hmac: 'md5', keyLength: 16, icvLength: 12 },
};

export type EspTransform =
  { kind: 'gcm'; cipher: CipherGCMTypes } | ({ kind: 'cbc' } & CbcHmacTransform);

function checkKeyLengths(sa: EspSaPair, saltLength: number, integrityKeyLength: number): void {
  for (const keys of [sa.inbound, sa.outbound]) {
    if (
      keys.encryptionKey.length * 8 !== sa.keyBits ||
      keys.salt.length !== saltLength ||
      keys.integrityKey.length !== integrityKeyLength
    ) {
      throw new RangeError(`SA ${sa.id}: key lengths do not fit ${sa.encryption}/${sa.integrity}`);
    }
  }
}

/** The transform of an SA pair; RangeError for transforms or key lengths we do not implement. */
export function resolveTransform(sa: EspSaPair): EspTransform {
  const keyBytes = sa.keyBits / 8;
  const unsupported = new RangeError(
    `SA ${sa.id}: unsupported transform ${sa.encryption}-${sa.keyBits} with ${sa.integrity}`,
  );
  if (sa.encryption === 'aes-gcm-16') {
    const cipher = GCM_CIPHERS[keyBytes];
    // combined mode: GCM's own tag is the ICV, no separate integrity algorithm
    if (!cipher || sa.integrity !== 'none') throw unsupported;
    checkKeyLengths(sa, GCM_SALT_LENGTH, 0);
    return { kind: 'gcm', cipher };
  }
  const cbc = CBC_CIPHERS[sa.encryption];
  const cipher = cbc?.byKeyBytes[keyBytes];
  const integrity = INTEGRITY[sa.integrity];
  if (!cbc || !cipher || !integrity) throw unsupported;
  checkKeyLengths(sa, 0, integrity.keyLength);
  const { hmac, icvLength } = integrity;
  return { kind: 'cbc', cipher, blockSize: cbc.blockSize, hmac, icvLength };
}
