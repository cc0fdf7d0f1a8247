// Issue 11, part 2: never act on unauthenticated IKE input. The in-memory gateway plays its
// part correctly; an injector puts forged or damaged datagrams on the wire before (or instead
// of) one of its messages, as anyone on the path could. A forged answer is dropped, counted
// and logged, and the wait goes on for the real one; only authenticated evidence, or a whole
// budget of answers that prove nothing, ends a connection, and then marked unauthenticated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { tlv } from '../../app/engine/wire/attributes.js';
import {
  CfgType,
  ExchangeType,
  HeaderFlag,
  ModeCfgAttr,
  NotifyType,
  PayloadType,
} from '../../app/engine/wire/constants.js';
import { decodeHeader, encodeMessage } from '../../app/engine/wire/message.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { type AfterConnectPhase, runEngineCase } from './support/engine-case.js';
import {
  RESPONDER_STEPS,
  type ResponderStep,
  type ResponderTools,
  type Tamper,
} from './support/fake-responder.js';
import { inject } from './support/inject.js';
import { isakmpNotification } from './support/notification.js';

/** The message as it would arrive with one bit flipped in its first cipher block (or, in
 * clear, in its last payload): damaged on the way, or forged without the keys. */
function damaged(message: Buffer): Buffer {
  const copy = Buffer.from(message);
  const encrypted = (copy[19] ?? 0) & HeaderFlag.Encryption;
  const at = encrypted ? 28 : copy.length - 1;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/** A notification in clear, as the gateway sends a refusal before there are keys. */
function cleartextNotify(tools: ResponderTools, notifyType: number, messageId = 0): Buffer {
  return encodeMessage(
    {
      initiatorCookie: tools.initiatorCookie,
      responderCookie: tools.responderCookie,
      exchangeType: ExchangeType.Informational,
      flags: 0,
      messageId,
    },
    [isakmpNotification(notifyType)],
  );
}

const AFTER_CONNECT: Partial<Record<ResponderStep, AfterConnectPhase[]>> = {
  'rekey-qm2': ['client-rekey'],
  'gateway-qm1': ['gateway-rekey'],
  'gateway-qm3': ['gateway-rekey'],
  'gateway-delete': ['gateway-rekey', 'gateway-delete'],
};

async function run(
  tamper: Tamper,
  options: { phases?: AfterConnectPhase[]; ikeProposals?: string[]; psk?: string } = {},
) {
  const result = await runEngineCase({
    ikeProposal: options.ikeProposals?.[0] ?? 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    phases: options.phases,
    responder: { tamper, ...(options.psk ? { psk: options.psk } : {}) },
  });
  assert.deepEqual(result.violations, []);
  return result;
}

const logs = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));
const dropped = (events: EngineEvent[]) =>
  logs(events).filter((line) => line.includes('did not authenticate'));

// 1. A waited-for answer is authenticated before it is consumed.
for (const step of RESPONDER_STEPS) {
  test(`a damaged message before the gateway's ${step} is dropped, counted and logged; the real one goes on`, async () => {
    const phases = AFTER_CONNECT[step] ?? [];
    const { outcome, events, gateway } = await run(
      inject(step, (message) => [damaged(message)]),
      { phases },
    );
    assert.equal(outcome, 'connected');
    const { responder, channel } = gateway;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, []);
    assert.equal(channel.installed.length, responder.espSas.length, 'both ends have the same SAs');
    const rekeys = phases.filter((phase) => phase !== 'gateway-delete').length;
    assert.equal(channel.installed.length, 1 + rekeys, 'every rekey went through');
    assert.ok(dropped(events).length > 0, `the drop is logged: ${logs(events).join('\n')}`);
    assert.match(dropped(events)[0] ?? '', /\(1 so far\)/, 'and counted');
  });
}

test('Mode Config answers are matched by message ID: an authentic REPLY in another exchange is not ours', async () => {
  const { outcome, events } = await run(
    inject('modecfg-reply', (_message, tools) => [
      (tools.seal as NonNullable<ResponderTools['seal']>)(
        ExchangeType.Transaction,
        (tools.messageId ^ 0x5a5a5a5a) >>> 0,
        [
          {
            type: PayloadType.Attribute,
            body: {
              cfgType: CfgType.Reply,
              identifier: 1,
              attributes: [tlv(ModeCfgAttr.InternalIp4Address, Buffer.from([10, 66, 66, 66]))],
            },
          },
        ],
      ),
    ]),
  );
  assert.equal(outcome, 'connected');
  const network = events.find((e) => e.type === 'network');
  assert.ok(network?.type === 'network');
  assert.equal(network.internalIp4, '10.99.0.7', 'the address from the REPLY to our request');
});

// 2. Phase 1: nothing before HASH_R is the gateway's word.
const forgedMessage2 = (tools: ResponderTools) =>
  encodeMessage(
    {
      initiatorCookie: tools.initiatorCookie,
      responderCookie: randomBytes(8),
      exchangeType: ExchangeType.Aggressive,
      flags: 0,
      messageId: 0,
    },
    tools.payloads.map((p) =>
      p.type === PayloadType.Hash ? { type: PayloadType.Hash, body: { data: randomBytes(20) } } : p,
    ),
  );

for (const [what, forge] of [
  ['a forged message 2 (its HASH_R does not verify)', forgedMessage2],
  [
    'a cleartext INVALID-HASH-INFORMATION',
    (tools: ResponderTools) => cleartextNotify(tools, NotifyType.InvalidHashInformation),
  ],
  [
    'a cleartext AUTHENTICATION-FAILED',
    (tools: ResponderTools) => cleartextNotify(tools, NotifyType.AuthenticationFailed),
  ],
] as const) {
  test(`${what} before the gateway's answer does not end phase 1`, async () => {
    const { outcome, events } = await run(inject('am2', (_m, tools) => [forge(tools)]));
    assert.equal(outcome, 'connected');
    assert.ok(!events.some((e) => e.type === 'error'));
    assert.equal(dropped(events).length, 1, dropped(events).join('\n'));
  });
}

test('answers that never prove the group key end in group-psk-rejected, marked unauthenticated, after one more try', async () => {
  // the gateway holds another key: each message 2 fails HASH_R, like a forger's would
  const { outcome, events, gateway } = await run((_step, message) => [{ packet: message }], {
    psk: 'another-group-key',
  });
  assert.equal(outcome, 'group-psk-rejected');
  const error = events.find((e) => e.type === 'error');
  assert.ok(error?.type === 'error');
  assert.equal(error.authenticated, false);
  assert.match(error.message, /HASH_R mismatch.*unauthenticated/);
  const message1s = (gateway.channel?.sent ?? []).filter(({ packet }) => {
    const { header } = decodeHeader(packet);
    return (
      header.exchangeType === ExchangeType.Aggressive &&
      header.responderCookie.equals(Buffer.alloc(8))
    );
  });
  assert.equal(message1s.length, 2, 'message 1 and one retransmission after the first bad answer');
});

test('a cleartext NO-PROPOSAL-CHOSEN moves to the next DH group of the profile, saying who may have refused', async () => {
  const ikeProposals = ['aes128-sha256-ecp384', 'aes128-sha256-ecp256'];
  const { outcome, events, gateway } = await runEngineCase({
    ikeProposal: ikeProposals[0] as string,
    ikeProposals,
    espProposal: 'aes128-sha1',
    responder: {
      tamper: inject(
        'am2',
        (_m, tools) => [cleartextNotify(tools, NotifyType.NoProposalChosen)],
        true,
      ),
    },
  });
  assert.equal(outcome, 'connected');
  assert.equal(gateway.responder?.ikeSaCount, 2, 'a second message 1, with the next group');
  assert.ok(
    logs(events).some((line) =>
      /someone on the path .*refused the offer with DH group 20; offering group 19 next/.test(line),
    ),
    logs(events).join('\n'),
  );
});

test('a cleartext NO-PROPOSAL-CHOSEN never leads to a group the profile does not list', async () => {
  const { outcome, gateway } = await run(
    inject('am2', (_m, tools) => [cleartextNotify(tools, NotifyType.NoProposalChosen)], true),
  );
  assert.equal(outcome, 'no-proposal-chosen');
  assert.equal(gateway.responder?.ikeSaCount, 1, 'no second offer');
});

// 3. After phase 1: a Quick Mode is not aborted by an unauthenticated Informational.
test('an unauthenticated Informational with our Quick Mode message ID does not abort a client rekey', async () => {
  const { outcome, events, gateway } = await run(
    inject('rekey-qm2', (_message, tools) => [
      cleartextNotify(tools, NotifyType.NoProposalChosen, tools.messageId),
      damaged(
        (tools.seal as NonNullable<ResponderTools['seal']>)(
          ExchangeType.Informational,
          tools.messageId,
          [isakmpNotification(NotifyType.NoProposalChosen)],
        ),
      ),
    ]),
    { phases: ['client-rekey'] },
  );
  assert.equal(outcome, 'connected');
  assert.equal(gateway.channel?.installed.length, 2, 'the rekeyed pair is in');
  assert.ok(!events.some((e) => e.type === 'error'));
  const [first, second] = dropped(events);
  assert.match(first ?? '', /^warn .*\(1 so far\)/, 'the first drop warns');
  assert.match(second ?? '', /^debug .*\(2 so far\)/, 'the second is counted');
});
