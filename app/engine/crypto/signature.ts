// RSA signatures of IKEv1 phase 1 (RFC 2409 5.1): SIG_I / SIG_R is HASH_I / HASH_R itself,
// PKCS#1 v1.5 padded (block type 1) and encrypted with the private key, without the DigestInfo
// a signature of a message digest would wrap it in (as strongSwan's and Cisco's IKEv1 do).
import {
  type KeyObject,
  constants,
  privateEncrypt,
  publicDecrypt,
  timingSafeEqual,
} from 'node:crypto';

export function signHash(key: KeyObject, hash: Buffer): Buffer {
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, hash);
}

export function hashSignatureVerifies(key: KeyObject, hash: Buffer, signature: Buffer): boolean {
  if (key.asymmetricKeyType !== 'rsa') return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.length === hash.length && timingSafeEqual(recovered, hash);
}
