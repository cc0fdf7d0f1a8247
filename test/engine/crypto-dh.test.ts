import assert from 'node:assert/strict';
import { getDiffieHellman } from 'node:crypto';
import { test } from 'node:test';
import {
  CryptoError,
  SUPPORTED_DH_GROUPS,
  createKeyExchange,
} from '../../app/engine/crypto/index.js';

/** Bytes of a public value / shared secret by group: MODP prime length, ECP coordinate length. */
const GROUP_LENGTHS: Record<number, { publicValue: number; shared: number }> = {
  2: { publicValue: 128, shared: 128 },
  5: { publicValue: 192, shared: 192 },
  14: { publicValue: 256, shared: 256 },
  15: { publicValue: 384, shared: 384 },
  16: { publicValue: 512, shared: 512 },
  17: { publicValue: 768, shared: 768 },
  18: { publicValue: 1024, shared: 1024 },
  19: { publicValue: 64, shared: 32 },
  20: { publicValue: 96, shared: 48 },
  21: { publicValue: 132, shared: 66 },
};

const isCode = (code: string) => (error: unknown) =>
  error instanceof CryptoError && error.code === code;

test('every supported group agrees on a fixed-length shared secret', () => {
  assert.deepEqual(
    [...SUPPORTED_DH_GROUPS].sort((a, b) => a - b),
    [2, 5, 14, 15, 16, 17, 18, 19, 20, 21],
  );
  for (const group of SUPPORTED_DH_GROUPS) {
    const a = createKeyExchange(group);
    const b = createKeyExchange(group);
    assert.equal(a.group, group);
    assert.equal(
      a.publicValue.length,
      GROUP_LENGTHS[group]?.publicValue,
      `group ${group} public value`,
    );
    const shared = a.computeShared(b.publicValue);
    assert.equal(shared.length, GROUP_LENGTHS[group]?.shared, `group ${group} shared secret`);
    assert.deepEqual(shared, b.computeShared(a.publicValue), `group ${group} agreement`);
    assert.notDeepEqual(a.publicValue, b.publicValue);
  }
});

test('MODP values are left-padded: g^x from the peer value 2 (= g) is our own public value', () => {
  // y = 2 has 127 leading zero bytes and is valid (1 < 2 < p-1); g^x is itself zero-padded.
  const dh = createKeyExchange(2);
  const two = Buffer.alloc(128);
  two[127] = 2;
  assert.deepEqual(dh.computeShared(two), dh.publicValue);
});

test('MODP peer values outside 1 < y < p-1 or of the wrong length are refused', () => {
  const dh = createKeyExchange(2);
  const prime = getDiffieHellman('modp2').getPrime();
  const pMinusOne = Buffer.from(prime);
  pMinusOne.writeUInt8(prime.readUInt8(127) - 1, 127);
  const small = (n: number) => {
    const b = Buffer.alloc(128);
    b[127] = n;
    return b;
  };
  for (const bad of [small(0), small(1), pMinusOne, prime, Buffer.alloc(128, 0xff)]) {
    assert.throws(() => dh.computeShared(bad), isCode('invalid-public-value'));
  }
  assert.throws(() => dh.computeShared(dh.publicValue.subarray(1)), isCode('invalid-public-value'));
  assert.throws(
    () => dh.computeShared(Buffer.concat([Buffer.alloc(1), dh.publicValue])),
    isCode('invalid-public-value'),
  );
});

test('ECP peer values must be x | y of the right length and on the curve', () => {
  const dh = createKeyExchange(19);
  const peer = createKeyExchange(19);
  assert.throws(
    () => dh.computeShared(Buffer.concat([Buffer.from([4]), peer.publicValue])),
    isCode('invalid-public-value'),
  );
  const offCurve = Buffer.from(peer.publicValue);
  offCurve.writeUInt8(offCurve.readUInt8(63) ^ 1, 63);
  assert.throws(() => dh.computeShared(offCurve), isCode('invalid-public-value'));
  assert.throws(() => dh.computeShared(Buffer.alloc(64)), isCode('invalid-public-value'));
});

test('unsupported groups are refused with a typed error', () => {
  for (const group of [0, 1, 3, 22, 31]) {
    assert.throws(() => createKeyExchange(group), isCode('unsupported-group'));
  }
});
