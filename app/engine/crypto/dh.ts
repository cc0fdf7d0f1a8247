// Diffie-Hellman by IKE group number, with the public value and g^xy in their fixed-length
// wire forms. MODP groups: RFC 2409 6.2 (2), RFC 3526 2-7 (5, 14-18); ECP groups: RFC 5903.
import { createECDH, getDiffieHellman } from 'node:crypto';
import { CryptoError } from './errors.js';

export interface KeyExchange {
  readonly group: number;
  /** our public value as sent in the KE payload, left-padded to the group length */
  readonly publicValue: Buffer;
  /** g^xy from the peer's KE payload body; fixed-length, as the key derivation needs it */
  computeShared(peerPublic: Buffer): Buffer;
}

type GroupSpec =
  { kind: 'modp'; name: string } | { kind: 'ecp'; curve: string; coordinateLength: number };

// Node knows all the MODP primes by these names; group 1 (768 bit) is left out on purpose.
const GROUPS: ReadonlyMap<number, GroupSpec> = new Map<number, GroupSpec>([
  [2, { kind: 'modp', name: 'modp2' }],
  [5, { kind: 'modp', name: 'modp5' }],
  [14, { kind: 'modp', name: 'modp14' }],
  [15, { kind: 'modp', name: 'modp15' }],
  [16, { kind: 'modp', name: 'modp16' }],
  [17, { kind: 'modp', name: 'modp17' }],
  [18, { kind: 'modp', name: 'modp18' }],
  [19, { kind: 'ecp', curve: 'prime256v1', coordinateLength: 32 }],
  [20, { kind: 'ecp', curve: 'secp384r1', coordinateLength: 48 }],
  [21, { kind: 'ecp', curve: 'secp521r1', coordinateLength: 66 }],
]);

export const SUPPORTED_DH_GROUPS: readonly number[] = [...GROUPS.keys()];

export function createKeyExchange(group: number): KeyExchange {
  const spec = GROUPS.get(group);
  if (!spec)
    throw new CryptoError('unsupported-group', `Diffie-Hellman group ${group} is not supported`);
  return spec.kind === 'modp' ? modpExchange(group, spec.name) : ecpExchange(group, spec);
}

function leftPad(value: Buffer, length: number): Buffer {
  if (value.length === length) return value;
  const padded = Buffer.alloc(length);
  value.copy(padded, length - value.length);
  return padded;
}

function invalidPublic(group: number, why: string): CryptoError {
  return new CryptoError('invalid-public-value', `the peer's group ${group} public value ${why}`);
}

function modpExchange(group: number, name: string): KeyExchange {
  const dh = getDiffieHellman(name);
  dh.generateKeys();
  const prime = dh.getPrime();
  const pMinusOne = BigInt(`0x${prime.toString('hex')}`) - 1n;
  return {
    group,
    publicValue: leftPad(dh.getPublicKey(), prime.length),
    computeShared(peerPublic) {
      if (peerPublic.length !== prime.length) {
        throw invalidPublic(group, `is ${peerPublic.length} bytes, not ${prime.length}`);
      }
      // RFC 6989 2.1: 1 < y < p-1 rules out the values that force a known shared secret.
      const y = BigInt(`0x${peerPublic.toString('hex')}`);
      if (y <= 1n || y >= pMinusOne) throw invalidPublic(group, 'is outside 1 < y < p-1');
      return leftPad(dh.computeSecret(peerPublic), prime.length);
    },
  };
}

// RFC 5903 7: the KE payload holds x | y, each coordinate left-padded, without the SEC1 0x04
// prefix; 9: the shared secret is the x coordinate alone.
function ecpExchange(
  group: number,
  spec: { curve: string; coordinateLength: number },
): KeyExchange {
  const ecdh = createECDH(spec.curve);
  const uncompressed = ecdh.generateKeys();
  const pointLength = 2 * spec.coordinateLength;
  return {
    group,
    publicValue: uncompressed.subarray(1),
    computeShared(peerPublic) {
      if (peerPublic.length !== pointLength) {
        throw invalidPublic(group, `is ${peerPublic.length} bytes, not ${pointLength}`);
      }
      try {
        // Node rejects points not on the curve (the RFC 6989 2.3 check).
        return leftPad(
          ecdh.computeSecret(Buffer.concat([Buffer.from([4]), peerPublic])),
          spec.coordinateLength,
        );
      } catch {
        throw invalidPublic(group, 'is not a point on the curve');
      }
    },
  };
}
