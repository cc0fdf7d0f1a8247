// The negotiated hash of an IKE SA as the two functions IKEv1 uses: the plain hash (IVs,
// NAT-D) and the HMAC pseudo-random function (all key derivation). RFC 2409 appendix A hash
// identifiers 1-2, RFC 4868 2.1 / IANA "IPSEC Hash Algorithm" 4-6 for SHA-2.
import { createHash, createHmac } from 'node:crypto';
import { CryptoError } from './errors.js';

export type HashName = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** prf(key, data) of RFC 2409 3.2: the HMAC of the negotiated hash (RFC 2409 appendix A). */
export type Prf = (key: Buffer, data: Buffer) => Buffer;

const HASH_BY_IKE_ID: ReadonlyMap<number, HashName> = new Map([
  [1, 'md5'],
  [2, 'sha1'],
  [4, 'sha256'],
  [5, 'sha384'],
  [6, 'sha512'],
]);

/** The hash named by a phase 1 Hash-Algorithm attribute value. */
export function hashNameFromId(id: number): HashName {
  const name = HASH_BY_IKE_ID.get(id);
  if (!name) throw new CryptoError('unsupported-hash', `IKE hash algorithm ${id} is not supported`);
  return name;
}

export function createPrf(hash: HashName): Prf {
  return (key, data) => createHmac(hash, key).update(data).digest();
}

/** The plain hash over the concatenation of parts. */
export function digest(hash: HashName, parts: readonly Buffer[]): Buffer {
  const h = createHash(hash);
  for (const part of parts) h.update(part);
  return h.digest();
}
