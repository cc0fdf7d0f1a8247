import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  CryptoError,
  createPrf,
  derivePskPhase1Keys,
  espDirectionKeys,
  espKeyLengths,
  hashI,
  hashNameFromId,
  hashR,
  keymat,
  messageHash,
  phase1EncryptionKey,
  quickModeHash2,
  quickModeHash3,
} from '../../app/engine/crypto/index.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof CryptoError && error.code === code;
const hex = (text: string) => Buffer.from(text, 'hex');
const bytes = (length: number, value: number) => Buffer.alloc(length, value);
const sha1 = createPrf('sha1');
/** The RFC formulas written out with node's HMAC directly, to check the modules against. */
const hmacSha1 = (key: Buffer, ...parts: Buffer[]) =>
  createHmac('sha1', key).update(Buffer.concat(parts)).digest();

test('PRFs by IKE hash id give the RFC 2202 / RFC 4231 HMAC test vectors', () => {
  assert.deepEqual([1, 2, 4, 5, 6].map(hashNameFromId), [
    'md5',
    'sha1',
    'sha256',
    'sha384',
    'sha512',
  ]);
  assert.throws(() => hashNameFromId(3), isCode('unsupported-hash'));
  const hiThere = Buffer.from('Hi There');
  // RFC 2202 2 and 3, test case 1
  assert.equal(
    createPrf('md5')(bytes(16, 0x0b), hiThere).toString('hex'),
    '9294727a3638bb1c13f48ef8158bfc9d',
  );
  assert.equal(
    sha1(bytes(20, 0x0b), hiThere).toString('hex'),
    'b617318655057264e28bc0b6fb378c8ef146be00',
  );
  // RFC 4231 4.3, test case 2
  const jefe = Buffer.from('Jefe');
  const question = Buffer.from('what do ya want for nothing?');
  assert.equal(
    createPrf('sha256')(jefe, question).toString('hex'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  assert.equal(
    createPrf('sha384')(jefe, question).toString('hex'),
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
  );
  assert.equal(
    createPrf('sha512')(jefe, question).toString('hex'),
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  );
});

const material = {
  prf: sha1,
  psk: new TextEncoder().encode('group secret'),
  nonceI: bytes(32, 1),
  nonceR: bytes(32, 2),
  sharedSecret: bytes(128, 3),
  initiatorCookie: hex('0dbc4f8871156617'),
  responderCookie: hex('3ebb4a6b9e8b02c5'),
};

test('SKEYID and SKEYID_d/a/e follow RFC 2409 5 for pre-shared keys', () => {
  const keys = derivePskPhase1Keys(material);
  const skeyid = hmacSha1(Buffer.from('group secret'), material.nonceI, material.nonceR);
  const tail = [material.sharedSecret, material.initiatorCookie, material.responderCookie];
  const d = hmacSha1(skeyid, ...tail, Buffer.from([0]));
  const a = hmacSha1(skeyid, d, ...tail, Buffer.from([1]));
  const e = hmacSha1(skeyid, a, ...tail, Buffer.from([2]));
  assert.deepEqual(keys, { skeyid, skeyidD: d, skeyidA: a, skeyidE: e });
});

test('the phase 1 key is SKEYID_e cut to length, or K1 | K2 | ... when SKEYID_e is short', () => {
  const skeyidE = bytes(20, 7);
  assert.deepEqual(phase1EncryptionKey(sha1, skeyidE, 16), skeyidE.subarray(0, 16));
  assert.deepEqual(phase1EncryptionKey(sha1, skeyidE, 20), skeyidE);
  // AES-256 with SHA-1: 32 bytes from K1 (20) | K2 (first 12)
  const k1 = hmacSha1(skeyidE, Buffer.from([0]));
  const k2 = hmacSha1(skeyidE, k1);
  const k3 = hmacSha1(skeyidE, k2);
  assert.deepEqual(phase1EncryptionKey(sha1, skeyidE, 32), Buffer.concat([k1, k2]).subarray(0, 32));
  assert.deepEqual(
    phase1EncryptionKey(sha1, skeyidE, 48),
    Buffer.concat([k1, k2, k3]).subarray(0, 48),
  );
  // 3DES with MD5: 24 bytes from a 16-byte SKEYID_e
  assert.equal(phase1EncryptionKey(createPrf('md5'), bytes(16, 7), 24).length, 24);
});

test('HASH_I and HASH_R cover the KE values, cookies, SAi_b and ID in their orders', () => {
  const auth = {
    prf: sha1,
    skeyid: bytes(20, 9),
    initiatorPublic: bytes(128, 0x11),
    responderPublic: bytes(128, 0x22),
    initiatorCookie: material.initiatorCookie,
    responderCookie: material.responderCookie,
    saIBody: hex('0000000100000001'),
  };
  const idI = hex('0b1101f46c616267726f7570');
  const idR = hex('01000000c6336401');
  assert.deepEqual(
    hashI(auth, idI),
    hmacSha1(
      auth.skeyid,
      auth.initiatorPublic,
      auth.responderPublic,
      auth.initiatorCookie,
      auth.responderCookie,
      auth.saIBody,
      idI,
    ),
  );
  assert.deepEqual(
    hashR(auth, idR),
    hmacSha1(
      auth.skeyid,
      auth.responderPublic,
      auth.initiatorPublic,
      auth.responderCookie,
      auth.initiatorCookie,
      auth.saIBody,
      idR,
    ),
  );
});

test('Quick Mode and informational HASHes follow RFC 2409 5.5 / 5.7', () => {
  const skeyidA = bytes(20, 4);
  const messageId = 0x25eecbb9;
  const mid = hex('25eecbb9');
  const rest = hex('0a000018aabbccdd');
  assert.deepEqual(messageHash(sha1, skeyidA, messageId, rest), hmacSha1(skeyidA, mid, rest));
  assert.deepEqual(
    quickModeHash2(sha1, skeyidA, messageId, material.nonceI, rest),
    hmacSha1(skeyidA, mid, material.nonceI, rest),
  );
  assert.deepEqual(
    quickModeHash3(sha1, skeyidA, messageId, material.nonceI, material.nonceR),
    hmacSha1(skeyidA, Buffer.from([0]), mid, material.nonceI, material.nonceR),
  );
});

const keymatInput = {
  prf: sha1,
  skeyidD: bytes(20, 5),
  protocol: 3,
  spi: hex('3102980b'),
  nonceI: material.nonceI,
  nonceR: material.nonceR,
};

test('KEYMAT expands as K1 = prf(SKEYID_d, seed), Kn+1 = prf(SKEYID_d, Kn | seed)', () => {
  const seed = Buffer.concat([
    Buffer.from([3]),
    keymatInput.spi,
    keymatInput.nonceI,
    keymatInput.nonceR,
  ]);
  const k1 = hmacSha1(keymatInput.skeyidD, seed);
  const k2 = hmacSha1(keymatInput.skeyidD, k1, seed);
  const k3 = hmacSha1(keymatInput.skeyidD, k2, seed);
  assert.deepEqual(keymat(keymatInput, 52), Buffer.concat([k1, k2, k3]).subarray(0, 52));
  // with PFS, g(qm)^xy leads the seed
  const pfs = bytes(256, 6);
  assert.deepEqual(
    keymat({ ...keymatInput, sharedSecret: pfs }, 20),
    hmacSha1(keymatInput.skeyidD, pfs, seed),
  );
});

test('ESP keys split KEYMAT into encryption key, integrity key and GCM salt', () => {
  const cases = [
    { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha1-96', lengths: [16, 20, 0] },
    { encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-md5-96', lengths: [24, 16, 0] },
    { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha256-128', lengths: [32, 32, 0] },
    { encryption: '3des-cbc', keyBits: 192, integrity: 'hmac-sha1-96', lengths: [24, 20, 0] },
    { encryption: 'aes-gcm-16', keyBits: 128, integrity: 'none', lengths: [16, 0, 4] },
    { encryption: 'aes-gcm-16', keyBits: 256, integrity: 'none', lengths: [32, 0, 4] },
  ] as const;
  for (const c of cases) {
    const keys = espDirectionKeys({ ...keymatInput, ...c });
    const [enc = 0, integ = 0, salt = 0] = c.lengths;
    assert.deepEqual(espKeyLengths(c.encryption, c.keyBits, c.integrity), {
      encryption: enc,
      integrity: integ,
      salt,
    });
    assert.equal(keys.spi, 0x3102980b);
    const whole = keymat(keymatInput, enc + integ + salt);
    assert.deepEqual(
      Buffer.concat([keys.encryptionKey, keys.integrityKey, keys.salt]),
      whole,
      c.encryption,
    );
    assert.equal(keys.encryptionKey.length, enc);
    assert.equal(keys.integrityKey.length, integ);
    assert.equal(keys.salt.length, salt);
  }
  // each direction keys off its own SPI
  const other = espDirectionKeys({
    ...keymatInput,
    spi: hex('dfff21c1'),
    encryption: 'aes-cbc',
    keyBits: 256,
    integrity: 'hmac-sha1-96',
  });
  const mine = espDirectionKeys({
    ...keymatInput,
    encryption: 'aes-cbc',
    keyBits: 256,
    integrity: 'hmac-sha1-96',
  });
  assert.notDeepEqual(other.encryptionKey, mine.encryptionKey);
});

test('impossible ESP transforms and SPIs are refused with typed errors', () => {
  assert.throws(
    () => espKeyLengths('aes-gcm-16', 128, 'hmac-sha1-96'),
    isCode('unsupported-transform'),
  );
  assert.throws(() => espKeyLengths('aes-cbc', 128, 'none'), isCode('unsupported-transform'));
  assert.throws(
    () => espKeyLengths('aes-cbc', 64, 'hmac-sha1-96'),
    isCode('unsupported-transform'),
  );
  assert.throws(
    () => espKeyLengths('3des-cbc', 128, 'hmac-sha1-96'),
    isCode('unsupported-transform'),
  );
  assert.throws(
    () =>
      espDirectionKeys({
        ...keymatInput,
        spi: hex('0102'),
        encryption: 'aes-cbc',
        keyBits: 128,
        integrity: 'hmac-sha1-96',
      }),
    isCode('bad-spi'),
  );
});
