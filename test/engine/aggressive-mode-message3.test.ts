// Aggressive mode message 3: INITIAL-CONTACT on a first connect only. On re-authentication it
// would make the gateway drop the SAs that carry the tunnel until the new ones are up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { message3Payloads } from '../../app/engine/exchanges/aggressive-mode.js';
import { NotifyType, PayloadType } from '../../app/engine/wire/constants.js';

const hashProof = (hashI: Buffer) => [{ type: PayloadType.Hash, body: { data: hashI } } as const];

const notifications = (initialContact: boolean) =>
  message3Payloads(hashProof(randomBytes(32)), randomBytes(8), randomBytes(8), [], initialContact)
    .filter((p) => p.type === PayloadType.Notification)
    .map((p) => (p.type === PayloadType.Notification ? p.body.notifyType : undefined));

test('a first connect sends INITIAL-CONTACT, a re-authentication does not', () => {
  assert.deepEqual(notifications(true), [NotifyType.InitialContact]);
  assert.deepEqual(notifications(false), []);
});

test('message 3 starts with HASH_I either way', () => {
  const hashI = randomBytes(32);
  for (const initialContact of [true, false]) {
    const [first] = message3Payloads(
      hashProof(hashI),
      randomBytes(8),
      randomBytes(8),
      [],
      initialContact,
    );
    assert.equal(first?.type, PayloadType.Hash);
    assert.ok(first?.type === PayloadType.Hash && first.body.data.equals(hashI));
  }
});
