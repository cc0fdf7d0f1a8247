// ECDSA over a digest already computed (IKEv1's HASH_I / HASH_R, RFC 4754), by the engine's own
// addon (native/raw_ecdsa.cc, OpenSSL EVP): node:crypto's sign and verify always hash their input
// again, which no IKEv1 peer does. Signatures are r || s, each the curve order's length
// (RFC 4754 7).
import type { KeyObject } from 'node:crypto';
import { loadEngineAddon } from './engine-addon.js';

interface RawEcdsaAddon {
  signDigest(pkcs8Der: Buffer, digest: Buffer): Buffer;
  verifyDigest(spkiDer: Buffer, digest: Buffer, signature: Buffer): boolean;
}

/** The addon; a missing build is a certificate problem naming the command that builds it. */
export function loadRawEcdsa(): RawEcdsaAddon {
  return loadEngineAddon<RawEcdsaAddon>('raw_ecdsa', 'ECDSA signatures need', 'ecdsa-unavailable');
}

/** r || s over `digest` with an EC private key. */
export function ecdsaSignDigest(key: KeyObject, digest: Buffer): Buffer {
  const addon = loadRawEcdsa();
  const der = key.export({ type: 'pkcs8', format: 'der' });
  try {
    return addon.signDigest(der, digest);
  } finally {
    der.fill(0);
  }
}

/** Whether `signature` (r || s) signs `digest` for an EC public key; false for anything
 * malformed. */
export function ecdsaDigestVerifies(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const addon = loadRawEcdsa();
  return addon.verifyDigest(key.export({ type: 'spki', format: 'der' }), digest, signature);
}
