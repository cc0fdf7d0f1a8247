// Phase 1 signatures of HASH_I / HASH_R (RFC 2409 5.1), by the signing key's type.
// RSA: SIG_I / SIG_R is the hash itself, PKCS#1 v1.5 padded (block type 1) and encrypted with the
// private key, without the DigestInfo a signature of a message digest would wrap it in (as
// strongSwan's and Cisco's IKEv1 do).
// ECDSA (RFC 4754): the hash itself is the digest signed (raw-ecdsa.ts), and the curve names the
// Authentication-Method (4): P-256 ECDSA-256, P-384 ECDSA-384, P-521 ECDSA-521, each with its
// SHA-2 (3), which is also the prf of HASH_I and HASH_R whatever the proposal's hash: strongSwan's
// IKEv1 computes them so (keymat_v1), and with P-384 and a SHA-256 proposal nothing else verifies.
import {
  type KeyObject,
  constants,
  privateEncrypt,
  publicDecrypt,
  timingSafeEqual,
} from 'node:crypto';
import { AuthMethod } from '../wire/constants.js';
import type { HashName } from './prf.js';
import { ecdsaDigestVerifies, ecdsaSignDigest } from './raw-ecdsa.js';

/** An RFC 4754 method: its Authentication-Method value, and its name in the IKE SA event. */
export interface EcdsaMethod {
  methodId: number;
  label: string;
  /** the curve's name for people */
  curve: string;
  /** the prf (HMAC with this hash, keyed with SKEYID) of HASH_I and HASH_R */
  hash: HashName;
}

/** RFC 4754 4, by node:crypto's curve names. */
const ECDSA_METHODS: Readonly<Record<string, EcdsaMethod>> = {
  prime256v1: {
    methodId: AuthMethod.EcdsaSha256,
    label: 'ECDSA-256',
    curve: 'P-256',
    hash: 'sha256',
  },
  secp384r1: {
    methodId: AuthMethod.EcdsaSha384,
    label: 'ECDSA-384',
    curve: 'P-384',
    hash: 'sha384',
  },
  secp521r1: {
    methodId: AuthMethod.EcdsaSha521,
    label: 'ECDSA-521',
    curve: 'P-521',
    hash: 'sha512',
  },
};

/** The RFC 4754 method an EC key signs by; undefined for any other key or curve. */
export function ecdsaMethod(key: KeyObject): EcdsaMethod | undefined {
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  return curve === undefined ? undefined : ECDSA_METHODS[curve];
}

/** The key for people: "an RSA key", "an EC key (P-256)". */
export function describeKey(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'an RSA key';
  const method = ecdsaMethod(key);
  if (method) return `an EC key (${method.curve})`;
  if (key.asymmetricKeyType === 'ec')
    return `an EC key on curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}`;
  return `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
}

/** Why a key cannot sign or verify phase 1; undefined when it can (RSA, or an RFC 4754 curve). */
export function unusableKey(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'rsa' || ecdsaMethod(key)) return undefined;
  return `${describeKey(key)}, and IKEv1 signs with RSA or with ECDSA on P-256, P-384 or P-521 (RFC 4754) only`;
}

export function signHash(key: KeyObject, hash: Buffer): Buffer {
  if (ecdsaMethod(key)) return ecdsaSignDigest(key, hash);
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, hash);
}

export function hashSignatureVerifies(key: KeyObject, hash: Buffer, signature: Buffer): boolean {
  if (ecdsaMethod(key)) return ecdsaDigestVerifies(key, hash, signature);
  if (key.asymmetricKeyType !== 'rsa') return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.length === hash.length && timingSafeEqual(recovered, hash);
}
