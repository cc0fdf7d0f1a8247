// Negotiated transform (RFC 2407 names from the contract) to the node:crypto algorithms and
// the per-direction sealer/opener that implement it.
import type { EspDirectionKeys, EspSaPair } from '../../shared/esp-sa.js';
import { AesGcmOpener, AesGcmSealer } from './aes-gcm.js';
import { type CbcHmacTransform, CbcHmacOpener, CbcHmacSealer } from './cbc-hmac.js';
import type { EspOpener, EspSealer } from './esp-codec.js';
import type { RandomPool } from './random-pool.js';

/** RFC 2404 (HMAC-SHA1-96), RFC 4868 2.1 (HMAC-SHA-256-128), RFC 2403 (HMAC-MD5-96) */
const INTEGRITY: Record<string, { hmac: string; keyLength: number; icvLength: number }> = {
  'hmac-sha1-96': { hmac: 'sha1', keyLength: 20, icvLength: 12 },
  'hmac-sha256-128': { hmac: 'sha256', keyLength: 32, icvLength: 16 },
  'hmac-md5-96': { hmac: 'md5', keyLength: 16, icvLength: 12 },
};

type EspTransform = { kind: 'gcm'; cipher: string } | ({ kind: 'cbc' } & CbcHmacTransform);

function resolveTransform(sa: EspSaPair): EspTransform {
  const keyBytes = sa.keyBits / 8;
  const checkKeys = (keys: EspDirectionKeys, saltLength: number, integrityLength: number) => {
    if (
      keys.encryptionKey.length !== keyBytes ||
      keys.salt.length !== saltLength ||
      keys.integrityKey.length !== integrityLength
    ) {
      throw new RangeError(`SA ${sa.id}: key lengths do not fit ${sa.encryption}/${sa.integrity}`);
    }
  };
  const aesKey = keyBytes === 16 || keyBytes === 24 || keyBytes === 32;
  if (sa.encryption === 'aes-gcm-16') {
    // RFC 4106: combined mode, no separate integrity; 4-byte salt from KEYMAT (8.1)
    if (!aesKey || sa.integrity !== 'none') {
      throw new RangeError(`SA ${sa.id}: unsupported ${sa.encryption} ${sa.keyBits} with ${sa.integrity}`);
    }
    for (const keys of [sa.inbound, sa.outbound]) checkKeys(keys, 4, 0);
    return { kind: 'gcm', cipher: `aes-${sa.keyBits}-gcm` };
  }
  const integrity = INTEGRITY[sa.integrity];
  // RFC 3602 (AES-CBC, 16-byte blocks) and RFC 2451 (3DES-CBC, 8-byte blocks, 192-bit key)
  const cipher =
    sa.encryption === 'aes-cbc' && aesKey
      ? { cipher: `aes-${sa.keyBits}-cbc`, blockSize: 16 }
      : sa.encryption === '3des-cbc' && keyBytes === 24
        ? { cipher: 'des-ede3-cbc', blockSize: 8 }
        : undefined;
  if (!cipher || !integrity) {
    throw new RangeError(`SA ${sa.id}: unsupported ${sa.encryption} ${sa.keyBits} with ${sa.integrity}`);
  }
  for (const keys of [sa.inbound, sa.outbound]) checkKeys(keys, 0, integrity.keyLength);
  return { kind: 'cbc', ...cipher, hmac: integrity.hmac, icvLength: integrity.icvLength };
}

export interface EspCodecs {
  sealer: EspSealer;
  opener: EspOpener;
}

/**
 * Sealer for sa.outbound and opener for sa.inbound. Throws RangeError for transforms or key
 * lengths we do not implement. `scratch` is shared plaintext space (single-threaded use).
 */
export function createCodecs(sa: EspSaPair, scratch: Buffer, random: RandomPool): EspCodecs {
  const transform = resolveTransform(sa);
  if (transform.kind === 'gcm') {
    return {
      sealer: new AesGcmSealer(transform.cipher, sa.outbound, scratch),
      opener: new AesGcmOpener(transform.cipher, sa.inbound),
    };
  }
  return {
    sealer: new CbcHmacSealer(transform, sa.outbound, scratch, random),
    opener: new CbcHmacOpener(transform, sa.inbound),
  };
}
