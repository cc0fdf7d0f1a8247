// Property-based fuzz of the engine's state machine (issue #2: "bad input gets a clear error
// naming the cause, and loses nothing"): the FakeResponder plays a correct gateway, except
// that at one or two random steps it sends a damaged, replayed, reordered or unexpected message
// instead. Whatever it sends, the connection either completes or ends with exactly one typed
// error, nothing escapes, no timer or event outlives the connection and no secret reaches an
// event (the checks live in support/engine-case.ts). Fixed seed; `node --import tsx
// scripts/fuzz-engine.ts [runs]` runs the same property longer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DataAttribute } from '../../app/engine/wire/attributes.js';
import {
  DOI_IPSEC,
  ExchangeType,
  ModeCfgAttr,
  NotifyType,
  PayloadType,
  ProtocolId,
  UnityAttr,
} from '../../app/engine/wire/constants.js';
import type { OutgoingPayload } from '../../app/engine/wire/payloads.js';
import type { ErrorCode } from '../../app/shared/events.js';
import { AFTER_CONNECT_PHASES } from './support/engine-case.js';
import {
  type EngineFuzzScenario,
  afterConnectFuzzScenario,
  engineFuzzScenario,
  runScenario,
} from './support/engine-fuzz.js';
import {
  AFTER_CONNECT_STEPS,
  RESPONDER_STEPS,
  type ResponderStep,
} from './support/fake-responder.js';
import type { Mutation, Placement } from './support/gateway-mutations.js';
import { isakmpNotification } from './support/notification.js';

const SEED = 20261130;

/** The engine's properties hold in `numRuns` scenarios. */
const neverBreaks = (scenarios: fc.Arbitrary<EngineFuzzScenario>, numRuns: number) => () =>
  fc.assert(
    fc.asyncProperty(scenarios, async (scenario) => {
      const { violations } = await runScenario(scenario);
      assert.deepEqual(violations, []);
    }),
    { seed: SEED, numRuns },
  );

test('a misbehaving gateway never breaks the engine', neverBreaks(engineFuzzScenario, 200));

// issue #2, "every engine state": the gateway's own rekey, ours, and its DELETEs of ESP SAs,
// each with a damaged or forged message, and a disconnect in the middle of them, keep the
// same properties.
test(
  'a misbehaving gateway after connect never breaks the engine',
  neverBreaks(afterConnectFuzzScenario, 80),
);

/** One mutation at one step on an otherwise plain connection (through every phase after
 * 'connected' when the step is one of theirs); the properties must hold and the connection
 * end as `outcome`. */
async function expectOutcome(
  step: ResponderStep,
  mutation: Mutation,
  outcome: ErrorCode | 'connected',
  options: { pfs?: boolean; dataPlaneTurns?: number; ikeProposal?: string } = {},
): Promise<void> {
  const result = await runScenario({
    ikeProposal: options.ikeProposal ?? 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    dataPlaneTurns: options.dataPlaneTurns ?? 0,
    pfs: options.pfs ?? false,
    disconnectAfterTurns: undefined,
    phases: (AFTER_CONNECT_STEPS as readonly ResponderStep[]).includes(step)
      ? [...AFTER_CONNECT_PHASES]
      : [],
    mutations: [{ step, mutation }],
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, outcome);
}

/** An informational message authenticated with the IKE SA's keys. */
const informational = (payload: OutgoingPayload, placement: Placement): Mutation => ({
  kind: 'authenticated',
  exchangeType: ExchangeType.Informational,
  sameMessageId: false,
  payloads: [payload],
  placement,
});

/** The correct Mode Config reply with more attributes after the gateway's own. */
const extraModeConfig = (attributes: DataAttribute[]): Mutation => ({
  kind: 'payload',
  which: 0,
  edit: { op: 'attributes', attributes, append: true },
  placement: 'instead',
});

// draft-dukes-ike-mode-cfg: a client ignores what it does not understand. Junk values of
// the attributes we do read (numbers of any length, addresses of the wrong size, bad split
// entries) must not cost the connection as long as the gateway assigned an address.
test('junk attributes in a Mode Config reply are skipped, not fatal', async () => {
  const modeConfigTypes = [...Object.values(ModeCfgAttr), ...Object.values(UnityAttr)];
  const junk = fc.record({
    type: fc.constantFrom(...modeConfigTypes.filter((t) => t !== ModeCfgAttr.InternalIp4Address)),
    bytes: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(junk, { minLength: 1, maxLength: 6 }), (attributes) =>
      expectOutcome('modecfg-reply', extraModeConfig(attributes), 'connected'),
    ),
    { seed: SEED, numRuns: 40 },
  );
});

// RFC 2408 3.15: a DELETE names the SAs it deletes by SPI; one for SAs we do not have, even
// authenticated with the right keys, is not about this connection.
for (const [protocolId, spiSize] of [
  [ProtocolId.Esp, 4],
  [ProtocolId.Isakmp, 16],
] as const) {
  const what = protocolId === ProtocolId.Esp ? 'ESP SAs' : 'an IKE SA';
  test(`a DELETE for ${what} we do not have changes nothing`, async () => {
    const spis = fc.array(
      fc.uint8Array({ minLength: spiSize, maxLength: spiSize }).map((b) => Buffer.from(b)),
      { minLength: 1, maxLength: 3 },
    );
    const deletion = (list: Buffer[]): OutgoingPayload => ({
      type: PayloadType.Delete,
      body: { doi: DOI_IPSEC, protocolId, spis: list },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...RESPONDER_STEPS.filter((step) => step !== 'am2')),
        spis,
        (step, list) => expectOutcome(step, informational(deletion(list), 'before'), 'connected'),
      ),
      { seed: SEED, numRuns: 12 },
    );
  });
}

// Bugs the fuzz found, kept as fixed cases (each failed before its fix).

test('an error notification while XAuth waits leaves no timer behind', () =>
  // Messenger.close() left the 15 s XAuth wait's timer running: the process could not exit
  expectOutcome(
    'xauth-request',
    informational(isakmpNotification(NotifyType.PayloadMalformed), 'instead'),
    'peer-notified-error',
  ));

test('a Mode Config reply cut inside a cipher block is dropped; the retransmission connects', () =>
  // the cipher's CryptoError escaped openProtected and surfaced as an 'internal' error; then
  // (issue 11) it ended the connection, though it proves nothing about the gateway
  expectOutcome('modecfg-reply', { kind: 'shorten', at: 0.5 }, 'connected', {
    ikeProposal: '3des-md5-modp1024',
  }));

test('an informational message cut inside a cipher block is dropped', () =>
  // ... and, as an informational message, was thrown out of the socket's packet listener
  expectOutcome(
    'modecfg-reply',
    { kind: 'shorten', at: 0.5, exchangeType: ExchangeType.Informational },
    'connected',
  ));

test('a SAVE_PASSWD too long to be a number is skipped', () =>
  // readModeConfig threw on a numeric attribute longer than 6 bytes instead of skipping it
  expectOutcome(
    'modecfg-reply',
    extraModeConfig([{ type: UnityAttr.SavePasswd, bytes: Buffer.alloc(7) }]),
    'connected',
  ));

test('an XAuth CFG_SET without XAUTH_STATUS is a malformed response, not a rejection', () =>
  // it was reported as 'xauth-rejected', blaming the user's password for the gateway's message
  expectOutcome(
    'xauth-status',
    {
      kind: 'payload',
      which: 0,
      edit: { op: 'attributes', attributes: [], append: false },
      placement: 'instead',
    },
    'malformed-response',
  ));

test('an error notification while the SA is being installed ends the connection for good', () =>
  // connect() went on after a failure that arrived while it awaited the data plane: it
  // configured the network of a closed channel, left rekey and DPD timers running and
  // reported 'connected' after 'failed' (fixed in connection.ts: fail() aborts)
  expectOutcome(
    'qm2',
    informational(isakmpNotification(NotifyType.InvalidSpi), { afterTurns: 0 }),
    'peer-notified-error',
    { dataPlaneTurns: 1 },
  ));

// Found by the fuzz (seed 12, run 3787): configureNetwork() emitted its 'network' event after
// the await without checking that the connection had failed meanwhile.
test('an error notification while the network is being configured ends the connection for good', () =>
  expectOutcome(
    'qm2',
    informational(isakmpNotification(NotifyType.InvalidSpi), { afterTurns: 1 }),
    'peer-notified-error',
    { dataPlaneTurns: 1 },
  ));

// A KE payload of the wrong length made the DH code throw a CryptoError, reported as
// 'internal' (fixed in connection.ts: toEngineError maps CryptoError). In Quick Mode, HASH(2)
// authenticates the bad value: a malformed response. In message 2 nothing is authenticated
// before HASH_R, which cannot be checked without a usable KE: the message is dropped and
// the gateway's answer to our retransmission connects (issue 11).
for (const [step, pfs, outcome] of [
  ['am2', false, 'connected'],
  ['qm2', true, 'malformed-response'],
] as const) {
  test(`a ${pfs ? 'PFS' : 'phase 1'} KE payload of the wrong length: ${outcome}`, () =>
    expectOutcome(
      step,
      {
        kind: 'payload',
        which: 0,
        edit: {
          op: 'insert',
          payload: { type: PayloadType.KeyExchange, body: { data: Buffer.from([1, 2, 3]) } },
        },
        placement: 'instead',
      },
      outcome,
      { pfs },
    ));
}
