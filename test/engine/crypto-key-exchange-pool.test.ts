// Key pairs made ahead (app/engine/crypto/key-exchange-pool.ts): each is handed out once, and
// one made ahead agrees with its peer like one made on the spot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  CryptoError,
  createKeyExchange,
  prepareKeyExchange,
  takeKeyExchange,
} from '../../app/engine/crypto/index.js';

test('a key pair is never handed out twice, whether made ahead, refilled or made on the spot', async () => {
  prepareKeyExchange(19);
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const taken = [takeKeyExchange(19), takeKeyExchange(19)];
    for (const exchange of taken) seen.add(exchange.publicValue.toString('hex'));
    // every other round the refill gets its turn
    if (i % 2 === 0) await nextTurn();
  }
  assert.equal(seen.size, 24);
});

test('a pair made ahead agrees with its peer on the shared secret', async () => {
  prepareKeyExchange(5);
  const ours = takeKeyExchange(5);
  const peer = createKeyExchange(5);
  assert.equal(ours.group, 5);
  assert.deepEqual(ours.computeShared(peer.publicValue), peer.computeShared(ours.publicValue));
  await nextTurn();
  const next = takeKeyExchange(5);
  assert.notDeepEqual(next.publicValue, ours.publicValue);
  assert.deepEqual(next.computeShared(peer.publicValue), peer.computeShared(next.publicValue));
});

test('an unsupported group fails when prepared, as when taken', () => {
  const unsupported = (error: unknown) =>
    error instanceof CryptoError && error.code === 'unsupported-group';
  assert.throws(() => prepareKeyExchange(1), unsupported);
  assert.throws(() => takeKeyExchange(1), unsupported);
});
