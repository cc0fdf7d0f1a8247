// The engine after 'connected', against the in-memory gateway with no tampering: an ESP rekey
// the gateway starts (we answer its Quick Mode), one the engine starts, the gateway's DELETE of
// an ESP SA, and a phase 1 re-authentication. Each time the new pair the engine installs
// mirrors the gateway's KEYMAT (RFC 2409 5.5) and the SAs it replaces go away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REKEY_GRACE_MS } from '../../app/engine/rekey-timing.js';
import type { EspSaPair } from '../../app/shared/esp-sa.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { type AfterConnectPhase, runEngineCase } from './support/engine-case.js';
import type { FakeResponder, ResponderEspSa, ResponderOptions } from './support/fake-responder.js';

/** What a connection through `phases` left: the engine's SAs as the data plane saw them, and
 * the gateway. */
interface AfterConnect {
  events: EngineEvent[];
  installed: EspSaPair[];
  removed: string[];
  responder: FakeResponder;
}

/** The gateway's first IKE SA lasts 2 s: the engine re-authenticates after 1 s. */
const SHORT_IKE_SA = { firstIkeLifetimeSeconds: 2 };

async function connectThrough(
  phases: AfterConnectPhase[],
  options: { responder?: Partial<ResponderOptions>; holdMs?: number } = {},
): Promise<AfterConnect> {
  const { outcome, violations, events, gateway } = await runEngineCase({
    ikeProposal: 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    responder: options.responder,
    phases,
    holdMs: options.holdMs,
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  const { responder, channel } = gateway;
  assert.ok(responder && channel);
  assert.deepEqual(responder.problems, [], 'the gateway saw a correct engine');
  return { events, installed: channel.installed, removed: channel.removed, responder };
}

/** The engine's pair is the gateway's seen from the other end. */
function assertMirror(pair: EspSaPair | undefined, mirror: ResponderEspSa | undefined): void {
  assert.ok(pair && mirror);
  assert.equal(pair.encryption, mirror.encryption);
  assert.equal(pair.integrity, mirror.integrity);
  assert.deepEqual(pair.outbound, mirror.inbound, 'what we send is what the gateway receives');
  assert.deepEqual(pair.inbound, mirror.outbound, 'what the gateway sends is what we receive');
}

const statesOf = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'state' ? [e.state] : []));

for (const pfs of [false, true]) {
  test(`the gateway rekeys${pfs ? ' with PFS' : ''}: we answer, install its new pair, drop the old on its DELETE`, async () => {
    const { installed, removed, responder } = await connectThrough(
      ['gateway-rekey', 'gateway-delete'],
      { responder: { pfs } },
    );
    assert.equal(installed.length, 2);
    assert.equal(responder.espSas.length, 2);
    assertMirror(installed[1], responder.espSas[1]);
    assert.notDeepEqual(installed[1]?.inbound, installed[0]?.inbound);
    assert.deepEqual(removed, [installed[0]?.id], 'the old pair went first');
  });
}

test('the gateway deletes the only ESP SA: it goes, and the engine negotiates another', async () => {
  const { installed, removed, responder } = await connectThrough(['gateway-delete']);
  assert.equal(installed.length, 2);
  assertMirror(installed[1], responder.espSas[1]);
  assert.deepEqual(removed, [installed[0]?.id]);
});

test('the data plane says the ESP SA expired: it goes at once with a DELETE, the engine negotiates another and says why', async () => {
  const { installed, removed, responder, events } = await connectThrough(['client-expiry']);
  const [expired, replacement] = installed;
  assert.ok(expired && replacement);
  assert.equal(installed.length, 2);
  assertMirror(replacement, responder.espSas[1]);
  assert.equal(removed[0], expired.id, 'removed before the connection ended');
  assert.deepEqual(responder.deletedEspSpis.slice(0, 1), [expired.inbound.spi]);
  const why = events.find(
    (e) => e.type === 'log' && e.phase === 'phase2' && /expired in the data plane/.test(e.message),
  );
  assert.match(
    why?.type === 'log' ? why.message : '',
    /\(sequence-space-exhausted\): deleting it and negotiating a new one/,
  );
  assert.deepEqual(statesOf(events).slice(-4), [
    'rekeying',
    'connected',
    'disconnecting',
    'disconnected',
  ]);
});

// One connection for both renewals the engine starts, to wait out the grace period once.
test('the engine rekeys, then re-authenticates: each new pair mirrors the gateway, the old SAs are deleted after the grace period', async () => {
  const { installed, removed, responder, events } = await connectThrough(
    ['client-rekey', 'reauthenticate'],
    { responder: SHORT_IKE_SA, holdMs: REKEY_GRACE_MS + 300 },
  );
  const [first, rekeyed, reauthenticated] = installed;
  assert.ok(first && rekeyed && reauthenticated);
  assert.equal(installed.length, 3);
  assertMirror(rekeyed, responder.espSas[1]);
  assertMirror(reauthenticated, responder.espSas[2]);
  assert.equal(responder.ikeSaCount, 2, 'a second aggressive mode');
  assert.deepEqual(removed.slice(0, 2).sort(), [first.id, rekeyed.id].sort());
  assert.deepEqual(
    responder.deletedEspSpis.slice(0, 2).sort(),
    [first.inbound.spi, rekeyed.inbound.spi].sort(),
    'DELETEs for the replaced pairs',
  );
  assert.equal(responder.previousIkeSaDeleted, true, 'DELETE for the old IKE SA');
  assert.deepEqual(statesOf(events).slice(-6), [
    'rekeying',
    'connected',
    'rekeying',
    'connected',
    'disconnecting',
    'disconnected',
  ]);
});

// Bugs found here, kept as fixed cases (each failed before its fix).

// The flaky 'the gateway rekeys' case above (about 1 run in 15, first test of a cold process):
// the gateway's retransmission of its XAuth request crossed the engine's slow first answer, the
// engine rightly answered it again from its answer cache, and the fake gateway decrypted that
// repeat on an IV chain its first copy had already moved (DecodeError "payload chain: needs
// N more bytes"). Not a shared IV chain: each message ID has its own on both ends. Now a
// repeat of a message the gateway took is ignored, as strongSwan does; here every gateway
// message is repeated after the engine answered, so each exchange meets the crossing.
test('every gateway message repeated after our answer: we answer again, the gateway takes the repeat as a retransmission', async () => {
  const { installed, responder, events } = await connectThrough(
    ['gateway-rekey', 'gateway-delete', 'client-rekey'],
    {
      responder: {
        tamper: (_step, message) => [{ packet: message }, { packet: message, afterTurns: 3 }],
      },
    },
  );
  assert.equal(installed.length, 3);
  assert.equal(responder.espSas.length, 3);
  assertMirror(installed[2], responder.espSas[2]);
  const repeats = events.filter(
    (e) => e.type === 'log' && /sending our answer again/.test(e.message),
  );
  assert.ok(repeats.length >= 3, 'the engine answered repeated requests from its cache');
});

test('a disconnect during a grace period leaves nothing to fire later', async () => {
  // the timers that retire a replaced ESP SA (child-sas.ts) and, after a re-authentication, the
  // old IKE SA (connection.ts) outlived the connection: REKEY_GRACE_MS after 'disconnected'
  // they removed SAs from the closed data plane and emitted 'deleted' events
  const { installed, removed, events, responder } = await connectThrough(
    ['client-rekey', 'reauthenticate'],
    { responder: SHORT_IKE_SA },
  );
  assert.equal(installed.length, 3);
  assert.equal(responder.ikeSaCount, 2);
  const [eventCount, removedCount] = [events.length, removed.length];
  await new Promise((resolve) => setTimeout(resolve, REKEY_GRACE_MS + 300));
  assert.deepEqual(events.slice(eventCount), [], 'no event after the connection ended');
  assert.equal(removed.length, removedCount);
});

for (const phase of ['client-rekey', 'client-expiry', 'gateway-rekey'] as const) {
  test(`a disconnect while a ${phase} installs its SA ends for good`, async () => {
    // disconnect() did not abort the connection's work: the rekey went on installing the new
    // SA after the channel closed, left its rekey timer running and (ours) set 'connected'
    // after 'disconnected'
    for (let turns = 0; turns < 8; turns++) {
      const { outcome, violations } = await runEngineCase({
        ikeProposal: 'aes128-sha1-ecp256',
        espProposal: 'aes128-sha1',
        responder: { dataPlaneTurns: 3 },
        phases: [phase],
        disconnectAfterTurns: turns,
      });
      assert.deepEqual(violations, [], `disconnect ${turns} turns into the rekey`);
      assert.equal(outcome, 'connected');
    }
  });
}
