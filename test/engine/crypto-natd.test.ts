import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CryptoError, natDiscoveryHash } from '../../app/engine/crypto/index.js';

const cookieI = Buffer.from('0dbc4f8871156617', 'hex');
const cookieR = Buffer.from('3ebb4a6b9e8b02c5', 'hex');
const sha1 = (...parts: Buffer[]) => createHash('sha1').update(Buffer.concat(parts)).digest();

test('NAT-D hashes cookies, address bytes and port (RFC 3947 3.2)', () => {
  assert.deepEqual(
    natDiscoveryHash('sha1', cookieI, cookieR, '198.51.100.1', 4500),
    sha1(cookieI, cookieR, Buffer.from([198, 51, 100, 1]), Buffer.from([0x11, 0x94])),
  );
  const v6 = Buffer.from('20010db8000000000000000000000001', 'hex');
  const expected = createHash('sha256')
    .update(Buffer.concat([cookieI, cookieR, v6, Buffer.from([1, 0xf4])]))
    .digest();
  for (const spelling of [
    '2001:db8::1',
    '2001:0db8:0000:0:0:0:0:0001',
    '2001:DB8::0:1',
    '2001:db8::1%eth0',
  ]) {
    assert.deepEqual(
      natDiscoveryHash('sha256', cookieI, cookieR, spelling, 500),
      expected,
      spelling,
    );
  }
  const mapped = Buffer.from('00000000000000000000ffffc6336401', 'hex');
  assert.deepEqual(
    natDiscoveryHash('md5', cookieI, cookieR, '::ffff:198.51.100.1', 500),
    createHash('md5')
      .update(Buffer.concat([cookieI, cookieR, mapped, Buffer.from([1, 0xf4])]))
      .digest(),
  );
  assert.deepEqual(
    natDiscoveryHash('sha1', cookieI, cookieR, '::', 0),
    sha1(cookieI, cookieR, Buffer.alloc(16), Buffer.alloc(2)),
  );
});

test('NAT-D refuses what is not an IP address', () => {
  for (const bad of ['gateway.example', '198.51.100', '1:2:3']) {
    assert.throws(
      () => natDiscoveryHash('sha1', cookieI, cookieR, bad, 500),
      (e: unknown) => e instanceof CryptoError && e.code === 'bad-address',
    );
  }
});
