// The informational exchanges the gateway starts (RFC 2409 5.7), against the in-memory gateway:
// what a DELETE or an error notification means depends on the exchange of ours under way,
// which the connection's task manager names (XAuth, Mode Config, nothing once connected).
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
} from '../../app/engine/wire/constants.js';
import type { OutgoingPayload } from '../../app/engine/wire/payloads.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { isakmpNotification } from './support/notification.js';
import { type AfterConnectPhase, runEngineCase } from './support/engine-case.js';
import type { ResponderStep, ResponderTools } from './support/fake-responder.js';

/** RFC 2408 3.15: the DELETE of the IKE SA, named by both cookies. */
const deleteIkeSa = (tools: ResponderTools): OutgoingPayload => ({
  type: PayloadType.Delete,
  body: {
    doi: DOI_IPSEC,
    protocolId: ProtocolId.Isakmp,
    spis: [Buffer.concat([tools.initiatorCookie, tools.responderCookie])],
  },
});

/** A connection whose gateway sends `payloads` in an informational exchange of its own instead
 * of its message at `step`. */
function informationalInsteadOf(
  step: ResponderStep,
  payloads: (tools: ResponderTools) => OutgoingPayload[],
  phases: AfterConnectPhase[] = [],
) {
  return runEngineCase({
    ikeProposal: 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    phases,
    responder: {
      tamper: (at, message, tools) => {
        if (at !== step || !tools.seal) return [{ packet: message }];
        const id = randomInt(1, 0xffffffff);
        return [{ packet: tools.seal(ExchangeType.Informational, id, payloads(tools)) }];
      },
    },
  });
}

const errorsOf = (events: EngineEvent[]) => events.filter((e) => e.type === 'error');

test('a DELETE of the IKE SA during XAuth: xauth-rejected (how some gateways say wrong password)', async () => {
  const { outcome, violations } = await informationalInsteadOf('xauth-request', (tools) => [
    deleteIkeSa(tools),
  ]);
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'xauth-rejected');
});

test('a DELETE of the IKE SA during Mode Config: deleted-by-peer, not blamed on the password', async () => {
  const { outcome, violations } = await informationalInsteadOf('modecfg-reply', (tools) => [
    deleteIkeSa(tools),
  ]);
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'deleted-by-peer');
});

test('an error notification during Mode Config is named after phase 1, not as a phase 2 refusal', async () => {
  const { outcome, events } = await informationalInsteadOf('modecfg-reply', () => [
    isakmpNotification(NotifyType.AuthenticationFailed),
  ]);
  assert.equal(outcome, 'group-psk-rejected');
  const [error] = errorsOf(events);
  assert.ok(error?.type === 'error');
  assert.equal(error.failedAt, 'modecfg');
  assert.equal(error.authenticated, true);
});

test('an error notification while connected with nothing under way: a warning, the tunnel stays', async () => {
  const { outcome, violations, events } = await informationalInsteadOf(
    'gateway-delete',
    () => [isakmpNotification(NotifyType.PayloadMalformed)],
    ['gateway-delete'],
  );
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  assert.deepEqual(errorsOf(events), []);
  const warnings = events.filter(
    (e) => e.type === 'log' && e.level === 'warn' && /PAYLOAD-MALFORMED/.test(e.message),
  );
  assert.equal(warnings.length, 1);
});

test('a DELETE of the IKE SA while connected: deleted-by-peer, and no DELETE sent back for it', async () => {
  const { outcome, violations, gateway } = await informationalInsteadOf(
    'gateway-delete',
    (tools) => [deleteIkeSa(tools)],
    ['gateway-delete'],
  );
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'deleted-by-peer');
  assert.equal(gateway.responder?.ikeSaDeleted, false, 'the gateway already dropped it');
});
