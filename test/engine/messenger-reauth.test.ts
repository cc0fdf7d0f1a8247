// The messenger's part in re-authentication and in answering the gateway's Quick Mode: a new
// IKE SA's cookie discards what was queued for the old one, and an answer that is itself
// retransmitted (Quick Mode message 2) is still what a retransmitted request gets back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ExchangeType } from '../../app/engine/wire/constants.js';
import { decodeHeader, encodeMessage } from '../../app/engine/wire/message.js';
import { recordingMessenger } from './recording-channel.js';

const setup = () => recordingMessenger({ initialMs: 20, tries: 2 });

const message = (initiatorCookie: Buffer, messageId: number) =>
  encodeMessage(
    {
      initiatorCookie,
      responderCookie: randomBytes(8),
      exchangeType: ExchangeType.Transaction,
      flags: 0,
      messageId,
    },
    [],
  );

test('binding a new IKE SA drops what was queued for the old one', async () => {
  const { messenger, deliver } = setup();
  const [oldCookie, newCookie] = [randomBytes(8), randomBytes(8)];
  messenger.bindCookie(oldCookie);
  deliver(message(oldCookie, 1));
  messenger.bindCookie(newCookie);
  await assert.rejects(
    messenger.expect(
      () => true,
      (m) => m,
      50,
      'anything',
    ),
    /did not send anything/,
  );
  deliver(message(newCookie, 2));
  const queued = await messenger.expect(
    () => true,
    (m) => m,
    50,
    'the new SA message',
  );
  assert.equal(queued.header.messageId, 2);
});

test('a remembered answer goes back to a retransmitted request, and only then', () => {
  const { messenger, sent, deliver } = setup();
  const cookie = randomBytes(8);
  messenger.bindCookie(cookie);
  const request = message(cookie, 7);
  const answer = randomBytes(40);
  messenger.remember(decodeHeader(request), answer);
  assert.equal(sent.length, 0, 'remembering sends nothing');
  deliver(request);
  assert.deepEqual(sent, [answer]);
});
