// Property tests: random and mutated datagrams never throw anything but DecodeError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeAny, mutate } from '../support/decode-any.js';
import { readIkeMessages } from '../support/pcapng.js';

const captured = ['vpnc-strongswan-nat.pcap', 'vpnc-strongswan-idle.pcap'].flatMap((f) =>
  readIkeMessages(new URL(`../fixtures/captures/${f}`, import.meta.url).pathname).map(
    (d) => d.payload,
  ),
);

test('the captured messages decode', () => {
  assert.ok(captured.length > 20);
  for (const message of captured) assert.match(decodeAny(message), /^(ok|encrypted:.*)$/);
  assert.equal(
    captured.filter((m) => decodeAny(m) === 'ok').length,
    4,
    'aggressive mode 1 and 2 of two captures are cleartext',
  );
});

test('random datagrams only ever yield DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
      decodeAny(Buffer.from(bytes));
    }),
    { numRuns: 5000 },
  );
});

test('mutated real messages only ever yield DecodeError', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: captured.length - 1 }),
      fc.infiniteStream(fc.double({ min: 0, max: 0.999999, noNaN: true })),
      (index, stream) => {
        const source = stream[Symbol.iterator]();
        const random = () => source.next().value as number;
        decodeAny(mutate(captured[index] as Buffer, random));
      },
    ),
    { numRuns: 5000 },
  );
});
