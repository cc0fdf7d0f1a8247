// app/shared/net6.ts: IPv6 text and bytes (RFC 4291 2.2 in, RFC 5952 4 out), prefixes, and the
// addresses no host or tunnel route is for. Everything IPv6 in the tunnel parses goes through it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  bytesToIpv6,
  ipv6Mask,
  ipv6NetContains,
  ipv6Network,
  ipv6ToBytes,
  isNonHostNet6,
  isUsableHostAddress6,
} from '../../app/shared/net6.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('RFC 4291 2.2 forms in, RFC 5952 text out', () => {
  const cases: [string, string, string][] = [
    ['::', '::', '00000000000000000000000000000000'],
    ['::1', '::1', '00000000000000000000000000000001'],
    ['FD00:0001:0:0::5', 'fd00:1::5', 'fd000001000000000000000000000005'],
    ['2001:db8::ffff:1.2.3.4', '2001:db8::ffff:102:304', '20010db8000000000000ffff01020304'],
    // the longest run of zeros is shortened, the first of two equal runs
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1', '00010000000000010000000000000001'],
    ['1:0:0:1:1:0:0:1', '1::1:1:0:0:1', '00010000000000010001000000000001'],
    // a single zero word is not '::' (RFC 5952 4.2.2)
    ['1:2:3:4:5:6:0:8', '1:2:3:4:5:6:0:8', '00010002000300040005000600000008'],
  ];
  for (const [text, canonical, bytes] of cases) {
    assert.equal(hex(ipv6ToBytes(text)), bytes, text);
    assert.equal(bytesToIpv6(ipv6ToBytes(text)), canonical, text);
  }
});

test('what is not IPv6 text is refused', () => {
  for (const bad of [
    '',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    'g::',
    '12345::',
    '::1.2.3.400',
    '10.0.0.1',
  ])
    assert.throws(() => ipv6ToBytes(bad), RangeError, bad);
});

test('any 16 bytes survive text and back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assert.equal(hex(ipv6ToBytes(bytesToIpv6(bytes))), hex(bytes));
    }),
  );
});

test('prefixes: masks, networks, containment', () => {
  assert.equal(hex(ipv6Mask(0)), '0'.repeat(32));
  assert.equal(hex(ipv6Mask(68)), 'fffffffffffffffff000000000000000');
  assert.equal(hex(ipv6Mask(128)), 'f'.repeat(32));
  assert.equal(bytesToIpv6(ipv6Network({ address: 'fd00:20::5', prefix: 64 })), 'fd00:20::');
  assert.ok(ipv6NetContains({ address: 'fd00:20::', prefix: 64 }, 'fd00:20::ffff'));
  assert.ok(!ipv6NetContains({ address: 'fd00:20::', prefix: 64 }, 'fd00:21::1'));
  assert.ok(ipv6NetContains({ address: '::', prefix: 0 }, 'ff02::1'));
});

test('no host uses unspecified, loopback, multicast or IPv4-mapped addresses', () => {
  for (const address of ['::', '::1', 'ff02::1', '::ffff:10.0.0.1', 'not-an-address'])
    assert.equal(isUsableHostAddress6(address), false, address);
  for (const address of ['fd00::1', '2001:db8::7', 'fe80::1'])
    assert.equal(isUsableHostAddress6(address), true, address);
  assert.ok(isNonHostNet6({ address: 'ff05::', prefix: 16 }));
  assert.ok(!isNonHostNet6({ address: '::', prefix: 0 }));
  assert.ok(!isNonHostNet6({ address: 'fd00::', prefix: 8 }));
});
