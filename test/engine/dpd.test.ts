// Dead Peer Detection (RFC 3706) on its own, on a mocked clock: probes only after the idle
// delay, a fresh sequence number per probe, an ACK or inbound traffic ends the worry, and a
// gateway that never answers is declared dead after the profile's retries, at the time
// dpdGiveUpSeconds promises. The gateway's R-U-THERE gets an ACK with its sequence number.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { DeadPeerDetector, dpdRetryMs } from '../../app/engine/exchanges/dpd.js';
import {
  dpdNotification,
  openInformational,
  sealInformational,
} from '../../app/engine/exchanges/informational.js';
import type { IkeSa } from '../../app/engine/ike-sa.js';
import { Logger } from '../../app/engine/logger.js';
import type { Messenger } from '../../app/engine/messenger.js';
import { NotifyType } from '../../app/engine/wire/constants.js';
import { decodeHeader } from '../../app/engine/wire/message.js';
import { dpdGiveUpSeconds } from '../../app/shared/profile.js';

/** An IKE SA whose "encryption" is the identity: the HASH(1) is real, the payloads readable. */
const sa: IkeSa = {
  initiatorCookie: Buffer.alloc(8, 1),
  responderCookie: Buffer.alloc(8, 2),
  skeyidD: Buffer.alloc(20, 3),
  skeyidA: Buffer.alloc(20, 4),
  prf: (key, data) => createHmac('sha1', key).update(data).digest(),
  encrypt: (_id, plaintext) => plaintext,
  decrypt: (_id, ciphertext) => ({ plaintext: ciphertext, commit: () => undefined }),
};

/** The notification one of our informational messages carries. */
function notificationIn(bytes: Buffer) {
  const [notification] = openInformational(sa, decodeHeader(bytes)).notifications;
  assert.ok(notification);
  return { type: notification.notifyType, sequence: notification.data.readUInt32BE(0) };
}

function detector(options: { delaySeconds: number; retries: number }) {
  const sent: Buffer[] = [];
  const answered: Buffer[] = [];
  const dead: string[] = [];
  let lastInboundAt = Date.now();
  let messageId = 1;
  const messenger = {
    send: (bytes: Buffer) => sent.push(bytes),
    answer: (_request: unknown, bytes: Buffer) => answered.push(bytes),
  } as unknown as Messenger;
  const dpd = new DeadPeerDetector(options, {
    sa,
    messenger,
    log: new Logger(() => undefined, 'debug'),
    lastInboundAt: () => lastInboundAt,
    newMessageId: () => messageId++,
    onDead: (message) => dead.push(message),
  });
  return {
    dpd,
    sent,
    answered,
    dead,
    probes: () => sent.map(notificationIn),
    inbound: () => (lastInboundAt = Date.now()),
  };
}

/** Mocks the clock of test `t`; the returned function moves it on in the detector's
 * one-second checks. */
function mockClock(t: TestContext): (seconds: number) => void {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
  return (seconds) => {
    for (let s = 0; s < seconds; s++) t.mock.timers.tick(1000);
  };
}

test('no probe while the gateway was heard within the delay; one after it, then a new sequence each retry', (t) => {
  const advanceSeconds = mockClock(t);
  const { dpd, probes, inbound } = detector({ delaySeconds: 10, retries: 4 });
  dpd.start();
  advanceSeconds(9);
  inbound();
  advanceSeconds(9);
  assert.equal(probes().length, 0, 'traffic 9 s ago: no probe yet');
  advanceSeconds(2);
  assert.equal(probes().length, 1);
  advanceSeconds(dpdRetryMs(10) / 1000);
  const [first, second] = probes();
  assert.ok(first && second);
  assert.equal(first.type, NotifyType.DpdRUThere);
  assert.equal(second.sequence, (first.sequence + 1) >>> 0, 'RFC 3706 7: each probe its own');
  assert.ok(first.sequence < 0x80000000, 'the first sequence number has its high bit clear');
  dpd.stop();
});

test('an ACK for a probe we sent ends the probing; one for another sequence does not', (t) => {
  const advanceSeconds = mockClock(t);
  const { dpd, probes } = detector({ delaySeconds: 10, retries: 4 });
  dpd.start();
  advanceSeconds(11);
  const [probe] = probes();
  assert.ok(probe);
  assert.equal(dpd.acknowledge((probe.sequence + 7) >>> 0), false, 'not a sequence we sent');
  assert.equal(dpd.acknowledge(probe.sequence), true);
  advanceSeconds(9);
  assert.equal(probes().length, 1, 'quiet again until the next idle delay');
  dpd.stop();
});

test('a silent gateway is declared dead after the retries, when dpdGiveUpSeconds says', (t) => {
  const advanceSeconds = mockClock(t);
  const options = { delaySeconds: 10, retries: 4 };
  const { dpd, dead, probes } = detector(options);
  dpd.start();
  const giveUp = dpdGiveUpSeconds(options.delaySeconds, options.retries);
  advanceSeconds(giveUp - 1);
  assert.deepEqual(dead, [], 'still probing a second before the budget ends');
  advanceSeconds(1);
  assert.equal(dead.length, 1, 'dead at the budget, to the second');
  assert.match(dead[0] ?? '', /no answer to 4 dead peer detection requests/);
  assert.equal(probes().length, options.retries);
});

test('inbound traffic after a probe counts as an answer (the ACK may be lost)', (t) => {
  const advanceSeconds = mockClock(t);
  const { dpd, dead, probes, inbound } = detector({ delaySeconds: 10, retries: 2 });
  dpd.start();
  advanceSeconds(11);
  assert.equal(probes().length, 1);
  inbound();
  // past the retry interval, short of a new idle delay since the traffic
  advanceSeconds(dpdRetryMs(10) / 1000 + 1);
  assert.equal(probes().length, 1, 'no retry: the gateway lives');
  assert.deepEqual(dead, []);
  dpd.stop();
});

test("the gateway's R-U-THERE gets an R-U-THERE-ACK with its sequence number, through the answer cache", () => {
  const { dpd, answered, sent } = detector({ delaySeconds: 10, retries: 4 });
  const request = decodeHeader(
    sealInformational(sa, 77, dpdNotification(sa, NotifyType.DpdRUThere, 0x1234)),
  );
  dpd.answer(request, 0x1234);
  assert.equal(sent.length, 0, 'sent as an answer, so a retransmitted request gets it again');
  assert.equal(answered.length, 1);
  assert.deepEqual(notificationIn(answered[0] as Buffer), {
    type: NotifyType.DpdRUThereAck,
    sequence: 0x1234,
  });
});
