// Wire codec against real bytes: the vpnc <-> strongSwan captures in test/fixtures/captures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributeNumber, tlv, tv } from '../../app/engine/wire/attributes.js';
import { DecodeError } from '../../app/engine/wire/codec.js';
import { ExchangeType, IdType, Phase1Attr, PayloadType } from '../../app/engine/wire/constants.js';
import {
  decodeHeader,
  encodeMessage,
  findPayloads,
  requirePayload,
} from '../../app/engine/wire/message.js';
import {
  type OutgoingPayload,
  decodePayloadChain,
  encodePayloadChain,
} from '../../app/engine/wire/payloads.js';
import { nameVendorId } from '../../app/engine/wire/vendor-ids.js';
import { readIkeMessages } from '../support/pcapng.js';

const capture = readIkeMessages(
  new URL('../fixtures/captures/vpnc-strongswan-nat.pcap', import.meta.url).pathname,
);

function decodeCleartext(index: number) {
  const datagram = capture[index];
  assert.ok(datagram, `capture has message ${index + 1}`);
  const raw = decodeHeader(datagram.payload);
  const chain = decodePayloadChain(raw.header.firstPayload, raw.body);
  return { raw, chain };
}

test('aggressive mode message 1 from vpnc decodes and re-encodes to the same bytes', () => {
  const { raw, chain } = decodeCleartext(0);
  assert.equal(raw.header.exchangeType, ExchangeType.Aggressive);
  assert.equal(raw.header.initiatorCookie.toString('hex'), '0dbc4f8871156617');
  assert.deepEqual(
    chain.payloads.map((p) => p.type),
    [1, 4, 10, 5, 13, 13, 13, 13, 13, 13, 13, 13, 13],
  );
  const sa = requirePayload(chain.payloads, PayloadType.SA, 'm1');
  const transforms = sa.body.proposals[0]?.transforms ?? [];
  assert.equal(transforms.length, 24, 'vpnc offered 24 phase 1 transforms (summary)');
  const first = transforms[0]?.attributes ?? [];
  assert.equal(
    attributeNumber(first.find((a) => a.type === Phase1Attr.AuthenticationMethod)!),
    65001,
  );
  const id = requirePayload(chain.payloads, PayloadType.Identification, 'm1');
  assert.equal(id.body.idType, IdType.KeyId);
  assert.equal(id.body.data.toString(), 'labgroup');
  const vids = findPayloads(chain.payloads, PayloadType.VendorId).map((v) =>
    nameVendorId(v.body.data),
  );
  assert.ok(vids.includes('xauth') && vids.includes('ciscoUnity') && vids.includes('dpd'));
  assert.ok(vids.includes('natTRfc3947') && vids.includes('natTDraft02n'));

  const reencoded = encodeMessage(raw.header, chain.payloads as unknown as OutgoingPayload[]);
  assert.ok(reencoded.equals(raw.bytes), 're-encoding reproduces the captured datagram');
});

test('aggressive mode message 2 from strongSwan decodes and re-encodes to the same bytes', () => {
  const { raw, chain } = decodeCleartext(1);
  assert.deepEqual(
    chain.payloads.map((p) => p.type),
    [1, 4, 10, 5, 13, 13, 13, 13, 13, 20, 20, 8],
  );
  const id = requirePayload(chain.payloads, PayloadType.Identification, 'm2');
  assert.equal(id.body.idType, IdType.Ipv4Addr);
  assert.equal([...id.body.data].join('.'), '198.51.100.1');
  const vids = findPayloads(chain.payloads, PayloadType.VendorId).map((v) =>
    nameVendorId(v.body.data),
  );
  assert.deepEqual(vids, ['strongSwan', 'xauth', 'dpd', 'ciscoUnity', 'natTRfc3947']);
  const chosen = requirePayload(chain.payloads, PayloadType.SA, 'm2').body.proposals[0]?.transforms;
  assert.equal(chosen?.length, 1);
  const reencoded = encodeMessage(raw.header, chain.payloads as unknown as OutgoingPayload[]);
  assert.ok(reencoded.equals(raw.bytes));
});

test('payload chain round-trips every payload layout', () => {
  const payloads: OutgoingPayload[] = [
    {
      type: PayloadType.SA,
      body: {
        doi: 1,
        situation: 1,
        proposals: [
          {
            number: 1,
            protocolId: 3,
            spi: Buffer.from('01020304', 'hex'),
            transforms: [
              { number: 1, transformId: 12, attributes: [tv(4, 3), tv(6, 256)] },
              {
                number: 2,
                transformId: 20,
                attributes: [tlv(2, Buffer.from('0001518000', 'hex'))],
              },
            ],
          },
        ],
      },
    },
    {
      type: PayloadType.Identification,
      body: { idType: 4, protocolId: 0, port: 0, data: Buffer.alloc(8) },
    },
    {
      type: PayloadType.Notification,
      body: {
        doi: 1,
        protocolId: 1,
        notifyType: 36136,
        spi: Buffer.alloc(16, 7),
        data: Buffer.from('00000005', 'hex'),
      },
    },
    {
      type: PayloadType.Delete,
      body: { doi: 1, protocolId: 3, spis: [Buffer.alloc(4, 1), Buffer.alloc(4, 2)] },
    },
    {
      type: PayloadType.Attribute,
      body: {
        cfgType: 1,
        identifier: 9,
        attributes: [tv(16520, 0), tlv(16521, Buffer.from('alice'))],
      },
    },
    { type: PayloadType.NatOA, body: { idType: 1, data: Buffer.from([10, 0, 0, 1]) } },
    { type: PayloadType.Hash, body: { data: Buffer.alloc(20, 9) } },
  ];
  const { firstPayload, bytes } = encodePayloadChain(payloads);
  const decoded = decodePayloadChain(firstPayload, bytes);
  assert.equal(decoded.trailing, 0);
  assert.deepEqual(
    decoded.payloads.map((p) => ({ type: p.type, body: p.body })),
    payloads,
  );
  assert.deepEqual(
    encodePayloadChain(decoded.payloads as unknown as OutgoingPayload[]).bytes,
    bytes,
  );
});

test('Mode Config attributes: trailing zero bytes and a zero-length type-0 attribute are tolerated', () => {
  const body = Buffer.concat([
    Buffer.from('02000005', 'hex'), // REPLY, identifier 5
    Buffer.from('0001000498136301', 'hex'), // INTERNAL_IP4_ADDRESS
    Buffer.from('00000000', 'hex'), // type 0, length 0
    Buffer.from('000000', 'hex'), // trailing zeros
  ]);
  const chain = encodePayloadChain([{ type: PayloadType.Hash, body: { data: Buffer.alloc(4) } }]);
  const withAttr = Buffer.concat([
    Buffer.from([PayloadType.Attribute, 0, 0, 8]),
    Buffer.from('00000000', 'hex'),
    Buffer.from([0, 0, 0, body.length + 4]),
    body,
  ]);
  const decoded = decodePayloadChain(chain.firstPayload, withAttr);
  const attrs = requirePayload(decoded.payloads, PayloadType.Attribute, 't').body.attributes;
  assert.deepEqual(attrs, [{ type: 1, bytes: Buffer.from('98136301', 'hex') }]);
});

test('malformed input yields DecodeError naming the problem', () => {
  const { raw } = decodeCleartext(1);
  for (const cut of [0, 10, 27, 40, raw.bytes.length - 1]) {
    assert.throws(
      () => {
        const m = decodeHeader(raw.bytes.subarray(0, cut));
        decodePayloadChain(m.header.firstPayload, m.body);
      },
      (e: unknown) => e instanceof DecodeError && e.message.length > 10,
      `cut at ${cut}`,
    );
  }
  const badVersion = Buffer.from(raw.bytes);
  badVersion[17] = 0x20;
  assert.throws(() => decodeHeader(badVersion), { name: 'DecodeError', code: 'bad-version' });
  const critical = Buffer.from([0, 0x80, 0, 4]);
  assert.throws(() => decodePayloadChain(99, critical), { code: 'unsupported-critical-payload' });
  assert.deepEqual(decodePayloadChain(99, Buffer.from([0, 0, 0, 4])).skipped, [99]);
});
