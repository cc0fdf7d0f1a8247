// Main mode (RFC 2409 5, identity protected) against the in-memory gateway: six messages, the
// identity and HASH_I encrypted with the phase 1 IV, NAT-D in messages 3 and 4 and the float to
// 4500 before message 5 (RFC 3947 3, 4), then XAuth, Mode Config and Quick Mode on the IKE SA
// main mode made. Only message 6, once its HASH_R verifies, proves the gateway knows the key:
// anything else that goes wrong ends the connection marked unauthenticated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DOI_IPSEC,
  ExchangeType,
  HeaderFlag,
  IdType,
  NotifyType,
  PayloadType,
  ProtocolId,
} from '../../app/engine/wire/constants.js';
import { decodeHeader, encodeMessage } from '../../app/engine/wire/message.js';
import { connectionStates } from '../../app/shared/events.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { type EngineCaseOptions, runEngineCase } from './support/engine-case.js';
import type { ResponderTools } from './support/fake-responder.js';
import { inject } from './support/inject.js';

const main = (options: Partial<EngineCaseOptions> = {}) =>
  runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    ...options,
    profile: { exchange: 'main', ...options.profile },
  });

/** Message 6 sealed with the gateway's keys and IV, but with a HASH_R that is not the right one. */
const wrongHashR = (_message: Buffer, tools: ResponderTools) => [
  tools.reseal(
    tools.payloads.map((p) =>
      p.type === PayloadType.Hash
        ? { type: PayloadType.Hash, body: { data: Buffer.alloc(p.body.data.length, 0x5a) } }
        : p,
    ),
  ),
];

const errorOf = (events: EngineEvent[]) => events.find((e) => e.type === 'error');
const drops = (events: EngineEvent[]) =>
  events.filter((e) => e.type === 'log' && e.message.includes('did not authenticate'));

for (const ikeProposals of [
  ['aes256-sha256-modp2048'],
  ['aes128-sha1-modp1024', 'aes256-sha256-ecp256'],
  ['3des-md5-modp1024'],
]) {
  test(`main mode with ${ikeProposals.join(', ')}: six messages, then XAuth, Mode Config, Quick Mode`, async () => {
    const { outcome, violations, events, gateway } = await main({
      ikeProposal: ikeProposals[0] as string,
      ikeProposals,
      profile: { legacy: ikeProposals.some((p) => /3des|md5|sha1-|modp1024/.test(p)) },
    });
    assert.deepEqual(violations, []);
    assert.equal(outcome, 'connected');
    const { responder, channel } = gateway;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, [], 'the gateway saw a correct main mode initiator');
    assert.equal(responder.xauthAccepted, true);
    assert.deepEqual(responder.mainModeId, {
      idType: IdType.KeyId,
      protocolId: 0,
      port: 0,
      data: Buffer.from('fuzz-group'),
    });

    // every group in one offer (the key exchange follows the choice), sent once; a
    // retransmission (same bytes, when a loaded machine delays the double's answer) is not a
    // second offer
    const distinct = [...new Map(channel.sent.map((s) => [s.packet.toString('hex'), s])).values()];
    const phase1 = distinct.flatMap(({ packet, leg }) => {
      const { header } = decodeHeader(packet);
      return header.exchangeType === ExchangeType.IdentityProtection
        ? [{ leg, encrypted: (header.flags & HeaderFlag.Encryption) !== 0 }]
        : [];
    });
    assert.deepEqual(phase1, [
      { leg: 'ike', encrypted: false },
      { leg: 'ike', encrypted: false },
      { leg: 'natt', encrypted: true },
    ]);
    const states = events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
    const handshake = connectionStates.slice(
      connectionStates.indexOf('am1-sent'),
      connectionStates.indexOf('connected') + 1,
    );
    assert.deepEqual(states, [...handshake, 'disconnecting', 'disconnected']);
    const [pair] = channel.installed;
    const [mirror] = responder.espSas;
    assert.ok(pair && mirror);
    assert.deepEqual(pair.outbound, mirror.inbound, 'the ESP keys come from the same SKEYID_d');
    assert.equal(responder.ikeSaDeleted, true, 'the DELETE went through the main mode IKE SA');
  });
}

test('main mode re-authenticates in main mode before the IKE SA expires', async () => {
  const { outcome, violations, gateway } = await main({
    responder: { firstIkeLifetimeSeconds: 2 },
    phases: ['reauthenticate'],
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'connected');
  assert.equal(gateway.responder?.ikeSaCount, 2);
  assert.equal(gateway.responder?.previousIkeSaDeleted, true);
  assert.deepEqual(gateway.responder?.problems, []);
});

test('wrong group PSK: the gateway cannot read message 5 and stays silent; group-psk-rejected, unauthenticated', async () => {
  const { outcome, violations, events, gateway } = await main({
    responder: { psk: 'another-group-key' },
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'group-psk-rejected');
  const error = errorOf(events);
  assert.ok(error?.type === 'error');
  assert.equal(error.authenticated, false, 'silence proves nothing');
  assert.match(error.message, /pre-shared key is probably wrong/);
  assert.ok(gateway.responder?.problems.length, 'the gateway could not read message 5');
  assert.equal(gateway.channel?.installed.length, 0);
});

test('a message 6 whose HASH_R does not verify is never taken: the real one connects', async () => {
  const { outcome, events } = await main({ responder: { tamper: inject('mm6', wrongHashR) } });
  assert.equal(outcome, 'connected');
  assert.equal(drops(events).length, 1);
});

test('a message 6 failing HASH_R in place of the real one: dropped, message 5 sent again, the repeat connects', async () => {
  const { outcome, events, gateway } = await main({
    responder: { tamper: inject('mm6', wrongHashR, true) },
  });
  assert.equal(outcome, 'connected');
  // (the gateway's XAuth request, sealed after the real message 6, may be dropped too when it
  // comes before the repeat of message 6 and is retransmitted)
  const [first] = drops(events);
  assert.ok(first?.type === 'log' && /HASH_R mismatch/.test(first.message));
  const message5s = (gateway.channel?.sent ?? [])
    .filter(({ packet }) => decodeHeader(packet).header.flags & HeaderFlag.Encryption)
    .filter(
      ({ packet }) => decodeHeader(packet).header.exchangeType === ExchangeType.IdentityProtection,
    );
  assert.equal(message5s.length, 2, 'message 5 retransmitted once');
});

test('a damaged message 4 (a key exchange value outside the group) is dropped; the real one goes on', async () => {
  const { outcome, events } = await main({
    responder: {
      tamper: inject('mm4', (_message, tools) => [
        tools.reseal(
          tools.payloads.map((p) =>
            p.type === PayloadType.KeyExchange
              ? { type: PayloadType.KeyExchange, body: { data: Buffer.alloc(3) } }
              : p,
          ),
        ),
      ]),
    },
  });
  assert.equal(outcome, 'connected');
  assert.equal(drops(events).length, 1);
});

test('a forged cleartext AUTHENTICATION-FAILED for our identity does not end main mode', async () => {
  const { outcome, events } = await main({
    responder: {
      tamper: inject('mm6', (_message, tools) => [
        encodeMessage(
          {
            initiatorCookie: tools.initiatorCookie,
            responderCookie: tools.responderCookie,
            exchangeType: ExchangeType.Informational,
            flags: 0,
            messageId: 0,
          },
          [
            {
              type: PayloadType.Notification,
              body: {
                doi: DOI_IPSEC,
                protocolId: ProtocolId.Isakmp,
                notifyType: NotifyType.AuthenticationFailed,
                spi: Buffer.alloc(0),
                data: Buffer.alloc(0),
              },
            },
          ],
        ),
      ]),
    },
  });
  assert.equal(outcome, 'connected');
  assert.equal(drops(events).length, 1);
});
