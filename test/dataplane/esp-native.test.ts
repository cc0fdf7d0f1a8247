// The addon's ESP (NativeEspEngine, OpenSSL EVP) against the TypeScript reference model
// (EspEngine) and the independent one-shot node:crypto construction (esp-support/fixtures.ts):
// known answers per transform, any traffic cut into any batches sealed, opened and counted
// exactly as the model does, replay-window and lifetime edges, malformed input of every length.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  type EspEngineOptions,
  NativeEspEngine,
  type RekeyReason,
} from '../../app/dataplane/esp/index.js';
import { EspEngine } from './esp-model/index.js';
import {
  type NativeTun,
  type NativeUdpSocket,
  batchPackets,
  loadTunAddon,
} from '../../app/dataplane/tun/native-addon.js';
import type { DataPlaneCounters } from '../../app/shared/counters.js';
import type { EspSaPair } from '../../app/shared/esp-sa.js';
import {
  CLIENT_ADDRESS,
  TRANSFORM_CASES,
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
const GCM = transformCase('aes-gcm-16-256');
const CBC = transformCase('aes-cbc-256/hmac-sha1-96');

type Engine = EspEngine | NativeEspEngine;

function installed<T extends Engine>(engine: T, sa: EspSaPair, firstSequence?: number): T {
  engine.install(sa, firstSequence === undefined ? {} : { firstSequence });
  return engine;
}

/** counters with wall-clock fields reduced to whether they were set */
function countsOf(counters: DataPlaneCounters) {
  const strip = <T extends { lastInboundAt: number; lastOutboundAt: number }>({
    lastInboundAt,
    lastOutboundAt,
    ...rest
  }: T) => ({ ...rest, lastInboundAt: lastInboundAt > 0, lastOutboundAt: lastOutboundAt > 0 });
  return { total: strip(counters.total), sas: counters.sas.map(strip) };
}

/** decryptBatch over the payloads cut at `cuts`, the delivered packets copied out */
function openInBatches(engine: Engine, payloads: Buffer[], cuts: number[]): Buffer[] {
  const delivered: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, payloads.length]) {
    const end = Math.min(payloads.length, start + cut);
    for (const inner of engine.decryptBatch(payloads.slice(start, end))) {
      delivered.push(Buffer.from(inner));
    }
    start = end;
  }
  return delivered;
}

for (const transform of TRANSFORM_CASES) {
  test(`native ${transform.name}: known answers both ways with plain node:crypto`, () => {
    const sas = mirroredSas(transform);
    const client = installed(new NativeEspEngine(), sas.client);
    for (const [index, length] of [28, 29, 31, 45, 100, 1400, 1500].entries()) {
      const inner = outboundPacket(length);
      const esp = client.encrypt(inner) ?? assert.fail('no ESP packet');
      assert.equal(esp.readUInt32BE(0), sas.client.outbound.spi);
      assert.equal(esp.readUInt32BE(4), index + 1);
      assert.deepEqual(
        openIndependently(transform, sas.client.outbound, esp),
        espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment),
      );
      const back = inboundPacket(length);
      const plaintext = espPlaintext(back, NEXT_HEADER_IPV4, transform.alignment);
      const sealed = sealIndependently(transform, sas.client.inbound, index + 1, plaintext);
      assert.deepEqual(client.decrypt(sealed), { packet: back });
    }
  });

  test(`native ${transform.name}: round trip with the TypeScript model both ways`, () => {
    const sas = mirroredSas(transform);
    const native = installed(new NativeEspEngine(), sas.client);
    const model = installed(new EspEngine(), sas.gateway);
    const inner = [28, 64, 512, 1400].map((length) => outboundPacket(length));
    const sealed = native.encryptBatch(inner).map((esp) => Buffer.from(esp));
    assert.deepEqual(model.decryptBatch(sealed), inner);
    const back = [28, 64, 512, 1400].map((length) => inboundPacket(length));
    assert.deepEqual(openInBatches(native, model.encryptBatch(back), []), back);
  });
}

// esp-sa.cc does not re-initialise a CBC context per packet: its chain runs on from one packet
// to the next. Each packet must still open on its own with the IV it carries, that IV must not
// be the ciphertext block sent just before it (the predictable IV of SSL 3.0 and TLS 1.0; RFC
// 3602 3 wants it unpredictable), and the packets opened must not depend on what came before.
for (const transform of TRANSFORM_CASES.filter((t) => t.hmac !== undefined)) {
  test(`native ${transform.name}: IVs unpredictable from the packet before, packets open alone`, () => {
    const sas = mirroredSas(transform);
    const client = installed(new NativeEspEngine(), sas.client);
    let lastBlock: Buffer | undefined;
    for (let index = 0; index < 200; index++) {
      const inner = outboundPacket(28 + ((index * 37) % 1400));
      const esp = client.encrypt(inner) ?? assert.fail('no ESP packet');
      const iv = esp.subarray(8, 8 + transform.ivLength);
      if (lastBlock) assert.notDeepEqual(iv, lastBlock, `packet ${index + 1}'s IV`);
      assert.deepEqual(
        openIndependently(transform, sas.client.outbound, esp),
        espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment),
      );
      const icvOffset = esp.length - transform.icvLength;
      lastBlock = Buffer.from(esp.subarray(icvOffset - transform.ivLength, icvOffset));
    }
  });

  test(`native ${transform.name}: packets sealed alone open in any order, forged ones between`, () => {
    const sas = mirroredSas(transform);
    const inners = Array.from({ length: 24 }, (_, i) => inboundPacket(28 + ((i * 53) % 1400)));
    const sealed = inners.map((inner, i) =>
      sealIndependently(
        transform,
        sas.client.inbound,
        i + 1,
        espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment),
      ),
    );
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          sealed.map((_, i) => i),
          { minLength: 1 },
        ),
        fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
        (order, forgeBefore) => {
          const client = installed(new NativeEspEngine(), sas.client);
          for (const i of order) {
            if (forgeBefore[i]) {
              const forged = Buffer.from(sealed[i]!);
              forged[8 + transform.ivLength]! ^= 1; // its first ciphertext byte
              assert.deepEqual(client.decrypt(forged), { drop: 'icv' });
            }
            assert.deepEqual(client.decrypt(sealed[i]!), { packet: inners[i] });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
}

// RFC 4106 3.1: with the sequence number as explicit IV, GCM is deterministic: byte for byte
test('native GCM output equals the model byte for byte, any batch cuts', () => {
  for (const transform of TRANSFORM_CASES.filter((candidate) => candidate.hmac === undefined)) {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 20, max: 1500 }), { maxLength: 30 }),
        fc.array(fc.nat(8)),
        (lengths, cuts) => {
          const sas = mirroredSas(transform);
          const native = installed(new NativeEspEngine(), sas.client);
          const model = installed(new EspEngine(), sas.client);
          // 20-27 bytes: too short for the UDP fixture; a bare IPv4 header of that length
          const inner = lengths.map((length) =>
            length < 28
              ? ipv4Packet(CLIENT_ADDRESS, '198.51.100.7', 28).subarray(0, 20)
              : outboundPacket(length),
          );
          for (const packet of inner) packet.writeUInt16BE(packet.length, 2);
          const fromNative: Buffer[] = [];
          let start = 0;
          for (const cut of [...cuts, inner.length]) {
            const end = Math.min(inner.length, start + cut);
            for (const esp of native.encryptBatch(inner.slice(start, end))) {
              fromNative.push(Buffer.from(esp));
            }
            start = end;
          }
          assert.deepEqual(fromNative, model.encryptBatch(inner));
          assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
        },
      ),
      { numRuns: 40 },
    );
  }
});

test('any traffic cut into any batches: native opens and counts exactly as the model', () => {
  for (const transform of [CBC, GCM, transformCase('3des-cbc-192/hmac-md5-96')]) {
    const packet = fc.record({
      sequence: fc.integer({ min: 0, max: 120 }),
      length: fc.integer({ min: 28, max: 1500 }),
      damage: fc.constantFrom(
        'none',
        'none',
        'none',
        'icv',
        'short',
        'padding',
        'selector',
        'dummy',
        'inner',
        'stranger',
      ),
    });
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 50 }),
        fc.array(fc.nat(10)),
        fc.constantFrom(1, 32, 64, 100),
        (specs, cuts, replayWindow) => {
          const sas = mirroredSas(transform, { replayWindow });
          const stranger = mirroredSas(transform).client.inbound;
          const payloads = specs.map(({ sequence, length, damage }) => {
            const inner =
              damage === 'selector'
                ? ipv4Packet('203.0.113.9', CLIENT_ADDRESS, length)
                : inboundPacket(length);
            if (damage === 'inner') inner.writeUInt16BE(length + 1, 2); // longer than it is
            const plaintext = espPlaintext(
              damage === 'dummy' ? Buffer.alloc(0) : inner,
              damage === 'dummy' ? NEXT_HEADER_NONE : NEXT_HEADER_IPV4,
              transform.alignment,
            );
            if (damage === 'padding' && plaintext.length >= length + 2) plaintext[length] = 9;
            const keys = damage === 'stranger' ? stranger : sas.client.inbound;
            const esp = sealIndependently(transform, keys, sequence, plaintext);
            if (damage === 'icv') esp[9] = (esp[9] ?? 0) ^ 0x10;
            return damage === 'short' ? esp.subarray(0, 20) : esp;
          });
          const native = installed(new NativeEspEngine(), sas.client);
          const model = installed(new EspEngine(), sas.client);
          const one = payloads.flatMap((esp) => {
            const result = model.decrypt(esp);
            return 'packet' in result ? [result.packet] : [];
          });
          assert.deepEqual(openInBatches(native, payloads, cuts), one);
          assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
        },
      ),
      { numRuns: 60 },
    );
  }
});

test('any outbound traffic cut into any batches: native numbers, drops and counts as the model', () => {
  for (const transform of [CBC, GCM, transformCase('aes-cbc-128/hmac-sha256-128')]) {
    const inner = fc.oneof(
      fc.integer({ min: 28, max: 1500 }).map((length) => outboundPacket(length)),
      fc.constant(ipv6Packet(20)), // no SA carries IPv6: no route
      fc.constant(ipv4Packet(CLIENT_ADDRESS, '203.0.113.1', 60)), // outside the selectors
      fc.integer({ min: 0, max: 60 }).map((length) => Buffer.alloc(length, 0x45)), // malformed
    );
    fc.assert(
      fc.property(fc.array(inner, { maxLength: 40 }), fc.array(fc.nat(10)), (packets, cuts) => {
        const sas = mirroredSas(transform);
        const native = installed(new NativeEspEngine(), sas.client);
        const model = installed(new EspEngine(), sas.client);
        const gateway = installed(new EspEngine(), sas.gateway);
        const expected = model.encryptBatch(packets).map((esp) => esp.readUInt32BE(4));
        const opened: Buffer[] = [];
        const sequences: number[] = [];
        let start = 0;
        for (const cut of [...cuts, packets.length]) {
          const end = Math.min(packets.length, start + cut);
          for (const esp of native.encryptBatch(packets.slice(start, end))) {
            sequences.push(esp.readUInt32BE(4));
            opened.push(...gateway.decryptBatch([esp]));
          }
          start = end;
        }
        assert.deepEqual(sequences, expected);
        const carried = packets.filter((packet) => model.encrypt(packet) !== null);
        assert.deepEqual(opened, carried);
        const modelCounts = countsOf(model.counters());
        // the model sealed `carried` once more to list them
        modelCounts.total.packetsOut -= carried.length;
        modelCounts.sas[0]!.packetsOut -= carried.length;
        const carriedBytes = carried.reduce((sum, packet) => sum + packet.length, 0);
        modelCounts.total.bytesOut -= carriedBytes;
        modelCounts.sas[0]!.bytesOut -= carriedBytes;
        modelCounts.total.noRouteDrops /= 2;
        modelCounts.total.malformedDrops /= 2;
        assert.deepEqual(countsOf(native.counters()), modelCounts);
      }),
      { numRuns: 60 },
    );
  }
});

test('replay window edges: any arrival order is accepted and refused as the model does', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 31, 32, 33, 64, 1024),
      fc.array(
        fc.oneof(
          fc.integer({ min: 0, max: 3000 }),
          fc.integer({ min: 0xffffff00, max: 0xffffffff }),
        ),
        { maxLength: 80 },
      ),
      (replayWindow, sequences) => {
        const sas = mirroredSas(CBC, { replayWindow });
        const payloads = sequences.map((sequence) =>
          sealIndependently(
            CBC,
            sas.client.inbound,
            sequence,
            espPlaintext(inboundPacket(40), NEXT_HEADER_IPV4, CBC.alignment),
          ),
        );
        const native = installed(new NativeEspEngine(), sas.client);
        const model = installed(new EspEngine(), sas.client);
        const verdicts = (engine: Engine) =>
          payloads.map((esp) => ('packet' in engine.decrypt(esp) ? 'in' : 'out'));
        assert.deepEqual(verdicts(native), verdicts(model));
        assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
      },
    ),
    { numRuns: 200 },
  );
});

/** the rekey signals an engine gives for a run of traffic, with the packets counted by then */
function signalsOf(create: (onRekeyNeeded: (id: string, reason: RekeyReason) => void) => Engine) {
  const signals: [string, RekeyReason][] = [];
  const engine = create((id, reason) => signals.push([id, reason]));
  return { engine, signals };
}

test('sequence space: soft limit signalled once, hard limit never cycles (RFC 4303 3.3.3)', () => {
  const sas = mirroredSas(GCM);
  const native = signalsOf((onRekeyNeeded) => new NativeEspEngine({ onRekeyNeeded }));
  native.engine.install(sas.client, { firstSequence: 2 ** 32 - 2 ** 20 - 2 });
  const traffic = Array.from({ length: 4 }, () => outboundPacket(100));
  assert.equal(native.engine.encryptBatch(traffic.slice(0, 2)).length, 2);
  assert.deepEqual(native.signals, [], 'below the soft limit');
  assert.equal(native.engine.encryptBatch(traffic).length, 4);
  assert.deepEqual(native.signals, [[sas.client.id, 'sequence-space']], 'once');

  const end = installed(new NativeEspEngine(), sas.client, 0xfffffffe);
  const model = installed(new EspEngine(), sas.client, 0xfffffffe);
  const sequences = end.encryptBatch(traffic).map((esp) => esp.readUInt32BE(4));
  assert.deepEqual(sequences, [0xfffffffe, 0xffffffff]);
  model.encryptBatch(traffic);
  assert.deepEqual(countsOf(end.counters()), countsOf(model.counters()));
  assert.equal(end.counters().total.sendErrors, 2);
});

test('kilobyte lifetime: signalled once at 90% in each direction, as the model', () => {
  for (const transform of [GCM, CBC]) {
    const sas = mirroredSas(transform, { lifetime: { seconds: 3600, kilobytes: 10 } });
    const runs = [
      signalsOf((onRekeyNeeded) => new NativeEspEngine({ onRekeyNeeded })),
      signalsOf((onRekeyNeeded) => new EspEngine({ onRekeyNeeded })),
    ].map(({ engine, signals }) => {
      engine.install(sas.client);
      const seen: number[] = [];
      for (let packet = 0; packet < 8; packet++) {
        engine.encryptBatch([outboundPacket(1500)]);
        seen.push(signals.length);
      }
      return { seen, signals };
    });
    assert.deepEqual(runs[0], runs[1]);
    assert.deepEqual(runs[0]?.seen, [0, 0, 0, 0, 0, 0, 1, 1], '10500 bytes >= 9216');

    // the sending end without a limit: it would expire at 10 KiB and send no more
    const gateway = installed(new EspEngine(), { ...sas.gateway, lifetime: { seconds: 3600 } });
    const inbound = signalsOf((onRekeyNeeded) => new NativeEspEngine({ onRekeyNeeded }));
    inbound.engine.install(sas.client);
    const seen: number[] = [];
    for (let packet = 0; packet < 8; packet++) {
      inbound.engine.decryptBatch([gateway.encrypt(inboundPacket(1500)) ?? assert.fail()]);
      seen.push(inbound.signals.length);
    }
    assert.deepEqual(seen, [0, 0, 0, 0, 0, 0, 1, 1]);
  }
});

/** every lifetime event an engine raises, soft and hard, in order */
function lifetimeEventsOf(create: (options: EspEngineOptions) => Engine) {
  const events: string[] = [];
  const engine = create({
    onRekeyNeeded: (id, reason) => events.push(`${id} rekey ${reason}`),
    onExpired: (id, reason) => events.push(`${id} expired ${reason}`),
  });
  return { engine, events };
}

const ENGINES: [string, (options: EspEngineOptions) => Engine][] = [
  ['native', (options) => new NativeEspEngine(options)],
  ['model', (options) => new EspEngine(options)],
];

test('hard limits: the sequence space used up and the kilobyte lifetime reached expire the SA once, which then sends nothing, as the model', () => {
  // 4 KiB: 1500-byte packets reach 4096 bytes at the third
  const [exhausted, fresh] = [1, 2].map(() =>
    mirroredSas(GCM, { lifetime: { seconds: 3600, kilobytes: 4 } }),
  );
  const inbound = mirroredSas(GCM, { lifetime: { seconds: 3600, kilobytes: 2 } });
  assert.ok(exhausted && fresh);
  const runs = ENGINES.map(([name, create]) => {
    const { engine, events } = lifetimeEventsOf(create);
    engine.install(exhausted.client, { firstSequence: 0xfffffffe });
    const sequences = engine
      .encryptBatch([outboundPacket(100), outboundPacket(100)])
      .map((esp) => esp.readUInt32BE(4));
    assert.deepEqual(sequences, [0xfffffffe, 0xffffffff], `${name}: the last number is used`);
    const afterLast = [...events];
    assert.equal(engine.encryptBatch([outboundPacket(100)]).length, 0, `${name}: no cycling`);

    engine.install(fresh.client);
    const sent = [1, 2, 3, 4].map(() => engine.encryptBatch([outboundPacket(1500)]).length);
    engine.install(inbound.client);
    const gateway = installed(new EspEngine(), { ...inbound.gateway, lifetime: { seconds: 3600 } });
    const opened = [1, 2].map(
      () => engine.decryptBatch([gateway.encrypt(inboundPacket(1100)) ?? assert.fail()]).length,
    );
    const counts = countsOf(engine.counters());
    return { afterLast, events, sent, opened, counts };
  });
  const [native, model] = runs;
  assert.ok(native && model);
  assert.deepEqual(native.afterLast, [
    `${exhausted.client.id} rekey sequence-space`,
    `${exhausted.client.id} expired sequence-space-exhausted`,
  ]);
  assert.deepEqual(native.sent, [1, 1, 1, 0], 'the packet that reaches the limit is the last');
  assert.deepEqual(native.opened, [1, 1], 'what arrives until the SA is removed is delivered');
  assert.deepEqual(native.events.slice(2), [
    `${fresh.client.id} rekey kilobyte-lifetime`,
    `${fresh.client.id} expired kilobyte-lifetime-reached`,
    `${inbound.client.id} rekey kilobyte-lifetime`,
    `${inbound.client.id} expired kilobyte-lifetime-reached`,
  ]);
  assert.deepEqual(native, model, 'the native engine signals, counts and refuses as the model');
  assert.equal(native.counts.total.sendErrors, 2);
});

test('malformed input of every length: never throws, counted once, as the model', () => {
  for (const transform of [CBC, GCM, transformCase('3des-cbc-192/hmac-md5-96')]) {
    const sas = mirroredSas(transform);
    const native = installed(new NativeEspEngine(), sas.client);
    const model = installed(new EspEngine(), sas.client);
    const genuine = sealIndependently(
      transform,
      sas.client.inbound,
      7,
      espPlaintext(inboundPacket(200), NEXT_HEADER_IPV4, transform.alignment),
    );
    for (let length = 0; length <= genuine.length + 40; length++) {
      const inputs = [
        Buffer.alloc(length, 0xa5), // garbage with an unknown SPI
        Buffer.concat([genuine, Buffer.alloc(40, 0x5a)]).subarray(0, length), // cut or extended
      ];
      for (const input of inputs) {
        const verdict = native.decrypt(input);
        assert.deepEqual(verdict, model.decrypt(input), `${transform.name}, ${length} bytes`);
        assert.equal('packet' in verdict, length === genuine.length && input === inputs[1]);
      }
    }
    assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
  }
});

test('rekey overlap: both SAs open by SPI, outbound takes the newest, removal keeps counts', () => {
  const old = mirroredSas(GCM);
  const fresh = mirroredSas(CBC);
  const client = installed(new NativeEspEngine(), old.client);
  client.install(fresh.client);
  assert.throws(() => client.install(fresh.client), /already installed/);
  const onOld = installed(new EspEngine(), old.gateway);
  const onFresh = installed(new EspEngine(), fresh.gateway);
  const inner = Array.from({ length: 12 }, (_, index) => inboundPacket(100 + index));
  const sealed = inner.map(
    (packet, index) => (index % 3 === 0 ? onOld : onFresh).encrypt(packet) ?? assert.fail(),
  );
  assert.deepEqual(openInBatches(client, sealed, []), inner);
  const out = client.encrypt(outboundPacket()) ?? assert.fail();
  assert.equal(out.readUInt32BE(0), fresh.client.outbound.spi);
  assert.equal(client.remove(old.client.id), true);
  assert.equal(client.remove(old.client.id), false);
  assert.deepEqual(client.decrypt(onOld.encrypt(inboundPacket()) ?? assert.fail()), {
    drop: 'no-sa',
  });
  const { total, sas } = client.counters();
  assert.equal(total.packetsIn, 12, 'the removed SA still counts in the totals');
  assert.equal(total.noSaDrops, 1);
  assert.deepEqual(
    sas.map((sa) => sa.saId),
    [fresh.client.id],
  );
});

test('transforms or keys the addon cannot take are refused at install, naming the SA', () => {
  const sas = mirroredSas(CBC);
  const engine = new NativeEspEngine();
  const shortKey = {
    ...sas.client,
    outbound: { ...sas.client.outbound, integrityKey: Buffer.alloc(3) },
  };
  assert.throws(() => engine.install(shortKey), /key lengths/);
  assert.throws(
    () => engine.install({ ...sas.client, inbound: { ...sas.client.inbound, spi: 12 } }),
    /reserved/,
  );
  engine.install(sas.client);
  assert.equal(engine.counters().sas.length, 1);
});

/** Buffers back to back, as the addon's readers deliver a batch */
const slabOf = (packets: Buffer[]) => ({
  slab: Buffer.concat(packets),
  lengths: Uint32Array.from(packets, (packet) => packet.length),
  count: packets.length,
});

test('openSlab from a receive slab opens exactly as decryptBatch from Buffers', () => {
  const sas = mirroredSas(CBC);
  const gateway = installed(new EspEngine(), sas.gateway);
  const sealed = [28, 1400, 64, 512].map((length) => gateway.encrypt(inboundPacket(length))!);
  const fromSlab = installed(new NativeEspEngine(), sas.client).openSlab(slabOf(sealed));
  const fromBuffers = installed(new NativeEspEngine(), sas.client).decryptBatch(sealed);
  assert.equal(fromBuffers.length, sealed.length);
  assert.deepEqual(batchPackets(fromSlab.slab, fromSlab.lengths, fromSlab.count), fromBuffers);
  assert.throws(
    () =>
      installed(new NativeEspEngine(), mirroredSas(CBC).client).openSlab({
        ...slabOf(sealed),
        lengths: Uint32Array.from([5000]),
        count: 1,
      }),
    /packet slab/,
    'lengths that overrun the slab are refused',
  );
});

test('sealSlab from a TUN slab seals exactly as encryptBatch from Buffers', () => {
  const sas = mirroredSas(GCM);
  const fromSlab = installed(new NativeEspEngine(), sas.client);
  const fromBuffers = installed(new NativeEspEngine(), sas.client);
  const inner = [28, 1400, 64, 512].map((length) => outboundPacket(length));
  const sealed = fromSlab.sealSlab(slabOf(inner));
  assert.deepEqual(
    batchPackets(sealed.slab, sealed.lengths, sealed.count),
    fromBuffers.encryptBatch(inner),
  );
});

test('the data path takes only the addon’s own ESP engine and UDP socket, by type tag', () => {
  const addon = loadTunAddon();
  const esp = new NativeEspEngine();
  const socket = new addon.UdpSocket(4, 0, 65536);
  const noop = () => undefined;
  try {
    const lookalike = { install: noop, seal: noop, open: noop } as unknown as NativeUdpSocket;
    assert.throws(
      () => esp.openDataPath(lookalike, noop),
      /new DataPath\(EspEngine, UdpSocket, onIke, onEvents\)/,
    );
    const path = esp.openDataPath(socket, noop);
    assert.throws(() => path.setTun(socket as unknown as NativeTun), /setTun\(Tun \| null\)/);
    assert.throws(
      () => path.resume(Buffer.alloc(10), Uint32Array.from([11])),
      /lengths overrun the slab/,
    );
    const activity = new Float64Array(3);
    path.activity(activity);
    assert.deepEqual([...activity], [0, 0, 0], 'nothing received, sent or dropped yet');
    path.close();
    path.close();
  } finally {
    socket.close();
  }
});

// The guide's rule: native crypto is the libcrypto Node itself links. node-gyp compiles against
// Node's own OpenSSL headers and the addon links no libcrypto of its own, so EVP resolves from
// the node binary that loads it.
test('engineCost (the bench) runs the engines as the data path does: every packet sealed and opened, counted', () => {
  const sas = mirroredSas(CBC);
  const client = installed(new NativeEspEngine(), sas.client);
  const gateway = installed(new NativeEspEngine(), sas.gateway);
  const outbound = [outboundPacket(64), outboundPacket(1400)];
  const inbound = [inboundPacket(64), inboundPacket(512), inboundPacket(1400)];
  const cost = NativeEspEngine.engineCost(client, gateway, outbound, inbound, 3);
  assert.ok(cost.sealNs > 0 && cost.openNs > 0);
  const [counted] = client.counters().sas;
  assert.equal(counted?.packetsOut, 6);
  assert.equal(counted?.packetsIn, 9);
  assert.equal(counted?.icvFailures, 0);
  const addon = loadTunAddon();
  assert.throws(() => addon.engineCost({} as never, {} as never, [], [], 1), TypeError);
});

test('the addon is built on Node’s own OpenSSL headers and links no other libcrypto', () => {
  const build = fileURLToPath(new URL('../../app/dataplane/tun/native/build/', import.meta.url));
  const deps = readFileSync(`${build}Release/.deps/Release/obj.target/tun/esp-sa.o.d`, 'utf8');
  const evp = deps.split(/\s+/).filter((path) => path.endsWith('/openssl/evp.h'));
  assert.ok(evp.length > 0, 'esp-sa.cc includes openssl/evp.h');
  for (const path of evp) assert.match(path, /\/include\/node\/openssl\/evp\.h$/);
  const needed = execFileSync('readelf', ['-d', `${build}Release/tun.node`], { encoding: 'utf8' });
  assert.doesNotMatch(needed, /NEEDED.*lib(crypto|ssl)/);
  assert.match(needed, /NEEDED/, 'readelf listed the dynamic section');
});
