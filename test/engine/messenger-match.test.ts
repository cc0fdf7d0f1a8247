// The messenger matches answers by exchange (RFC 2408 3.1: the message ID names it): a
// request given exchange types takes only a message of those types with its own message ID;
// anything else goes to the dispatcher; a wait for an exchange the gateway starts takes one of
// its own (not phase 1’s, not one of our requests’). News from elsewhere (a refusal the
// gateway sent in an exchange of its own) ends a wait through its signal, with the news as the
// error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { EngineError } from '../../app/engine/api.js';
import { ExchangeType, PayloadType } from '../../app/engine/wire/constants.js';
import { type RawMessage, encodeMessage } from '../../app/engine/wire/message.js';
import { recordingMessenger } from './recording-channel.js';
import { runEngineCase } from './support/engine-case.js';

const initiatorCookie = randomBytes(8);
const responderCookie = randomBytes(8);

const message = (exchangeType: number, messageId: number) =>
  encodeMessage(
    { initiatorCookie, responderCookie, exchangeType, flags: 0, messageId },
    // a different body each time: the messenger ignores repeats of a message it took
    [{ type: PayloadType.VendorId, body: { data: randomBytes(8) } }],
  );

function setup() {
  // a retransmission budget far longer than any test: only a match or the signal ends a wait
  const { messenger, sent, deliver } = recordingMessenger({ initialMs: 60_000, tries: 2 });
  const dispatched: RawMessage[] = [];
  messenger.setDispatcher((m) => {
    dispatched.push(m);
    return true;
  });
  return { messenger, sent, deliver, dispatched };
}

test('an answer is taken only in the request’s own exchange; one with another message ID is dispatched', async () => {
  const { messenger, deliver, dispatched } = setup();
  const answering = messenger.request(
    message(ExchangeType.QuickMode, 41),
    [ExchangeType.QuickMode, ExchangeType.Informational],
    (m) => m.header.messageId,
    'Quick Mode message 1',
  );
  deliver(message(ExchangeType.QuickMode, 42));
  deliver(message(ExchangeType.Informational, 43));
  deliver(message(ExchangeType.Transaction, 41));
  deliver(message(ExchangeType.Informational, 41));
  assert.equal(await answering, 41);
  assert.deepEqual(
    dispatched.map((m) => [m.header.exchangeType, m.header.messageId]),
    [
      [ExchangeType.QuickMode, 42],
      [ExchangeType.Informational, 43],
      [ExchangeType.Transaction, 41],
    ],
    'other exchanges, and another exchange type with our ID, are not the answer',
  );
});

test('an aborted signal ends the wait with its reason, and nothing is sent again', async () => {
  const { messenger, sent } = setup();
  const abort = new AbortController();
  const refusal = new EngineError(
    'phase2-rejected',
    'the gateway accepts none of our ESP proposals',
  );
  const answering = messenger.request(
    message(ExchangeType.QuickMode, 7),
    [ExchangeType.QuickMode],
    () => 'answer',
    'Quick Mode message 1',
    { signal: abort.signal },
  );
  assert.equal(sent.length, 1, 'message 1 went out');
  abort.abort(refusal);
  await assert.rejects(answering, (error) => error === refusal);
  assert.equal(sent.length, 1, 'no retransmission after the news');
});

test('a signal aborted before the request leaves ends it at once', async () => {
  const { messenger } = setup();
  const abort = new AbortController();
  const refusal = new EngineError('phase2-rejected', 'refused');
  abort.abort(refusal);
  await assert.rejects(
    messenger.request(message(ExchangeType.QuickMode, 9), [ExchangeType.QuickMode], () => 1, 'x', {
      signal: abort.signal,
    }),
    (error) => error === refusal,
  );
});

test('aggressive mode takes message 2 only in phase 1’s exchange (message ID 0)', async () => {
  let altered = 0;
  const outOfExchange = (packet: Buffer) => {
    altered++;
    const copy = Buffer.from(packet);
    copy.writeUInt32BE(0x5eed, 20); // the header's message ID (RFC 2408 3.1)
    return copy;
  };
  // the gateway answers message 1 with message 2 under message ID 0x5eed once; its answer to
  // our retransmission is the real one
  const { outcome, events } = await runEngineCase({
    ikeProposal: 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    responder: {
      tamper: (step, packet) =>
        step === 'am2' && altered === 0 ? [{ packet: outOfExchange(packet) }] : [{ packet }],
    },
  });
  assert.equal(altered, 1);
  assert.equal(outcome, 'connected');
  const retransmitted = events.filter(
    (e) => e.type === 'log' && /retransmitting aggressive mode message 1/.test(e.message),
  );
  assert.ok(retransmitted.length > 0, 'the message 2 outside the exchange was no answer');
});

test('a message the gateway starts is taken in an exchange of its own: not phase 1’s, not one of our requests’', async () => {
  const { messenger, deliver, dispatched } = setup();
  const replying = messenger.request(
    message(ExchangeType.Transaction, 5),
    [ExchangeType.Transaction],
    (m) => m.header.messageId,
    'a Mode Config request',
  );
  const expecting = messenger.expect(
    [ExchangeType.Transaction],
    (m) => m.header.messageId,
    60_000,
    'an XAuth request',
  );
  deliver(message(ExchangeType.Transaction, 0));
  deliver(message(ExchangeType.Informational, 6));
  deliver(message(ExchangeType.Transaction, 5));
  assert.equal(await replying, 5, 'our own exchange goes to our request');
  deliver(message(ExchangeType.Transaction, 6));
  assert.equal(await expecting, 6);
  assert.deepEqual(
    dispatched.map((m) => [m.header.exchangeType, m.header.messageId]),
    [
      [ExchangeType.Transaction, 0],
      [ExchangeType.Informational, 6],
    ],
    'phase 1’s message ID and another exchange type are not the gateway’s transaction',
  );
});

test('a request open to the gateway’s exchanges takes its pushed message in place of the answer', async () => {
  const { messenger, deliver, dispatched } = setup();
  const pulling = messenger.request(
    message(ExchangeType.Transaction, 11),
    [ExchangeType.Transaction],
    (m) => m.header.messageId,
    'the Mode Config request',
    { gatewayExchanges: [ExchangeType.Transaction] },
  );
  deliver(message(ExchangeType.QuickMode, 12));
  deliver(message(ExchangeType.Transaction, 13));
  assert.equal(await pulling, 13);
  assert.deepEqual(
    dispatched.map((m) => [m.header.exchangeType, m.header.messageId]),
    [[ExchangeType.QuickMode, 12]],
  );
});
