// Cross-check against an independent construction from one-shot node:crypto calls
// (esp-support/fixtures.ts): what the engine sends, plain CBC/GCM + HMAC can open and finds
// the RFC 4303 2.4 plaintext in; what plain CBC/GCM + HMAC builds, the engine accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EspEngine } from './esp-model/index.js';
import {
  TRANSFORM_CASES,
  espPlaintext,
  inboundPacket,
  mirroredSas,
  openIndependently,
  outboundPacket,
  sealIndependently,
} from './esp-support/fixtures.js';

const NEXT_HEADER_IPV4 = 4;

for (const transform of TRANSFORM_CASES) {
  test(`${transform.name}: engine output opens with plain node:crypto`, () => {
    const sas = mirroredSas(transform);
    const client = new EspEngine();
    client.install(sas.client);
    for (const length of [28, 29, 45, 1400]) {
      const inner = outboundPacket(length);
      const esp = client.encrypt(inner) ?? assert.fail('no ESP packet');
      const plaintext = openIndependently(transform, sas.client.outbound, esp);
      assert.deepEqual(plaintext, espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment));
    }
  });

  test(`${transform.name}: plain node:crypto construction decrypts in the engine`, () => {
    const sas = mirroredSas(transform);
    const client = new EspEngine();
    client.install(sas.client);
    for (const [index, length] of [28, 31, 100, 1400].entries()) {
      const inner = inboundPacket(length);
      const plaintext = espPlaintext(inner, NEXT_HEADER_IPV4, transform.alignment);
      const esp = sealIndependently(transform, sas.client.inbound, index + 1, plaintext);
      assert.deepEqual(client.decrypt(esp), { packet: inner });
    }
  });
}

// RFC 4106 3.1 allows a counter as the explicit IV; RFC 3602 3 wants unpredictable CBC IVs
test('GCM explicit IV is the sequence number, CBC IVs are all distinct', () => {
  for (const transform of TRANSFORM_CASES) {
    const sas = mirroredSas(transform);
    const client = new EspEngine();
    client.install(sas.client);
    const ivs = new Set<string>();
    for (let sequence = 1; sequence <= 2000; sequence++) {
      const esp = client.encrypt(outboundPacket(60)) ?? assert.fail('no ESP packet');
      const iv = esp.subarray(8, 8 + transform.ivLength);
      if (transform.hmac === undefined) {
        assert.equal(iv.readUInt32BE(0), 0);
        assert.equal(iv.readUInt32BE(4), sequence);
      }
      ivs.add(iv.toString('hex'));
    }
    assert.equal(ivs.size, 2000, transform.name);
  }
});
