// The diagnoser on its own: facts in, at most one current diagnosis out. The engine-level
// cases are in diagnosis.test.ts; these are the failures the in-memory gateway cannot stage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DiagnosisFact,
  Diagnoser,
  type Failure,
} from '../../app/engine/diagnosis/diagnoser.js';
import { espSilenceMs } from '../../app/engine/diagnosis/budgets.js';
import { DIAGNOSES } from '../../app/engine/diagnosis/table.js';
import { ExchangeType, NotifyType } from '../../app/engine/wire/constants.js';
import {
  type DiagnosisEvent,
  type EngineEvent,
  DiagnosisEventSchema,
  diagnosisCodes,
} from '../../app/shared/events.js';

const CONTEXT = {
  gateway: '198.51.100.1',
  gatewayPort: 500,
  gatewayNattPort: 4500,
  retransmit: { initialMs: 500, tries: 6 },
  dpd: { delaySeconds: 30, retries: 5 },
  phase1Offers: ['aes256-sha256-modp2048'],
  phase2Offers: ['aes256gcm16'],
  pfs: 'auto',
};

function diagnoser(retransmit = CONTEXT.retransmit): {
  feed: (fact: DiagnosisFact) => void;
  out: DiagnosisEvent[];
} {
  const out: DiagnosisEvent[] = [];
  const d = new Diagnoser({ ...CONTEXT, retransmit }, (event) => out.push(event));
  return { feed: (fact) => d.observe(fact), out };
}

const state = (s: EngineEvent & { type: 'state' }): DiagnosisFact => ({
  kind: 'event',
  at: s.at,
  event: s,
});
const connected = (at: number) =>
  state({ type: 'state', at, state: 'connected', previous: 'qm3-sent', gateway: 'gw' });
const failure = (at: number, f: Failure): DiagnosisFact => ({ kind: 'failure', at, failure: f });

test('every code has a cause, a step and advice, and fits the event schema', () => {
  for (const code of diagnosisCodes) {
    const entry = DIAGNOSES[code];
    assert.ok(entry.cause.length > 20 && entry.next.length > 20, code);
    const event = { type: 'diagnosis', at: 0, code, evidence: [], cleared: false, ...entry };
    assert.ok(DiagnosisEventSchema.safeParse(event).success, code);
  }
});

const failures: [Failure, string][] = [
  [
    { code: 'gateway-resolve-failed', message: 'cannot resolve vpn.example', failedAt: 'idle' },
    'name-unresolved',
  ],
  [
    { code: 'xauth-unsupported', message: 'the gateway asks for CHAP', failedAt: 'xauth' },
    'auth-unsupported',
  ],
  [
    {
      code: 'deleted-by-peer',
      message: 'the gateway closed the connection',
      failedAt: 'connected',
    },
    'sas-deleted',
  ],
  [
    // no helper: said before any IKE message, never as a failed network set-up
    { code: 'helper-unavailable', message: 'no helper', failedAt: 'idle' },
    'helper-unavailable',
  ],
  [
    { code: 'no-proposal-chosen', message: 'NO-PROPOSAL-CHOSEN', failedAt: 'qm1-sent' },
    'phase2-refused',
  ],
];
for (const [f, code] of failures) {
  test(`${f.code} at ${f.failedAt}: ${code}, the engine's words in the evidence`, () => {
    const { feed, out } = diagnoser();
    feed(failure(1, f));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.code, code);
    assert.ok(out[0]?.evidence.includes(f.message));
  });
}

test('cancelled and internal failures make no diagnosis', () => {
  const { feed, out } = diagnoser();
  feed(failure(1, { code: 'cancelled', message: 'cancelled by the user', failedAt: 'am1-sent' }));
  feed(failure(2, { code: 'internal', message: 'bug', failedAt: 'am1-sent' }));
  assert.deepEqual(out, []);
});

test('an unprotected INVALID-COOKIE while connected, then DPD gives up: gateway-restarted', () => {
  const { feed, out } = diagnoser();
  feed(connected(1));
  feed({
    kind: 'ike',
    direction: 'received',
    leg: 'natt',
    at: 2,
    exchangeType: ExchangeType.Informational,
    encrypted: false,
    repeat: 1,
    firstAt: 2,
    notifyType: NotifyType.InvalidCookie,
  });
  feed(failure(3, { code: 'peer-dead', message: 'no answer to 5 DPD', failedAt: 'connected' }));
  assert.equal(out.at(-1)?.code, 'gateway-restarted');
  assert.match(out.at(-1)?.evidence.join('\n') ?? '', /unprotected INVALID-COOKIE/);
});

/** Message 1 of aggressive mode sent for the `repeat`-th time, `repeat` seconds in. */
const message1Sent = (repeat: number): DiagnosisFact => ({
  kind: 'ike',
  direction: 'sent',
  leg: 'ike',
  at: repeat * 1000,
  exchangeType: ExchangeType.Aggressive,
  encrypted: false,
  repeat,
  firstAt: 1000,
});

test('no-answer is withdrawn when the gateway answers after all', () => {
  const { feed, out } = diagnoser();
  for (let repeat = 1; repeat <= 5; repeat++) feed(message1Sent(repeat));
  assert.deepEqual(
    out.map((d) => [d.code, d.cleared]),
    [['no-answer', false]],
  );
  feed({
    kind: 'ike',
    direction: 'received',
    leg: 'ike',
    at: 9000,
    exchangeType: ExchangeType.Aggressive,
    encrypted: false,
    repeat: 1,
    firstAt: 9000,
  });
  assert.deepEqual(
    out.map((d) => [d.code, d.cleared]),
    [
      ['no-answer', false],
      ['no-answer', true],
    ],
  );
});

test('with fewer tries, no-answer comes with the last send, never the first', () => {
  const single = diagnoser({ initialMs: 500, tries: 1 });
  single.feed(message1Sent(1));
  assert.equal(single.out.length, 0, 'one send is not yet a silence');
  single.feed(
    failure(1500, {
      code: 'gateway-unreachable',
      message: 'no answer to message 1',
      failedAt: 'am1-sent',
    }),
  );
  assert.deepEqual(
    single.out.map((d) => [d.code, d.cleared]),
    [['no-answer', false]],
    'the give-up says it',
  );
  const two = diagnoser({ initialMs: 500, tries: 2 });
  two.feed(message1Sent(1));
  assert.equal(two.out.length, 0);
  two.feed(message1Sent(2));
  assert.deepEqual(
    two.out.map((d) => d.code),
    ['no-answer'],
  );
});

/** A counters tick at `at` (ms) with these totals; the rest zero. */
function tick(
  at: number,
  packets: { out: number; in: number; lastInboundAt: number; lastOutboundAt: number },
): DiagnosisFact {
  const fields = {
    packetsIn: packets.in,
    bytesIn: packets.in * 100,
    packetsOut: packets.out,
    bytesOut: packets.out * 100,
    icvFailures: 0,
    replayDrops: 0,
    decryptErrors: 0,
    paddingErrors: 0,
    selectorDrops: 0,
    sendErrors: 0,
    lastInboundAt: packets.lastInboundAt,
    lastOutboundAt: packets.lastOutboundAt,
  };
  const total = { ...fields, noSaDrops: 0, noRouteDrops: 0, receiveErrors: 0, malformedDrops: 0 };
  return { kind: 'event', at, event: { type: 'counters', at, sas: [], total } };
}

const dpdAnswered = (at: number): DiagnosisFact => ({
  kind: 'ike',
  direction: 'received',
  leg: 'natt',
  at,
  exchangeType: ExchangeType.Informational,
  encrypted: true,
  repeat: 1,
  firstAt: at,
});

// A ping every 200 ms; ESP is dropped from 10,050 ms on. The tick at 11,000 still counts the
// replies that came before the drop, so the first tick without any is 12,000: the silence began
// at the last reply (10,000), and esp-blocked comes with the first tick espSilenceMs after it.
test('esp-blocked times the silence from the last decrypted packet, not from the tick that saw it', () => {
  const { feed, out } = diagnoser();
  feed(connected(0));
  const silenceMs = espSilenceMs(CONTEXT);
  for (let at = 1_000; at <= 10_000; at += 1_000)
    feed(tick(at, { out: at / 200, in: at / 200, lastInboundAt: at, lastOutboundAt: at }));
  feed(tick(11_000, { out: 55, in: 51, lastInboundAt: 10_000, lastOutboundAt: 10_800 }));
  feed(dpdAnswered(13_500));
  for (let at = 12_000; at <= 30_000; at += 1_000)
    feed(tick(at, { out: at / 200, in: 51, lastInboundAt: 10_000, lastOutboundAt: at }));
  const raised = out.find((d) => d.code === 'esp-blocked');
  assert.equal(raised?.at, 10_000 + silenceMs, 'the first tick espSilenceMs after the last reply');
});

test('traffic that starts after a long idle spell is not esp-blocked before espSilenceMs of it', () => {
  const { feed, out } = diagnoser();
  feed(connected(0));
  feed(dpdAnswered(500));
  // the last reply came at 900; idle until 60 s, when ESP starts going out unanswered
  for (let at = 1_000; at <= 60_000; at += 1_000)
    feed(tick(at, { out: 10, in: 10, lastInboundAt: 900, lastOutboundAt: 900 }));
  feed(dpdAnswered(62_000));
  for (let at = 61_000; at <= 80_000; at += 1_000)
    feed(
      tick(at, { out: 10 + (at - 60_000) / 200, in: 10, lastInboundAt: 900, lastOutboundAt: at }),
    );
  const raised = out.find((d) => d.code === 'esp-blocked');
  // unanswered since the tick before the first send (60 s), not since the last reply at 0.9 s
  assert.equal(raised?.at, 60_000 + espSilenceMs(CONTEXT));
});
