// The diagnosis (issue 14) of the real engine against the in-memory gateway: each fault the
// gateway or the path can produce gets its own code, its evidence, and arrives within its
// budget, measured on the events' own timestamps from the fault's start.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import {
  type TimingSettings,
  deadPeerBudgetMs,
  espBlockedBudgetMs,
  icmpBudgetMs,
  noAnswerBudgetMs,
} from '../../app/engine/diagnosis/budgets.js';
import { tv } from '../../app/engine/wire/attributes.js';
import { encodeMessage } from '../../app/engine/wire/message.js';
import type { OutgoingPayload } from '../../app/engine/wire/payloads.js';
import {
  ExchangeType,
  ModeCfgAttr,
  XauthAttr,
  XauthType,
  NotifyType,
  PayloadType,
} from '../../app/engine/wire/constants.js';
import type { DataPlaneCounters } from '../../app/shared/counters.js';
import { DPD_DEFAULTS } from '../../app/shared/profile.js';
import type { DiagnosisEvent, EngineEvent } from '../../app/shared/events.js';
import { EngineEventSchema } from '../../app/shared/events.js';
import {
  type DiagnosisCase,
  TIMING,
  diagnosesOf,
  finish,
  startCase,
  stateAt,
  until,
} from './support/diagnosis-case.js';
import type { ResponderChannel } from './support/fake-gateway.js';
import type { ResponderTools } from './support/fake-responder.js';
import { isakmpNotification } from './support/notification.js';

const settings = (dpd: TimingSettings['dpd'] = DPD_DEFAULTS): TimingSettings => ({
  retransmit: TIMING,
  dpd,
});

const notification = (
  notifyType: number,
  tools: Pick<ResponderTools, 'initiatorCookie' | 'responderCookie'>,
) => isakmpNotification(notifyType, Buffer.concat([tools.initiatorCookie, tools.responderCookie]));

/** A gateway that refuses every message 1 with an unprotected notification (RFC 2408 3.14). */
function refusingGateway(notifyType: number) {
  return (channel: ResponderChannel) => {
    channel.responder = undefined;
    const send = channel.send.bind(channel);
    channel.send = (packet, leg) => {
      send(packet, leg);
      const initiatorCookie = packet.subarray(0, 8);
      const responderCookie = Buffer.alloc(8, 7);
      const refusal = encodeMessage(
        {
          initiatorCookie,
          responderCookie,
          exchangeType: ExchangeType.Informational,
          flags: 0,
          messageId: 0,
        },
        [notification(notifyType, { initiatorCookie, responderCookie })],
      );
      setImmediate(() => channel.deliver(refusal, leg));
    };
  };
}

/** The one diagnosis left standing at the end, with every event on schema. */
function finalDiagnosis(events: EngineEvent[]): DiagnosisEvent {
  for (const event of events) assert.ok(EngineEventSchema.safeParse(event).success);
  const diagnoses = diagnosesOf(events);
  const last = diagnoses.at(-1);
  assert.ok(last, 'a diagnosis was made');
  assert.equal(last.cleared, false);
  return last;
}

/** Nothing we send reaches the gateway (down, wrong address, or UDP 500 dropped). */
const silentGateway = (channel: ResponderChannel) => {
  channel.responder = undefined;
};

/** The Mode Config reply's payloads without INTERNAL_IP4_ADDRESS (an exhausted pool). */
function withoutAddress(tools: ResponderTools): OutgoingPayload[] {
  return tools.payloads.map((payload) =>
    payload.type === PayloadType.Attribute
      ? {
          ...payload,
          body: {
            ...payload.body,
            attributes: payload.body.attributes.filter(
              (a) => a.type !== ModeCfgAttr.InternalIp4Address,
            ),
          },
        }
      : payload,
  );
}

/** The XAuth request's payloads with XAUTH_TYPE CHAP (draft-ietf-ipsec-isakmp-xauth-06 6.1). */
function asChap(tools: ResponderTools): OutgoingPayload[] {
  return tools.payloads.map((payload) =>
    payload.type === PayloadType.Attribute
      ? {
          ...payload,
          body: {
            ...payload.body,
            attributes: payload.body.attributes.map((a) =>
              a.type === XauthAttr.Type ? tv(XauthAttr.Type, XauthType.Chap) : a,
            ),
          },
        }
      : payload,
  );
}

const errorOf = (events: EngineEvent[]) => events.find((e) => e.type === 'error');

test('no answer to message 1: no-answer, within the scaled budget, before the retries run out', async () => {
  const run = startCase({ onChannel: silentGateway });
  await until(() => diagnosesOf(run.events).length > 0, 'a diagnosis');
  assert.equal(errorOf(run.events), undefined, 'raised while the engine still retransmits');
  const events = await finish(run);
  const raised = diagnosesOf(events)[0] as DiagnosisEvent;
  assert.equal(raised.code, 'no-answer');
  assert.match(raised.cause, /UDP port 500 is blocked/);
  assert.match(raised.evidence.join('\n'), /message 1 sent 5 times/);
  const start = stateAt(events, 'am1-sent') as number;
  assert.ok(raised.at - start <= noAnswerBudgetMs(settings()), `${raised.at - start} ms`);
});

test('main mode, no answer to message 1: no-answer as in aggressive mode, naming main mode', async () => {
  const run = startCase({ onChannel: silentGateway, profile: { exchange: 'main' } });
  await until(() => diagnosesOf(run.events).length > 0, 'a diagnosis');
  assert.equal(errorOf(run.events), undefined, 'raised while the engine still retransmits');
  const events = await finish(run);
  const raised = diagnosesOf(events)[0] as DiagnosisEvent;
  assert.equal(raised.code, 'no-answer');
  assert.match(raised.evidence.join('\n'), /main mode message 1 sent 5 times/);
});

test('no answer after all retransmissions: the failure line says no-answer', async () => {
  const run = startCase({ onChannel: silentGateway });
  const failure = await run.connection.closed;
  assert.equal(failure?.code, 'gateway-unreachable');
  assert.equal(finalDiagnosis(run.events).code, 'no-answer');
});

test('an ICMP error for our IKE packets: icmp-unreachable at once', async () => {
  const run = startCase({
    onChannel: (channel) => {
      silentGateway(channel);
      const send = channel.send.bind(channel);
      channel.send = (packet, leg) => {
        send(packet, leg);
        channel.emit({ type: 'log', level: 'debug', message: 'UDP ike leg: recvmsg ECONNREFUSED' });
      };
    },
  });
  await until(() => diagnosesOf(run.events).length > 0, 'a diagnosis');
  const events = await finish(run);
  const raised = diagnosesOf(events)[0] as DiagnosisEvent;
  assert.equal(raised.code, 'icmp-unreachable');
  assert.match(raised.evidence.join('\n'), /port unreachable \(ECONNREFUSED\)/);
  const start = stateAt(events, 'am1-sent') as number;
  assert.ok(raised.at - start <= icmpBudgetMs(settings()));
  assert.ok(!diagnosesOf(events).some((d) => d.code === 'no-answer'), 'not overridden');
});

test('NO-PROPOSAL-CHOSEN to message 1: phase1-no-proposal listing what we offered', async () => {
  const run = startCase({
    profile: { ikeProposals: ['aes256-sha256-modp2048', 'aes128-sha256-ecp256'] },
    onChannel: refusingGateway(NotifyType.NoProposalChosen),
  });
  await run.connection.closed;
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'phase1-no-proposal');
  assert.equal(diagnosis.phase, 'phase1');
  assert.match(
    diagnosis.evidence.join('\n'),
    /we offered \(phase 1\): aes256-sha256-modp2048, aes128-sha256-ecp256/,
  );
});

test('INVALID-ID-INFORMATION to message 1: unknown-group', async () => {
  const run = startCase({
    onChannel: refusingGateway(NotifyType.InvalidIdInformation),
  });
  await run.connection.closed;
  assert.equal(finalDiagnosis(run.events).code, 'unknown-group');
});

test('a gateway with another group key: group-psk-wrong', async () => {
  const run = startCase({ responder: { psk: 'another-key' } });
  await run.connection.closed;
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'group-psk-wrong');
  assert.match(diagnosis.evidence.join('\n'), /HASH_R/);
});

test('a rejected password: xauth-rejected in the XAuth step', async () => {
  const run = startCase({ responder: { password: 'not-this-one' } });
  await run.connection.closed;
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'xauth-rejected');
  assert.equal(diagnosis.phase, 'xauth');
});

test('the gateway asks for XAuth CHAP: auth-unsupported, and the user is never asked', async () => {
  let asked = 0;
  const run = startCase({
    credentials: {
      xauth: async () => {
        asked++;
        return {};
      },
    },
    responder: {
      tamper: (step, m, tools) =>
        step === 'xauth-request' ? [{ packet: tools.reseal(asChap(tools)) }] : [{ packet: m }],
    },
  });
  const failure = await run.connection.closed;
  assert.equal(failure?.code, 'xauth-unsupported');
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'auth-unsupported');
  assert.match(diagnosis.evidence.join('\n'), /XAuth type chap/);
  assert.equal(asked, 0);
});

test('a Mode Config reply without an address: no-address', async () => {
  const run = startCase({
    responder: {
      tamper: (step, m, tools) =>
        step === 'modecfg-reply'
          ? [{ packet: tools.reseal(withoutAddress(tools)) }]
          : [{ packet: m }],
    },
  });
  await run.connection.closed;
  assert.equal(finalDiagnosis(run.events).code, 'no-address');
});

test('NO-PROPOSAL-CHOSEN in Quick Mode: phase2-refused (not phase 1), listing our ESP offer', async () => {
  const run = startCase({
    profile: { espProposals: ['aes256gcm16', 'aes128-sha256'] },
    responder: {
      tamper: (step, m, tools) => {
        if (step !== 'qm2' || !tools.seal) return [{ packet: m }];
        const id = randomInt(1, 0xffffffff);
        const refusal = notification(NotifyType.NoProposalChosen, tools);
        return [{ packet: tools.seal(ExchangeType.Informational, id, [refusal]) }];
      },
    },
  });
  const failure = await run.connection.closed;
  assert.equal(failure?.code, 'phase2-rejected', 'the error names phase 2 too');
  assert.doesNotMatch(failure?.message ?? '', /phase 1/);
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'phase2-refused');
  assert.equal(diagnosis.phase, 'phase2');
  assert.match(
    diagnosis.evidence.join('\n'),
    /we offered \(phase 2, ESP\): aes256gcm16, aes128-sha256/,
  );
});

test('UDP 4500 dropped after the float while 500 answers: udp-4500-blocked while connecting', async () => {
  let message2: Buffer | undefined;
  let repeats = 0;
  const run = startCase({
    responder: {
      tamper: (step, m) => {
        if (step === 'am2') message2 = m;
        return [{ packet: m }];
      },
    },
    onChannel: (channel) => {
      const send = channel.send.bind(channel);
      channel.send = (packet, leg) => {
        if (leg === 'ike') return send(packet, leg);
        // dropped on the way; the gateway, missing message 3, sends message 2 again on 500
        if (message2 && repeats++ < 6)
          setTimeout(() => channel.deliver(message2 as Buffer, 'ike'), 5);
      };
    },
  });
  await until(() => diagnosesOf(run.events).length > 0, 'a diagnosis');
  const events = await finish(run);
  const raised = diagnosesOf(events)[0] as DiagnosisEvent;
  assert.equal(raised.code, 'udp-4500-blocked');
  assert.match(raised.evidence.join('\n'), /message 2 again \d time/);
  assert.match(raised.evidence.join('\n'), /nothing came back on it/);
});

/** Data-plane counters as the channel reports them each second. */
function counters(
  packetsOut: number,
  packetsIn: number,
): { type: 'counters'; counters: DataPlaneCounters } {
  const now = Date.now();
  const fields = {
    packetsIn,
    bytesIn: packetsIn * 100,
    packetsOut,
    bytesOut: packetsOut * 100,
    icvFailures: 0,
    replayDrops: 0,
    decryptErrors: 0,
    paddingErrors: 0,
    selectorDrops: 0,
    sendErrors: 0,
    lastInboundAt: 0,
    lastOutboundAt: now,
  };
  return {
    type: 'counters',
    counters: {
      at: now,
      sas: [],
      total: { ...fields, noSaDrops: 0, noRouteDrops: 0, receiveErrors: 0, malformedDrops: 0 },
    },
  };
}

/** Feeds counters every 100 ms (ESP out growing, in fixed at `packetsIn()`) until stopped. */
function feedCounters(run: DiagnosisCase, packetsIn: () => number): () => void {
  let out = 0;
  const timer = setInterval(() => run.channel().emit(counters((out += 10), packetsIn())), 100);
  return () => clearInterval(timer);
}

const SHORT_DPD = { delaySeconds: 1, retries: 2 };

test('ESP sent, nothing decrypted, DPD still answered: esp-blocked while connected, cleared when traffic decrypts', async () => {
  const run = startCase({
    profile: { dpdDelaySeconds: SHORT_DPD.delaySeconds, dpdRetries: SHORT_DPD.retries },
  });
  await run.connection.connected;
  let packetsIn = 0;
  const stop = feedCounters(run, () => packetsIn);
  try {
    await until(() => diagnosesOf(run.events).length > 0, 'a diagnosis');
    const raised = diagnosesOf(run.events)[0] as DiagnosisEvent;
    assert.equal(raised.code, 'esp-blocked');
    assert.equal(raised.phase, 'dataplane');
    assert.equal(run.connection.state, 'connected', 'raised while connected');
    assert.match(raised.evidence.join('\n'), /none decrypted/);
    assert.match(raised.evidence.join('\n'), /still answers IKE/);
    const firstCounters = run.events.find((e) => e.type === 'counters')?.at as number;
    assert.ok(raised.at - firstCounters <= espBlockedBudgetMs(settings(SHORT_DPD)));
    packetsIn = 5;
    await until(() => diagnosesOf(run.events).length > 1, 'the diagnosis cleared');
    const cleared = diagnosesOf(run.events)[1] as DiagnosisEvent;
    assert.deepEqual([cleared.code, cleared.cleared], ['esp-blocked', true]);
  } finally {
    stop();
  }
  await finish(run);
  assert.ok(!run.events.some((e) => e.type === 'error' && e.code !== 'cancelled'));
});

test('the gateway goes silent while traffic flows: peer-dead within the scaled DPD budget', async () => {
  const run = startCase({
    profile: { dpdDelaySeconds: SHORT_DPD.delaySeconds, dpdRetries: SHORT_DPD.retries },
  });
  await run.connection.connected;
  run.gateway.responder?.stop();
  const deathAt = performance.timeOrigin + performance.now();
  const stop = feedCounters(run, () => 0);
  try {
    const failure = await run.connection.closed;
    assert.equal(failure?.code, 'peer-dead');
  } finally {
    stop();
  }
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'peer-dead');
  assert.ok(
    diagnosis.at - deathAt <= deadPeerBudgetMs(settings(SHORT_DPD)),
    `${diagnosis.at - deathAt} ms`,
  );
});

// real time (the engine's timers have no fake clock): about 31 s with the default DPD
test('an idle tunnel, the gateway goes silent: peer-dead within 35 s with the default DPD settings', async (t) => {
  const run = startCase();
  await run.connection.connected;
  run.gateway.responder?.stop();
  const deathAt = performance.timeOrigin + performance.now();
  const failure = await run.connection.closed;
  assert.equal(failure?.code, 'peer-dead');
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'peer-dead');
  assert.equal(deadPeerBudgetMs(settings(), 'idle'), 35_000, "the issue's budget, unscaled");
  assert.ok(diagnosis.at - deathAt <= 35_000, `${diagnosis.at - deathAt} ms`);
  t.diagnostic(`peer-dead ${Math.round(diagnosis.at - deathAt)} ms after the gateway went silent`);
});

test('the keychain cannot be read: keychain-unavailable', async () => {
  const run = startCase({
    credentials: {
      groupPsk: async () => {
        throw Object.assign(new Error('the keychain is locked'), { code: 'keychain-unavailable' });
      },
    },
  });
  const failure = await run.connection.closed;
  assert.equal(failure?.code, 'keychain-unavailable');
  assert.equal(finalDiagnosis(run.events).code, 'keychain-unavailable');
});

test('the network set-up fails: network-setup-failed', async () => {
  const run = startCase({
    onChannel: (channel) => {
      channel.configureNetwork = async () => {
        throw new Error('TUNSETIFF: Operation not permitted');
      };
    },
  });
  await run.connection.closed;
  const diagnosis = finalDiagnosis(run.events);
  assert.equal(diagnosis.code, 'network-setup-failed');
  assert.match(diagnosis.evidence.join('\n'), /Operation not permitted/);
});

test('a healthy connection: no diagnosis at all', async () => {
  const run = startCase();
  await run.connection.connected;
  const events = await finish(run);
  assert.deepEqual(diagnosesOf(events), []);
});
