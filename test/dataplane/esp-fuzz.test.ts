// Whatever arrives on port 4500, decrypt() never throws and every packet it refuses is
// counted exactly once; only authentic, well-formed, in-selector packets come out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EspEngine } from './esp-model/index.js';
import type { DataPlaneCounters } from '../../app/shared/counters.js';
import {
  TRANSFORM_CASES,
  inboundPacket,
  mirroredSas,
  sealIndependently,
} from './esp-support/fixtures.js';

function dropCount({ total }: DataPlaneCounters): number {
  return (
    total.noSaDrops +
    total.malformedDrops +
    total.icvFailures +
    total.replayDrops +
    total.paddingErrors +
    total.decryptErrors +
    total.selectorDrops
  );
}

function setup(transformIndex: number) {
  const transform = TRANSFORM_CASES[transformIndex % TRANSFORM_CASES.length] ?? assert.fail();
  const sas = mirroredSas(transform);
  const client = new EspEngine();
  const gateway = new EspEngine();
  client.install(sas.client);
  gateway.install(sas.gateway);
  return { transform, sas, client, gateway };
}

/** decrypt one input; asserts it is dropped and counted once */
function assertCountedDrop(client: EspEngine, input: Buffer): void {
  const before = client.counters();
  const result = client.decrypt(input);
  assert.ok('drop' in result, 'forged input must not pass');
  assert.equal(dropCount(client.counters()), dropCount(before) + 1);
  assert.equal(client.counters().total.packetsIn, before.total.packetsIn);
}

test('random buffers, some with a known SPI, are counted drops', () => {
  fc.assert(
    fc.property(
      fc.nat(),
      fc.uint8Array({ maxLength: 300 }),
      fc.boolean(),
      (transformIndex, bytes, knownSpi) => {
        const { sas, client } = setup(transformIndex);
        const input = Buffer.from(bytes);
        if (knownSpi && input.length >= 4) input.writeUInt32BE(sas.client.inbound.spi, 0);
        assertCountedDrop(client, input);
      },
    ),
    { numRuns: 500 },
  );
});

test('valid packets with flipped bytes, cut or extended, are counted drops', () => {
  fc.assert(
    fc.property(
      fc.nat(),
      fc.integer({ min: 28, max: 1500 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      fc.integer({ min: -40, max: 40 }),
      (transformIndex, length, flips, resize) => {
        const { client, gateway } = setup(transformIndex);
        const esp = gateway.encrypt(inboundPacket(length)) ?? assert.fail();
        let forged = Buffer.from(esp);
        for (const [position, mask] of flips) {
          const index = position % forged.length;
          forged[index] = (forged[index] ?? 0) ^ mask;
        }
        if (resize < 0) forged = forged.subarray(0, Math.max(0, forged.length + resize));
        if (resize > 0) forged = Buffer.concat([forged, Buffer.alloc(resize, resize)]);
        fc.pre(!forged.equals(esp));
        assertCountedDrop(client, forged);
        assert.ok('packet' in client.decrypt(esp), 'the genuine packet still passes after');
      },
    ),
    { numRuns: 400 },
  );
});

/** What decrypt() must say about an authentic packet, where the trailer alone decides it. */
function expectedVerdict(wellPadded: boolean, nextHeader: number, inner: Buffer | undefined) {
  if (!wellPadded) return { drop: 'padding' };
  if (nextHeader === 59) return { drop: 'dummy' };
  if (nextHeader !== 4 && nextHeader !== 41) return { drop: 'decrypt' };
  if (inner && nextHeader === 4) return { packet: inner };
  return undefined; // random bytes as IPv4/IPv6: some drop, checked by the counters below
}

test('authentic packets with arbitrary contents: never thrown, right verdict, counted', () => {
  fc.assert(
    fc.property(
      fc.nat(),
      fc.oneof(fc.integer({ min: 28, max: 300 }), fc.uint8Array({ maxLength: 300 })),
      fc.oneof(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 20 })),
      fc.oneof(fc.constantFrom(4, 41, 59), fc.integer({ min: 0, max: 255 })),
      (transformIndex, payloadChoice, paddingChoice, nextHeader) => {
        const { transform, sas, client } = setup(transformIndex);
        const isInner = typeof payloadChoice === 'number';
        const payload = isInner ? inboundPacket(payloadChoice) : Buffer.from(payloadChoice);
        const padding =
          typeof paddingChoice === 'number'
            ? Buffer.from(Array.from({ length: paddingChoice }, (_, index) => index + 1))
            : Buffer.from(paddingChoice);
        const wellPadded = padding.every((byte, index) => byte === index + 1);
        // zero bytes after the inner packet (TFC padding) bring CBC to whole blocks
        const used = payload.length + padding.length + 2;
        const tfc = Buffer.alloc(
          (transform.alignment - (used % transform.alignment)) % transform.alignment,
        );
        const plaintext = Buffer.concat([
          payload,
          tfc,
          padding,
          Buffer.from([padding.length, nextHeader]),
        ]);
        const before = dropCount(client.counters());
        const result = client.decrypt(
          sealIndependently(transform, sas.client.inbound, 1, plaintext),
        );
        const expected = expectedVerdict(wellPadded, nextHeader, isInner ? payload : undefined);
        if (expected) assert.deepEqual(result, expected);
        if ('drop' in result && result.drop !== 'dummy') {
          assert.equal(dropCount(client.counters()), before + 1);
        }
      },
    ),
    { numRuns: 1000 },
  );
});
