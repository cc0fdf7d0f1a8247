// The helper wire protocol: codec round trips (Buffers intact), validation at the boundary,
// version refusal, and length-prefixed framing with its size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader, FrameTooLargeError, frame } from '../../app/helper/framing.js';
import {
  ClientFrameSchema,
  HELPER_PROTOCOL_VERSION,
  type HelperFrame,
  HelperFrameSchema,
  MAX_FRAME_BYTES,
  decodeFrame,
  encodeFrame,
} from '../../app/shared/helper-protocol.js';
import { SA, SETUP } from './support/fixtures.js';

const v = HELPER_PROTOCOL_VERSION;

function roundTrip(message: Parameters<typeof encodeFrame<typeof ClientFrameSchema>>[1]) {
  const decoded = decodeFrame(ClientFrameSchema, encodeFrame(ClientFrameSchema, message));
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.message);
  return decoded.frame;
}

test('an SA pair crosses as base64 and comes back as equal Buffers', () => {
  const text = encodeFrame(ClientFrameSchema, { v, id: 7, method: 'installSa', tunnel: 1, sa: SA });
  assert.match(text, /"encryptionKey":"oaGh/); // 0xa1 bytes in base64
  const frame = roundTrip({ v, id: 7, method: 'installSa', tunnel: 1, sa: SA });
  assert.equal(frame.method, 'installSa');
  assert.ok(frame.method === 'installSa' && Buffer.isBuffer(frame.sa.outbound.encryptionKey));
  assert.deepEqual(frame.sa, SA);
});

test('every request and push frame survives encode/decode unchanged', () => {
  const packet = Buffer.from('0011223344556677', 'hex');
  for (const message of [
    { v, id: 1, method: 'openIke', options: { gateway: '198.51.100.1', gatewayNattPort: 4500 } },
    { v, method: 'send', tunnel: 3, leg: 'natt', packet },
    { v, id: 2, method: 'setKeepalive', tunnel: 3, intervalSeconds: 20 },
    { v, id: 3, method: 'removeSa', tunnel: 3, saId: 'child-1' },
    { v, id: 4, method: 'configureNetwork', tunnel: 3, setup: SETUP },
    { v, id: 5, method: 'deconfigureNetwork', tunnel: 3 },
    { v, id: 6, method: 'close', tunnel: 3 },
  ] as const) {
    assert.deepEqual(roundTrip(message), message);
  }
  const pushed: HelperFrame[] = [
    {
      v,
      type: 'opened',
      id: 1,
      tunnel: 3,
      localAddress: '192.0.2.10',
      localPort: 1,
      localNattPort: 2,
    },
    { v, type: 'applied', id: 4, applied: { tunName: 'rw7', mtu: 1400, changes: ['a'] } },
    { v, type: 'done', id: 5 },
    { v, type: 'error', id: null, code: 'forbidden', message: 'no' },
    { v, type: 'packet', leg: 'ike', packet },
    { v, type: 'event', event: { type: 'rekey-needed', saId: 'child-1', reason: 'seq' } },
    {
      v,
      type: 'event',
      event: { type: 'sa-expired', saId: 'child-1', reason: 'sequence-space-exhausted' },
    },
    { v, type: 'liveness', lastInboundAt: 1700000000000 },
  ];
  for (const message of pushed) {
    const decoded = decodeFrame(HelperFrameSchema, encodeFrame(HelperFrameSchema, message));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.frame, message);
  }
});

test('an unknown protocol version is refused with a reason naming both versions', () => {
  const decoded = decodeFrame(ClientFrameSchema, JSON.stringify({ v: 2, id: 9, method: 'close' }));
  assert.equal(decoded.ok, false);
  assert.ok(!decoded.ok);
  assert.equal(decoded.code, 'unsupported-version');
  assert.equal(decoded.id, 9);
  assert.match(decoded.message, /version 2 is not supported.*version 1/);
});

test('malformed frames are refused with the reason, keeping the id when readable', () => {
  const cases: [string, RegExp][] = [
    ['{not json', /not JSON/],
    ['[1,2]', /not a JSON object/],
    [JSON.stringify({ v, id: 4, method: 'reboot' }), /method/],
    [JSON.stringify({ v, id: 4, method: 'close', tunnel: 1, extra: true }), /extra/],
    [JSON.stringify({ v, method: 'send', tunnel: 1, leg: 'ike', packet: '***' }), /base64/],
    [
      JSON.stringify({ v, id: 4, method: 'openIke', options: { gateway: 'evil.example' } }),
      /gateway/,
    ],
    [
      JSON.stringify({
        v,
        id: 4,
        method: 'configureNetwork',
        tunnel: 1,
        setup: { ...SETUP, tunName: 'eth0; rm' },
      }),
      /tunName/,
    ],
    [
      JSON.stringify({
        v,
        id: 4,
        method: 'configureNetwork',
        tunnel: 1,
        setup: { ...SETUP, config: { ...SETUP.config, defaultDomain: 'x\nnameserver 6.6.6.6' } },
      }),
      /defaultDomain/,
    ],
  ];
  for (const [body, reason] of cases) {
    const decoded = decodeFrame(ClientFrameSchema, body);
    assert.ok(!decoded.ok, body);
    assert.equal(decoded.code, 'malformed', body);
    assert.match(decoded.message, reason, body);
  }
  const withId = decodeFrame(ClientFrameSchema, JSON.stringify({ v, id: 4, method: 'reboot' }));
  assert.ok(!withId.ok && withId.id === 4);
});

test('frames reassemble across arbitrary chunk boundaries', () => {
  const bodies = ['{"a":1}', 'é'.repeat(1000), '{}'];
  const stream = Buffer.concat(bodies.map((body) => frame(body)));
  for (const step of [1, 3, 7, 1000, stream.length]) {
    const got: string[] = [];
    const reader = new FrameReader((body) => got.push(body));
    for (let offset = 0; offset < stream.length; offset += step) {
      reader.push(stream.subarray(offset, offset + step));
    }
    assert.deepEqual(got, bodies, `chunk size ${step}`);
  }
});

test('an oversized frame is rejected from its header, before the body arrives', () => {
  const reader = new FrameReader(() => assert.fail('no frame expected'));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME_BYTES + 1);
  assert.throws(() => reader.push(header), FrameTooLargeError);
  assert.throws(() => frame('x'.repeat(MAX_FRAME_BYTES + 1)), FrameTooLargeError);
  assert.equal(frame('x'.repeat(MAX_FRAME_BYTES)).length, MAX_FRAME_BYTES + 4);
});
