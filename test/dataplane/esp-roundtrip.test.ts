// Every transform and key size: client encrypts, gateway decrypts and the reverse, through two
// EspEngines that hold the mirrored SA; ESP framing and counters checked on the way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EspEngine } from './esp-model/index.js';
import {
  TRANSFORM_CASES,
  inboundPacket,
  ipv4Packet,
  mirroredSas,
  outboundPacket,
} from './esp-support/fixtures.js';

/** lengths around every padding boundary plus MTU-sized packets */
const LENGTHS = [28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 40, 44, 47, 100, 1400, 1500];

function engines(transform: (typeof TRANSFORM_CASES)[number]) {
  const sas = mirroredSas(transform);
  const client = new EspEngine();
  const gateway = new EspEngine();
  client.install(sas.client);
  gateway.install(sas.gateway);
  return { sas, client, gateway };
}

for (const transform of TRANSFORM_CASES) {
  test(`${transform.name}: round trip both ways, ESP framing per RFC 4303 2`, () => {
    const { sas, client, gateway } = engines(transform);
    let bytes = 0;
    for (const [index, length] of LENGTHS.entries()) {
      const inner = outboundPacket(length);
      const esp = client.encrypt(inner);
      assert.ok(esp);
      assert.equal(esp.readUInt32BE(0), sas.gateway.inbound.spi);
      assert.equal(esp.readUInt32BE(4), index + 1, 'sequence numbers start at 1 and count up');
      const padded = esp.length - 8 - transform.ivLength - transform.icvLength;
      assert.equal(padded % transform.alignment, 0);
      assert.ok(padded - (length + 2) < transform.alignment, 'no more padding than needed');
      assert.deepEqual(gateway.decrypt(esp), { packet: inner });

      const reply = inboundPacket(length);
      const back = gateway.encrypt(reply);
      assert.ok(back);
      assert.equal(back.readUInt32BE(0), sas.client.inbound.spi);
      assert.deepEqual(client.decrypt(back), { packet: reply });
      bytes += length;
    }
    const [counters] = client.counters().sas;
    assert.equal(counters?.packetsOut, LENGTHS.length);
    assert.equal(counters?.packetsIn, LENGTHS.length);
    assert.equal(counters?.bytesOut, bytes);
    assert.equal(counters?.bytesIn, bytes);
    assert.ok((counters?.lastInboundAt ?? 0) > 0 && (counters?.lastOutboundAt ?? 0) > 0);
    assert.equal(client.counters().total.packetsIn, LENGTHS.length);
  });
}

test('the same inner packet encrypts differently each time (fresh IV / sequence)', () => {
  for (const transform of TRANSFORM_CASES) {
    const { client } = engines(transform);
    const inner = outboundPacket(200);
    const seen = new Set<string>();
    for (let count = 0; count < 50; count++) {
      const body = client.encrypt(inner)?.subarray(8).toString('hex');
      assert.ok(body && !seen.has(body), transform.name);
      seen.add(body);
    }
  }
});

test('a maximum-size inner packet round-trips', () => {
  const { client, gateway } = engines(TRANSFORM_CASES[0] ?? assert.fail());
  const inner = ipv4Packet('198.19.10.2', '198.51.100.9', 65535);
  const esp = client.encrypt(inner);
  assert.ok(esp);
  assert.deepEqual(gateway.decrypt(esp), { packet: inner });
});
