// encryptBatch/decryptBatch against the per-packet calls and the independent one-shot
// node:crypto construction (esp-support/fixtures.ts): same packets out, same drops counted,
// rekey signals and the end of the sequence space at the same packet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ExpiryReason, RekeyReason } from '../../app/dataplane/esp/index.js';
import { EspEngine } from './esp-model/index.js';
import type { DataPlaneCounters } from '../../app/shared/counters.js';
import type { EspSaPair } from '../../app/shared/esp-sa.js';
import {
  CLIENT_ADDRESS,
  TRANSFORM_CASES,
  type TransformCase,
  espPlaintext,
  inboundPacket,
  ipv4Packet,
  ipv6Packet,
  mirroredSas,
  openIndependently,
  outboundPacket,
  sealIndependently,
  transformCase,
} from './esp-support/fixtures.js';

const NEXT_HEADER_IPV4 = 4;
const NEXT_HEADER_NONE = 59;
const GCM = transformCase('aes-gcm-16-128');
const CBC = transformCase('aes-cbc-256/hmac-sha1-96');

function engineWith(sa: EspSaPair, firstSequence?: number): EspEngine {
  const engine = new EspEngine();
  engine.install(sa, firstSequence === undefined ? {} : { firstSequence });
  return engine;
}

/** total counters with the wall-clock fields reduced to whether they were set */
function countsOf(counters: DataPlaneCounters) {
  const { lastInboundAt, lastOutboundAt, ...total } = counters.total;
  return { ...total, lastInboundAt: lastInboundAt > 0, lastOutboundAt: lastOutboundAt > 0 };
}

/**
 * A receive batch of packets sealed independently with explicit IVs, mixed with every kind of
 * drop; `delivered` are the inner packets that must come out, in order.
 */
function mixedInboundBatch(transform: TransformCase, sa: EspSaPair) {
  const keys = sa.inbound;
  const seal = (sequence: number, plaintext: Buffer) =>
    sealIndependently(transform, keys, sequence, plaintext);
  const plain = (inner: Buffer, nextHeader = NEXT_HEADER_IPV4) =>
    espPlaintext(inner, nextHeader, transform.alignment);
  const inner = [inboundPacket(28), inboundPacket(1400), inboundPacket(300)];
  const late = inboundPacket(64);
  const jump = inboundPacket(500);
  const [first, second, third] = inner.map((packet, index) => seal(index + 1, plain(packet)));
  const tampered = Buffer.from(third ?? assert.fail());
  const flipAt = tampered.length - transform.icvLength - 5; // in the ciphertext
  tampered[flipAt] = (tampered[flipAt] ?? 0) ^ 0x01;
  const stranger = mirroredSas(transform).client.inbound;
  const badPadding = plain(inboundPacket(28)); // 28 + 2 needs two pad bytes at any alignment
  badPadding[29] = 3;
  const jumped = seal(100, plain(jump));
  const cutShort = seal(50, plain(inboundPacket(60)));
  const packets = [
    first,
    second,
    tampered, // ICV failure before the genuine packet with the same sequence number ...
    third, // ... which still passes: the window moved only for authentic packets
    second, // replay within the batch
    sealIndependently(transform, stranger, 4, plain(inboundPacket(60))), // unknown SPI
    Buffer.alloc(5, 1), // shorter than the ESP header
    cutShort.subarray(0, cutShort.length - 1), // fresh sequence number, one byte short
    jumped,
    seal(10, plain(inboundPacket(60))), // authentic but left of the window (top 100, 64)
    seal(101, badPadding),
    seal(102, plain(ipv4Packet('203.0.113.9', CLIENT_ADDRESS, 60))), // outside the selectors
    seal(103, plain(Buffer.alloc(0), NEXT_HEADER_NONE)), // dummy packet
    jumped, // replay of a packet earlier in the batch
    seal(99, plain(late)), // late but inside the window
  ].map((packet) => packet ?? assert.fail());
  return { packets, delivered: [...inner, jump, late] };
}

for (const transform of TRANSFORM_CASES) {
  test(`${transform.name}: decryptBatch = decrypt per packet, drops counted alike`, () => {
    const sas = mirroredSas(transform, { replayWindow: 64 });
    const { packets, delivered } = mixedInboundBatch(transform, sas.client);
    const batched = engineWith(sas.client);
    const single = engineWith(sas.client);

    assert.deepEqual(batched.decryptBatch(packets), delivered);
    const one = packets.map((packet) => single.decrypt(packet));
    assert.deepEqual(
      one.flatMap((result) => ('packet' in result ? [result.packet] : [])),
      delivered,
    );
    assert.deepEqual(countsOf(batched.counters()), countsOf(single.counters()));
    const total = countsOf(batched.counters());
    assert.equal(total.packetsIn, delivered.length + 1, 'the dummy counts as received');
    assert.equal(total.replayDrops, 3);
    assert.equal(total.noSaDrops, 1);
    assert.equal(total.paddingErrors, 1);
    assert.equal(total.selectorDrops, 1);
    // a cut-short GCM packet still fits GCM's lengths and fails its tag; CBC's is misaligned
    const gcm = transform.hmac === undefined;
    assert.equal(total.icvFailures, gcm ? 2 : 1);
    assert.equal(total.malformedDrops, gcm ? 1 : 2);
  });

  test(`${transform.name}: encryptBatch output opens with plain node:crypto per packet`, () => {
    const sas = mirroredSas(transform);
    const client = engineWith(sas.client);
    const lengths = [28, 29, 45, 1400, 1424, 31, 1500, 100, 77, 28];
    const inner = lengths.map((length) => outboundPacket(length));
    // drops inside the batch: no route (IPv6), malformed; sequence numbers stay consecutive
    const batch = [...inner.slice(0, 3), ipv6Packet(20), ...inner.slice(3, 6), Buffer.alloc(40)];
    const sealed = client.encryptBatch([...batch, ...inner.slice(6)]);
    assert.equal(sealed.length, inner.length);
    const ivs = new Set<string>();
    for (const [index, esp] of sealed.entries()) {
      assert.equal(esp.readUInt32BE(0), sas.client.outbound.spi);
      assert.equal(esp.readUInt32BE(4), index + 1);
      ivs.add(esp.subarray(8, 8 + transform.ivLength).toString('hex'));
      const plaintext = openIndependently(transform, sas.client.outbound, esp);
      const expected = inner[index] ?? assert.fail();
      assert.deepEqual(plaintext, espPlaintext(expected, NEXT_HEADER_IPV4, transform.alignment));
    }
    assert.equal(ivs.size, sealed.length, 'every packet has its own IV');
    const { total } = client.counters();
    assert.equal(total.packetsOut, inner.length);
    assert.equal(total.noRouteDrops, 1);
    assert.equal(total.malformedDrops, 1);
  });
}

test('any traffic cut into any batches: decryptBatch delivers and counts as decrypt does', () => {
  for (const transform of [CBC, GCM, transformCase('3des-cbc-192/hmac-md5-96')]) {
    const sas = mirroredSas(transform, { replayWindow: 32 });
    const packet = fc.record({
      sequence: fc.integer({ min: 1, max: 100 }),
      length: fc.integer({ min: 28, max: 1500 }),
      damage: fc.constantFrom('none', 'none', 'icv', 'short', 'padding'),
    });
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 40 }), fc.array(fc.nat(8)), (specs, cuts) => {
        const payloads = specs.map(({ sequence, length, damage }) => {
          const plaintext = espPlaintext(inboundPacket(length), 4, transform.alignment);
          if (damage === 'padding') plaintext[length] = 9; // first pad byte (length + 2 >= 30)
          const esp = sealIndependently(transform, sas.client.inbound, sequence, plaintext);
          if (damage === 'icv') esp[9] = (esp[9] ?? 0) ^ 0x10;
          return damage === 'short' ? esp.subarray(0, 20) : esp;
        });
        const batched = engineWith(sas.client);
        const single = engineWith(sas.client);
        const fromBatches: Buffer[] = [];
        let start = 0;
        for (const cut of [...cuts, payloads.length]) {
          const end = Math.min(payloads.length, start + cut);
          fromBatches.push(...batched.decryptBatch(payloads.slice(start, end)));
          start = end;
        }
        const one = payloads.flatMap((esp) => {
          const result = single.decrypt(esp);
          return 'packet' in result ? [result.packet] : [];
        });
        assert.deepEqual(fromBatches, one);
        assert.deepEqual(countsOf(batched.counters()), countsOf(single.counters()));
      }),
      { numRuns: 100 },
    );
  }
});

test('batches larger than the cipher scratch space round-trip, with a 64 KiB packet inside', () => {
  for (const transform of [CBC, transformCase('3des-cbc-192/hmac-md5-96'), GCM]) {
    const sas = mirroredSas(transform);
    const client = engineWith(sas.client);
    const gateway = engineWith(sas.gateway);
    const inner = [
      ...Array.from({ length: 150 }, () => outboundPacket(1424)),
      outboundPacket(65535),
      ...Array.from({ length: 150 }, () => outboundPacket(1424)),
    ];
    const sealed = client.encryptBatch(inner);
    assert.equal(sealed.length, inner.length);
    assert.deepEqual(gateway.decryptBatch(sealed), inner, transform.name);
    assert.deepEqual(gateway.decryptBatch(sealed), [], 'all replays now');
    assert.equal(gateway.counters().total.replayDrops, inner.length);
  }
});

test('a receive batch that alternates between two SAs (rekey overlap) decrypts in order', () => {
  const old = mirroredSas(GCM);
  const fresh = mirroredSas(CBC);
  const client = new EspEngine();
  client.install(old.client);
  client.install(fresh.client);
  const onOld = engineWith(old.gateway);
  const onFresh = engineWith(fresh.gateway);
  const inner = Array.from({ length: 12 }, (_, index) => inboundPacket(100 + index));
  const sealed = inner.map(
    (packet, index) => (index % 3 === 0 ? onOld : onFresh).encrypt(packet) ?? assert.fail(),
  );
  assert.deepEqual(client.decryptBatch(sealed), inner);
  const bySa = client.counters().sas;
  assert.equal(bySa.find((sa) => sa.saId === old.client.id)?.packetsIn, 4);
  assert.equal(bySa.find((sa) => sa.saId === fresh.client.id)?.packetsIn, 8);
});

/**
 * Runs the same traffic once per packet and once as one batch; per engine, the counters as
 * they were when each rekey or expiry signal came.
 */
function signalsBothWays(
  sa: EspSaPair,
  run: (engine: EspEngine, batched: boolean) => void,
  firstSequence?: number,
) {
  return [false, true].map((batched) => {
    const signals: {
      reason: RekeyReason | ExpiryReason;
      counters: ReturnType<typeof countsOf>;
    }[] = [];
    const record = (_id: string, reason: RekeyReason | ExpiryReason) =>
      signals.push({ reason, counters: countsOf(engine.counters()) });
    const engine: EspEngine = new EspEngine({ onRekeyNeeded: record, onExpired: record });
    engine.install(sa, firstSequence === undefined ? {} : { firstSequence });
    run(engine, batched);
    return { signals, total: countsOf(engine.counters()) };
  });
}

const encryptAll = (engine: EspEngine, packets: Buffer[], batched: boolean): Buffer[] =>
  batched
    ? engine.encryptBatch(packets)
    : packets.flatMap((packet) => engine.encrypt(packet) ?? []);

test('a batch across the sequence soft and hard limits signals and stops at the same packet', () => {
  const sas = mirroredSas(CBC);
  const traffic = Array.from({ length: 6 }, () => outboundPacket(200));
  const soft = 2 ** 32 - 2 ** 20;
  const [single, batched] = signalsBothWays(
    sas.client,
    (engine, batch) => assert.equal(encryptAll(engine, traffic, batch).length, 6),
    soft - 2,
  );
  assert.deepEqual(batched?.signals, single?.signals);
  assert.equal(batched?.signals.length, 1);
  assert.equal(batched?.signals[0]?.counters.packetsOut, 3, 'the packet with sequence 2^32-2^20');

  const gateway = engineWith(sas.gateway);
  const ends = signalsBothWays(
    sas.client,
    (engine, batch) => {
      const sealed = encryptAll(engine, traffic, batch);
      assert.deepEqual(
        sealed.map((esp) => esp.readUInt32BE(4)),
        [0xfffffffe, 0xffffffff],
        'RFC 4303 3.3.3: no cycling',
      );
      if (batch) assert.equal(gateway.decryptBatch(sealed).length, 2);
    },
    0xfffffffe,
  );
  assert.deepEqual(ends[1]?.total, ends[0]?.total);
  assert.equal(ends[1]?.total.sendErrors, 4);
  assert.equal(ends[1]?.total.packetsOut, 2);
});

test('a batch across the kilobyte soft and hard lifetimes signals at the same packet, both directions', () => {
  const outbound = mirroredSas(GCM, { lifetime: { seconds: 3600, kilobytes: 10 } });
  const traffic = Array.from({ length: 10 }, () => outboundPacket(1500));
  const [single, batched] = signalsBothWays(outbound.client, (engine, batch) => {
    encryptAll(engine, traffic, batch);
  });
  assert.deepEqual(batched?.signals, single?.signals);
  assert.deepEqual(
    batched?.signals.map((signal) => [signal.reason, signal.counters.packetsOut]),
    [
      ['kilobyte-lifetime', 7],
      ['kilobyte-lifetime-reached', 7],
    ],
    '10500 bytes >= 10 KiB: the seventh packet is the last',
  );
  assert.equal(batched?.total.sendErrors, 3);

  const inbound = mirroredSas(CBC, { lifetime: { seconds: 3600, kilobytes: 1 } });
  // the sending end without a limit: it would expire at 1 KiB
  const gateway = engineWith({ ...inbound.gateway, lifetime: { seconds: 3600 } });
  const sealed = Array.from(
    { length: 4 },
    () => gateway.encrypt(inboundPacket(500)) ?? assert.fail(),
  );
  const [oneByOne, asBatch] = signalsBothWays(inbound.client, (engine, batch) => {
    if (batch) engine.decryptBatch(sealed);
    else for (const esp of sealed) engine.decrypt(esp);
  });
  assert.deepEqual(asBatch?.signals, oneByOne?.signals);
  assert.deepEqual(
    asBatch?.signals.map((signal) => [signal.reason, signal.counters.bytesIn]),
    [
      ['kilobyte-lifetime', 1000],
      ['kilobyte-lifetime-reached', 1500],
    ],
    '1000 bytes >= 90% of 1 KiB, 1500 >= 1 KiB',
  );
});
