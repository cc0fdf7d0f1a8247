// IKEv1 fragmentation: any cut of a message into fragments, in any order and with repeats,
// reassembles to the same bytes; the limits on count, size, age and sets hold; malformed
// fragments are dropped with a log line, never thrown; the messenger fragments a large phase 1
// message only once the gateway announced it reassembles, and reassembles what it receives.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  IkeFragmentation,
  REASSEMBLY_LIMITS,
  type ReassemblyLimits,
  maxIkeMessage,
  splitIntoFragments,
} from '../../app/engine/fragments.js';
import { Logger } from '../../app/engine/logger.js';
import { ExchangeType, FragmentFlag, PayloadType } from '../../app/engine/wire/constants.js';
import { decodeHeader, encodeMessage } from '../../app/engine/wire/message.js';
import { decodePayloadChain } from '../../app/engine/wire/payloads.js';
import { readIkeMessages } from '../support/pcapng.js';
import { recordingMessenger } from './recording-channel.js';

const GATEWAY = '198.51.100.1';

function collectingLogger() {
  const lines: string[] = [];
  return {
    lines,
    log: new Logger((level, _phase, text) => lines.push(`${level}: ${text}`), 'debug'),
  };
}

/** A phase 1 message of about `size` bytes: one Vendor ID payload of random bytes. */
function bigMessage(size: number, exchangeType: number = ExchangeType.Aggressive): Buffer {
  return encodeMessage(
    {
      initiatorCookie: randomBytes(8),
      responderCookie: randomBytes(8),
      exchangeType,
      flags: 0,
      messageId: 0,
    },
    [{ type: PayloadType.VendorId, body: { data: randomBytes(size) } }],
  );
}

function reassembler(limits: Partial<ReassemblyLimits> = {}, clock = { now: 0 }) {
  const { lines, log } = collectingLogger();
  const fragmentation = new IkeFragmentation(
    GATEWAY,
    log,
    { ...REASSEMBLY_LIMITS, ...limits },
    () => clock.now,
  );
  return { fragmentation, lines, clock };
}

const take = (f: IkeFragmentation, datagram: Buffer) => f.take(decodeHeader(datagram));

/** strongSwan 5.9.8's aggressive mode message 2 as three IKE fragments, captured in the lab
 * (test/fixtures/captures/ORIGIN.md). */
const STRONGSWAN_FRAGMENTS = readIkeMessages(
  new URL('../fixtures/captures/strongswan-ike-fragments.pcapng', import.meta.url).pathname,
).map((d) => d.payload);

test("strongSwan's fragments decode, re-encode to the same bytes and reassemble", () => {
  assert.equal(STRONGSWAN_FRAGMENTS.length, 3);
  const bodies = STRONGSWAN_FRAGMENTS.map((datagram) => {
    const { header, body } = decodeHeader(datagram);
    const [fragment] = decodePayloadChain(header.firstPayload, body).payloads;
    assert.ok(fragment?.type === PayloadType.Fragment);
    const { firstPayload: _, ...rest } = header;
    assert.deepEqual(
      encodeMessage(rest, [{ type: PayloadType.Fragment, body: fragment.body }]),
      datagram,
    );
    return fragment.body;
  });
  assert.deepEqual(
    bodies.map(({ fragmentId, number, flags }) => ({ fragmentId, number, flags })),
    [
      { fragmentId: 1, number: 1, flags: 0 },
      { fragmentId: 1, number: 2, flags: 0 },
      { fragmentId: 1, number: 3, flags: FragmentFlag.Last },
    ],
  );
  const { fragmentation } = reassembler();
  const [third, first, second] = [2, 0, 1].map((i) => STRONGSWAN_FRAGMENTS[i] as Buffer);
  assert.equal(take(fragmentation, third as Buffer), undefined);
  assert.equal(take(fragmentation, first as Buffer), undefined);
  const whole = take(fragmentation, second as Buffer);
  assert.ok(whole);
  const message = decodeHeader(whole);
  assert.equal(message.header.exchangeType, ExchangeType.Aggressive);
  assert.equal(message.bytes.length, 596, "strongSwan's log: splitting IKE message (596 bytes)");
  assert.equal(
    decodePayloadChain(message.header.firstPayload, message.body).payloads[0]?.type,
    PayloadType.SA,
  );
});

test('any cut into fragments, in any order and with repeats, reassembles to the same bytes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6000 }),
      fc.integer({ min: 100, max: 1500 }),
      fc.array(fc.nat(), { maxLength: 100 }),
      fc.array(fc.nat(), { maxLength: 5 }),
      (size, maxMessage, shuffle, repeats) => {
        const message = bigMessage(size);
        const fragments = splitIntoFragments(message, 7, maxMessage);
        for (const fragment of fragments) assert.ok(fragment.length <= maxMessage);
        // a Fisher-Yates shuffle driven by the generated numbers, then some fragments sent twice
        const order = [...fragments];
        for (let i = order.length - 1; i > 0; i--) {
          const j = (shuffle[i] ?? 0) % (i + 1);
          [order[i], order[j]] = [order[j] as Buffer, order[i] as Buffer];
        }
        for (const r of repeats)
          order.splice(r % order.length, 0, order[r % order.length] as Buffer);
        const { fragmentation } = reassembler({ maxFragments: 255, maxBytes: 1 << 20 });
        const results = order.map((f) => take(fragmentation, f));
        // a repeat after the message completed starts over, as a retransmission would
        const wholes = results.filter((r) => r !== undefined);
        assert.ok(wholes.length >= 1);
        for (const whole of wholes) assert.ok(whole.equals(message));
        assert.equal(fragmentation.refusedFragments, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('each fragment is a cleartext message of one Fragment payload, numbered from 1, the last flagged', () => {
  const message = bigMessage(1200);
  const fragments = splitIntoFragments(message, 3, 548);
  const original = decodeHeader(message).header;
  fragments.forEach((datagram, index) => {
    const { header, body } = decodeHeader(datagram);
    assert.deepEqual(header.initiatorCookie, original.initiatorCookie);
    assert.deepEqual(header.responderCookie, original.responderCookie);
    assert.equal(header.exchangeType, ExchangeType.Aggressive);
    assert.equal(header.flags, 0);
    assert.equal(header.messageId, 0);
    const { payloads } = decodePayloadChain(header.firstPayload, body);
    assert.equal(payloads.length, 1);
    const [fragment] = payloads;
    assert.equal(fragment?.type, PayloadType.Fragment);
    if (fragment?.type !== PayloadType.Fragment) return;
    assert.equal(fragment.body.fragmentId, 3);
    assert.equal(fragment.body.number, index + 1);
    assert.equal(fragment.body.flags, index === fragments.length - 1 ? FragmentFlag.Last : 0);
  });
  assert.equal(fragments.length, Math.ceil(message.length / (548 - 28 - 8)));
});

test('the size limit is the safe datagram of the family less the headers (and the NAT-T marker)', () => {
  assert.equal(maxIkeMessage('198.51.100.1', 'ike'), 576 - 20 - 8);
  assert.equal(maxIkeMessage('198.51.100.1', 'natt'), 576 - 20 - 8 - 4);
  assert.equal(maxIkeMessage('2001:db8::1', 'ike'), 1280 - 40 - 8);
  assert.equal(maxIkeMessage('2001:db8::1', 'natt'), 1280 - 40 - 8 - 4);
});

test('a message of more fragments than the limit is refused', () => {
  const { fragmentation, lines } = reassembler({ maxFragments: 4 });
  const fragments = splitIntoFragments(bigMessage(3000), 1, 548);
  assert.ok(fragments.length > 4);
  assert.deepEqual(
    fragments.map((f) => take(fragmentation, f)).filter(Boolean),
    [],
    'never completes',
  );
  assert.ok(fragmentation.refusedFragments >= 1);
  assert.ok(lines.some((l) => /^warn: .*fragment number 5 .*outside 1\.\.4/.test(l)));
});

test('a set larger than the byte limit is dropped whole', () => {
  const { fragmentation, lines } = reassembler({ maxBytes: 1000 });
  const fragments = splitIntoFragments(bigMessage(1500), 1, 548);
  const results = fragments.map((f) => take(fragmentation, f));
  assert.ok(results.every((r) => r === undefined));
  assert.ok(lines.some((l) => /^warn: .*exceed 1000 bytes; the set is dropped/.test(l)));
});

test('a stale set is dropped: its missing piece arriving late does not complete it', () => {
  const clock = { now: 0 };
  const { fragmentation, lines } = reassembler({ maxAgeMs: 15_000 }, clock);
  const message = bigMessage(1200);
  const [first, ...rest] = splitIntoFragments(message, 1, 548);
  for (const f of rest) assert.equal(take(fragmentation, f), undefined);
  clock.now = 15_001;
  assert.equal(take(fragmentation, first as Buffer), undefined);
  assert.ok(lines.some((l) => /dropped an incomplete set of \d+ IKE fragments after 15 s/.test(l)));
  // the gateway's retransmission brings every piece again and completes
  const whole = rest.map((f) => take(fragmentation, f)).find(Boolean);
  assert.ok(whole?.equals(message));
});

test('only so many incomplete sets are held: the oldest goes', () => {
  const { fragmentation } = reassembler({ maxSets: 2 });
  const messages = [bigMessage(1200), bigMessage(1200), bigMessage(1200)];
  const split = messages.map((m, i) => splitIntoFragments(m, i + 1, 548));
  for (const fragments of split) take(fragmentation, fragments[0] as Buffer);
  // the first set was evicted: its remaining pieces alone no longer complete it
  assert.equal(
    split[0]
      ?.slice(1)
      .map((f) => take(fragmentation, f))
      .find(Boolean),
    undefined,
  );
  const last = split[2]
    ?.slice(1)
    .map((f) => take(fragmentation, f))
    .find(Boolean);
  assert.ok(last?.equals(messages[2] as Buffer));
});

test('a fragment contradicting the last one drops the set with a clear line', () => {
  const { fragmentation, lines } = reassembler();
  const message = bigMessage(1200);
  const fragments = splitIntoFragments(message, 9, 548);
  const last = fragments[fragments.length - 1] as Buffer;
  take(fragmentation, last);
  // a fragment numbered beyond the LAST one
  const beyond = splitIntoFragments(bigMessage(3000), 9, 548)[fragments.length] as Buffer;
  const sameCookies = Buffer.concat([last.subarray(0, 16), beyond.subarray(16)]);
  assert.equal(take(fragmentation, sameCookies), undefined);
  assert.ok(lines.some((l) => /^warn: .*contradicts the last fragment's number/.test(l)));
});

test('malformed fragments are dropped with a log line and never throw', () => {
  const { fragmentation, lines } = reassembler();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
      const header = Buffer.from(bigMessage(1).subarray(0, 28));
      header.writeUInt8(PayloadType.Fragment, 16);
      header.writeUInt32BE(28 + junk.length, 24);
      assert.equal(take(fragmentation, Buffer.concat([header, junk])), undefined);
    }),
    { numRuns: 500 },
  );
  assert.ok(fragmentation.refusedFragments > 0);
  assert.ok(lines.some((l) => /^warn: dropped an IKE fragment from the gateway: /.test(l)));
});

test('a set that reassembles to another fragment is refused', () => {
  const { fragmentation, lines } = reassembler();
  const inner = splitIntoFragments(bigMessage(1200), 1, 548)[0] as Buffer;
  const outer = splitIntoFragments(inner, 2, 548);
  assert.equal(outer.map((f) => take(fragmentation, f)).find(Boolean), undefined);
  assert.ok(lines.some((l) => /reassembled to another fragment/.test(l)));
});

test('the messenger fragments a large phase 1 message only once the gateway announced it', () => {
  const { messenger, sent } = recordingMessenger({ initialMs: 20, tries: 2 }, GATEWAY);
  const cookie = randomBytes(8);
  messenger.bindCookie(cookie);
  const message = bigMessage(1500, ExchangeType.IdentityProtection);
  messenger.send(message);
  assert.deepEqual(sent, [message], 'sent whole before the gateway said it reassembles');
  // what a silent gateway is then blamed on names the IP fragments this may have become
  assert.equal(messenger.fragmentation.sentWholeOversize(message, 'ike'), true);
  assert.equal(
    messenger.fragmentation.sentWholeOversize(
      bigMessage(500, ExchangeType.IdentityProtection),
      'ike',
    ),
    false,
  );
  messenger.fragmentation.setPeerReassembles(true);
  assert.equal(messenger.fragmentation.sentWholeOversize(message, 'ike'), false);
  messenger.send(message);
  const fragments = sent.slice(1);
  assert.ok(fragments.length > 1);
  const { fragmentation } = reassembler();
  assert.ok(
    fragments
      .map((f) => take(fragmentation, f))
      .find(Boolean)
      ?.equals(message),
  );
  // a retransmission goes under the same fragment ID; a Quick Mode message is never cut
  messenger.send(message);
  assert.deepEqual(sent.slice(1 + fragments.length), fragments);
  const quickMode = bigMessage(1500, ExchangeType.QuickMode);
  messenger.send(quickMode);
  assert.deepEqual(sent.at(-1), quickMode);
  // a new IKE SA's message 1 goes whole again
  messenger.bindCookie(randomBytes(8));
  messenger.send(message);
  assert.deepEqual(sent.at(-1), message);
});

test('the messenger hands on a message the gateway fragmented, reassembled', async () => {
  const { messenger, deliver } = recordingMessenger({ initialMs: 20, tries: 2 }, GATEWAY);
  const message = bigMessage(1500);
  messenger.bindCookie(decodeHeader(message).header.initiatorCookie);
  const fragments = splitIntoFragments(message, 1, 548).reverse();
  for (const f of fragments) deliver(f);
  deliver(fragments[0] as Buffer);
  const received = await messenger.expect(
    (m) => m.header.exchangeType === ExchangeType.Aggressive,
    (m) => m,
    100,
    'the reassembled message',
  );
  assert.ok(received.bytes.equals(message));
});
