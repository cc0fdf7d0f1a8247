// The warnings a network engineer would give, from what the engine negotiated with the fake
// gateway: aggressive mode with a group key always; weak algorithms and PFS off when they are
// what was agreed; each once per connection, rekeys included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WarningEvent } from '../../app/shared/events.js';
import { runEngineCase } from './support/engine-case.js';

function warningsOf(events: { type: string }[]): WarningEvent[] {
  return events.filter((e): e is WarningEvent => e.type === 'warning');
}

test('modern transforms with PFS: only the group-key warning, once, in plain words', async () => {
  const { outcome, violations, events } = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: { pfs: true },
    phases: ['gateway-rekey', 'client-rekey'],
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  const warnings = warningsOf(events);
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['aggressive-mode-group-psk'],
  );
  const [groupKey] = warnings;
  assert.match(groupKey?.message ?? '', /group name "fuzz-group" travels in clear/);
  assert.match(groupKey?.message ?? '', /guess the key offline/);
  assert.match(groupKey?.message ?? '', /XAuth username and password are what protect you/);
  // before the SA details it describes are complete: right after the IKE SA
  const ikeAt = events.findIndex((e) => e.type === 'sa');
  assert.equal(events.indexOf(groupKey as WarningEvent), ikeAt + 1);
});

test('3DES, MD5, MODP-1024 and no PFS: each weakness named, PFS off said once', async () => {
  const { outcome, violations, events } = await runEngineCase({
    ikeProposal: '3des-md5-modp1024',
    espProposal: '3des-md5',
    responder: { pfs: false },
    phases: ['gateway-rekey'],
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  const warnings = warningsOf(events);
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['aggressive-mode-group-psk', 'weak-algorithm', 'weak-algorithm', 'pfs-off'],
  );
  assert.match(
    warnings[1]?.message ?? '',
    /IKE SA uses 3DES encryption, MD5 hash, DH group 2 \(MODP 1024\) \(3des-md5-modp1024\)/,
  );
  assert.match(warnings[2]?.message ?? '', /IPsec SA uses 3DES encryption, HMAC-MD5 integrity/);
  assert.match(warnings[3]?.message ?? '', /forward secrecy is off/);
});

test('main mode with a group key: the shared-key warning, not the aggressive mode one', async () => {
  const { outcome, events } = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: { pfs: true },
    profile: { exchange: 'main' },
  });
  assert.equal(outcome, 'connected');
  const warnings = warningsOf(events);
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['group-psk-shared'],
  );
  assert.match(
    warnings[0]?.message ?? '',
    /everyone who holds the group key can pose as this gateway/,
  );
});
