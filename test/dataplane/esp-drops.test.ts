// Inbound packets that must not get through, each dropped with its own counter, and packets
// the outbound side cannot carry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EspEngine } from './esp-model/index.js';
import {
  CLIENT_ADDRESS,
  CORPORATE_HOST,
  TRANSFORM_CASES,
  type TransformCase,
  espPlaintext,
  inboundPacket,
  ipv4Packet,
  ipv6Packet,
  mirroredSas,
  outboundPacket,
  sealIndependently,
  transformCase,
} from './esp-support/fixtures.js';

const NEXT_HEADER_IPV4 = 4;
const NEXT_HEADER_IPV6 = 41;
const GCM = transformCase('aes-gcm-16-256');
const CBC = transformCase('aes-cbc-128/hmac-sha1-96');

function receiver(transform: TransformCase, replayWindow = 1024) {
  const sas = mirroredSas(transform, { replayWindow });
  const client = new EspEngine();
  const gateway = new EspEngine();
  client.install(sas.client);
  gateway.install(sas.gateway);
  const send = (length = 100) => gateway.encrypt(inboundPacket(length)) ?? assert.fail('no ESP');
  const counters = () => client.counters().total;
  return { sas, client, gateway, send, counters };
}

for (const transform of [GCM, CBC]) {
  test(`${transform.name}: a replayed packet is dropped and counted`, () => {
    const { client, send, counters } = receiver(transform);
    const esp = send();
    assert.ok('packet' in client.decrypt(esp));
    assert.deepEqual(client.decrypt(esp), { drop: 'replay' });
    assert.equal(counters().replayDrops, 1);
    assert.equal(counters().packetsIn, 1);
  });

  test(`${transform.name}: late packets inside the window pass, older ones are dropped`, () => {
    const { client, send, counters } = receiver(transform, 64);
    const packets = Array.from({ length: 200 }, () => send());
    const held = new Set([9, 149, 150]); // sequence numbers 10, 150, 151
    for (const [index, esp] of packets.entries()) {
      if (!held.has(index)) assert.ok('packet' in client.decrypt(esp));
    }
    // top = 200, window 64: 151 and 150 are within (200 - 64, 200], 10 is not
    assert.ok('packet' in client.decrypt(packets[150] ?? assert.fail()));
    assert.ok('packet' in client.decrypt(packets[149] ?? assert.fail()));
    assert.deepEqual(client.decrypt(packets[9] ?? assert.fail()), { drop: 'replay' });
    assert.equal(counters().replayDrops, 1);
    assert.equal(counters().packetsIn, 199);
  });
}

for (const transform of TRANSFORM_CASES) {
  test(`${transform.name}: a flipped byte in seq, IV, ciphertext or ICV fails the ICV, harmlessly`, () => {
    const { client, send, counters } = receiver(transform);
    const esp = send(300);
    const offsets = [
      5, // sequence number (stays fresh: high byte)
      8, // first IV byte
      8 + transform.ivLength + 10, // ciphertext
      esp.length - transform.icvLength - 1, // last ciphertext byte: the trailer
      esp.length - 1, // ICV
    ];
    for (const offset of offsets) {
      const forged = Buffer.from(esp);
      forged[offset] = (forged[offset] ?? 0) ^ 0x80;
      assert.deepEqual(client.decrypt(forged), { drop: 'icv' }, `offset ${offset}`);
    }
    assert.equal(counters().icvFailures, offsets.length);
    // nothing moved: no window slide by the forged high seq, no chaining state broken
    assert.ok('packet' in client.decrypt(esp));
    assert.ok('packet' in client.decrypt(send(1400)));
    assert.equal(counters().packetsIn, 2);
  });
}

test('a flipped SPI byte: unknown SPI is noSaDrops, another SA of ours is an ICV failure', () => {
  const { sas, client, send, counters } = receiver(GCM);
  const other = mirroredSas(GCM);
  client.install(other.client);
  const esp = send();
  const unknown = Buffer.from(esp);
  unknown[0] = (unknown[0] ?? 0) ^ 0x80;
  assert.deepEqual(client.decrypt(unknown), { drop: 'no-sa' });
  const misdirected = Buffer.from(esp);
  misdirected.writeUInt32BE(other.client.inbound.spi, 0);
  assert.deepEqual(client.decrypt(misdirected), { drop: 'icv' });
  assert.equal(counters().noSaDrops, 1);
  const perSa = client.counters().sas;
  assert.equal(perSa.find((sa) => sa.saId === other.client.id)?.icvFailures, 1);
  assert.equal(perSa.find((sa) => sa.saId === sas.client.id)?.icvFailures, 0);
});

for (const transform of [GCM, CBC, transformCase('3des-cbc-192/hmac-md5-96')]) {
  test(`${transform.name}: authentic packets with bad contents are counted by reason`, () => {
    const { sas, client, counters } = receiver(transform);
    const keys = sas.client.inbound;
    let sequence = 1;
    const deliver = (plaintext: Buffer) =>
      client.decrypt(sealIndependently(transform, keys, sequence++, plaintext));
    const inner = inboundPacket(60);
    const good = espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment);
    const padLength = good[good.length - 2] ?? 0;
    assert.ok(padLength >= 2, 'fixture needs two pad bytes');

    const badPadding = Buffer.from(good);
    badPadding[inner.length + 1] = 7; // 1, 7, ... instead of 1, 2, ...
    assert.deepEqual(deliver(badPadding), { drop: 'padding' });
    const overlongPadding = Buffer.from(good);
    overlongPadding[good.length - 2] = 255;
    assert.deepEqual(deliver(overlongPadding), { drop: 'padding' });
    assert.equal(counters().paddingErrors, 2);

    const udpNextHeader = Buffer.from(good);
    udpNextHeader[good.length - 1] = 17;
    assert.deepEqual(deliver(udpNextHeader), { drop: 'decrypt' });
    const truncatedInner = espPlaintext(inner.subarray(0, 50), 4, transform.alignment);
    assert.deepEqual(deliver(truncatedInner), { drop: 'decrypt' }, 'total length 60 > 50');
    const ipv4AsIpv6 = espPlaintext(inner, NEXT_HEADER_IPV6, transform.alignment);
    assert.deepEqual(deliver(ipv4AsIpv6), { drop: 'decrypt' });
    assert.equal(counters().decryptErrors, 3);

    assert.deepEqual(deliver(espPlaintext(Buffer.alloc(0), 59, transform.alignment)), {
      drop: 'dummy',
    });
    // RFC 4303 2.7: TFC padding after the inner packet is cut off
    const tfcPadded = espPlaintext(
      Buffer.concat([inner, Buffer.alloc(40)]),
      4,
      transform.alignment,
    );
    assert.deepEqual(deliver(tfcPadded), { packet: inner });
    assert.equal(counters().packetsIn, 2);
    assert.equal(counters().bytesIn, inner.length);
  });
}

test('inner packets outside the selectors are dropped as selectorDrops', () => {
  const { sas, client, counters } = receiver(CBC);
  let sequence = 1;
  const deliver = (inner: Buffer, nextHeader = NEXT_HEADER_IPV4) =>
    client.decrypt(
      sealIndependently(
        CBC,
        sas.client.inbound,
        sequence++,
        espPlaintext(inner, nextHeader, CBC.alignment),
      ),
    );
  assert.deepEqual(deliver(ipv4Packet('203.0.113.5', CLIENT_ADDRESS, 80)), { drop: 'selector' });
  assert.deepEqual(deliver(ipv4Packet(CORPORATE_HOST, '198.19.10.3', 80)), { drop: 'selector' });
  // well-formed IPv6 gets through ESP framing but no SA has IPv6 selectors (contract: IPv4)
  assert.deepEqual(deliver(ipv6Packet(16), NEXT_HEADER_IPV6), { drop: 'selector' });
  assert.equal(counters().selectorDrops, 3);
  assert.equal(counters().decryptErrors, 0);
});

test('unknown SPI, short packets and misaligned CBC lengths are counted', () => {
  const { client, send, counters } = receiver(CBC);
  const stranger = mirroredSas(CBC);
  const strangerEngine = new EspEngine();
  strangerEngine.install(stranger.gateway);
  assert.deepEqual(client.decrypt(strangerEngine.encrypt(inboundPacket()) ?? assert.fail()), {
    drop: 'no-sa',
  });
  assert.equal(counters().noSaDrops, 1);

  assert.deepEqual(client.decrypt(Buffer.alloc(7, 1)), { drop: 'malformed' });
  const esp = send();
  assert.deepEqual(client.decrypt(esp.subarray(0, esp.length - 1)), { drop: 'malformed' });
  assert.deepEqual(client.decrypt(esp.subarray(0, 8 + 16 + 12)), { drop: 'malformed' });
  assert.equal(counters().malformedDrops, 3);
  assert.ok('packet' in client.decrypt(esp));
});

test('outbound: no covering SA is noRouteDrops, garbage from the TUN is malformedDrops', () => {
  const { client } = receiver(GCM);
  assert.equal(client.encrypt(ipv4Packet(CLIENT_ADDRESS, '203.0.113.1', 60)), null);
  assert.equal(client.encrypt(ipv4Packet('198.19.10.99', CORPORATE_HOST, 60)), null);
  assert.equal(client.encrypt(ipv6Packet(20)), null);
  assert.equal(client.counters().total.noRouteDrops, 3);
  assert.equal(client.encrypt(Buffer.alloc(40)), null);
  assert.equal(client.encrypt(outboundPacket(60).subarray(0, 59)), null);
  assert.equal(client.counters().total.malformedDrops, 2);
  assert.equal(client.counters().total.packetsOut, 0);
});
