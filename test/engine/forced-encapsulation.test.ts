// Forced UDP encapsulation in memory (the interop twin, on a lab path without NAT, is
// test/interop/forced-encapsulation.test.ts). The gateway double hashes addresses truthfully,
// so there is no NAT between it and the engine: with `natTraversal: force` our second NAT-D of
// message 3 must not match where the packet came from (RFC 3947 3.2 lets the sender do so), and
// the gateway takes us to be behind a NAT; with `auto` it matches, and since this client carries
// ESP only inside UDP there is no tunnel to build: the connect fails naming why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEngineCase } from './support/engine-case.js';

const PROPOSALS = { ikeProposal: 'aes256-sha256-modp2048', espProposal: 'aes256gcm16' };

test('natTraversal force without a NAT: our NAT-D cannot match, the gateway sees a NAT', async () => {
  const { outcome, violations, events, gateway } = await runEngineCase({
    ...PROPOSALS,
    profile: { natTraversal: 'force' },
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  assert.deepEqual(gateway.responder?.problems, []);
  assert.equal(gateway.responder?.initiatorBehindNat, true);
  const ike = events.find((e) => e.type === 'sa' && e.kind === 'ike');
  assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
  assert.deepEqual(
    { forced: ike.natT.forced, local: ike.natT.localBehindNat, peer: ike.natT.peerBehindNat },
    { forced: true, local: false, peer: false },
  );
});

test('natTraversal auto without a NAT: no tunnel this client can carry, and the error says so', async () => {
  const { outcome, violations, events } = await runEngineCase({
    ...PROPOSALS,
    profile: { natTraversal: 'auto' },
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'config-invalid');
  const error = events.find((e) => e.type === 'error');
  assert.ok(error?.type === 'error');
  assert.match(error.message, /no NAT between us and the gateway.*set NAT traversal to "force"/);
});

test('a re-authentication that starts on the NAT-T leg still finds no NAT (NAT-D of the ports it used)', async () => {
  const { outcome, violations, events, gateway } = await runEngineCase({
    ...PROPOSALS,
    responder: { firstIkeLifetimeSeconds: 2 },
    phases: ['reauthenticate'],
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  assert.deepEqual(gateway.responder?.problems, []);
  assert.equal(gateway.responder?.ikeSaCount, 2);
  const nat = events.flatMap((e) =>
    e.type === 'sa' && e.kind === 'ike'
      ? [{ local: e.natT.localBehindNat, peer: e.natT.peerBehindNat }]
      : [],
  );
  assert.ok(nat.length >= 2, 'an IKE SA event for each IKE SA');
  for (const seen of nat) assert.deepEqual(seen, { local: false, peer: false });
});
