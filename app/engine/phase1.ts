// Phase 1 as one story. Main mode is its own task (exchanges/main-mode.ts); aggressive mode,
// here: offer each DH group in turn (aggressive mode fixes the group in message 1), verify the
// gateway's HASH_R, detect NAT, float to 4500 and send message 3.
import { randomBytes } from 'node:crypto';
import { EngineError } from './api.js';
import type { GatewayProof } from './auth/authenticator.js';
import { type Phase1Authenticator, createAuthenticator } from './auth/index.js';
import { toEngineError } from './engine-errors.js';
import { takeKeyExchange } from './crypto/index.js';
import { establishIkeSa } from './ike-sa-factory.js';
import {
  buildMessage1,
  message3Payloads,
  readMessage2,
  type Message2,
} from './exchanges/aggressive-mode.js';
import { runMainMode } from './exchanges/main-mode.js';
import {
  describeNatTraversal,
  endpointsOn,
  message3NatD,
  natDPayloads,
  natTraversalOfAnswer,
} from './exchanges/nat-d.js';
import { OUR_VENDOR_IDS, notificationOf } from './exchanges/phase1-parts.js';
import { notifyError } from './notify-errors.js';
import type { Phase1Deps, Phase1Result } from './phase1-task.js';
import type { IkeSa } from './ike-sa.js';
import { type Phase1Proposal, groupOffers, offeredIkeProposals } from './proposals.js';
import { ExchangeType, HeaderFlag, PayloadType } from './wire/constants.js';
import { type RawMessage, encodeHeader, encodeMessage } from './wire/message.js';
import { type OutgoingPayload, encodePayloadChain } from './wire/payloads.js';
import { nameVendorId } from './wire/vendor-ids.js';
import { UnprovenAnswers } from './unproven-answers.js';

export type { Phase1Deps, Phase1Result };

export function runPhase1(deps: Phase1Deps): Promise<Phase1Result> {
  return deps.profile.exchange === 'main' ? runMainMode(deps) : runAggressiveMode(deps);
}

async function runAggressiveMode(deps: Phase1Deps): Promise<Phase1Result> {
  const offers = groupOffers(offeredIkeProposals(deps.profile));
  // before message 1 leaves: a prompt for the group key or the client key's passphrase is
  // answered before the gateway waits
  const auth = await createAuthenticator({
    profile: deps.profile,
    groupPsk: deps.groupPsk,
    keyPassphrase: deps.credentials.keyPassphrase?.bind(deps.credentials),
  });
  deps.checkAborted();
  let lastRefusal: EngineError | undefined;
  for (const [index, offer] of offers.entries()) {
    const answer = await offerGroup(deps, offer, auth);
    if ('refusal' in answer) {
      lastRefusal = answer.refusal;
      const group = offer[0]?.group;
      const next = offers[index + 1]?.[0]?.group;
      deps.log.warn(
        'phase1',
        `the gateway, or someone on the path (the refusal is not authenticated), refused the offer with DH group ${group}${next ? `; offering group ${next} next, as the profile allows` : ''}: ${lastRefusal.message}`,
      );
      continue;
    }
    deps.onStep('am2-received');
    deps.log.info(
      'phase1',
      `${auth.psk ? 'the gateway proved the group key' : `the gateway proved it is ${answer.gateway.name}`}; chose ${answer.m2.chosen.text}`,
    );
    return finishAggressiveMode(deps, answer, auth.label);
  }
  throw lastRefusal ?? new EngineError('no-proposal-chosen', 'no phase 1 proposal to offer');
}

/** Message 2 whose HASH_R verified: the IKE SA it keys, and what message 3 needs. */
interface ProvenMessage2 extends ReturnType<typeof establishIkeSa> {
  message: RawMessage;
  m2: Message2;
  initiatorCookie: Buffer;
  /** how the gateway proved itself: its ID, or its certificate's subject */
  gateway: GatewayProof;
  /** our proof for message 3 (HASH_I, or CERT and SIG_I) */
  proof: OutgoingPayload[];
}

/** Message 1 with one DH group's proposals, and the gateway's answer: a message 2 that proves
 * the group key, or a refusal of the offer (NO-PROPOSAL-CHOSEN: the next group may do). */
async function offerGroup(
  deps: Phase1Deps,
  offer: Phase1Proposal[],
  auth: Phase1Authenticator,
): Promise<ProvenMessage2 | { refusal: EngineError }> {
  const { profile, messenger } = deps;
  const initiatorCookie = randomBytes(8);
  messenger.bindCookie(initiatorCookie);
  const dh = takeKeyExchange(offer[0]?.group ?? 14);
  const nonceI = randomBytes(32);
  const m1 = buildMessage1({
    initiatorCookie,
    proposals: offer,
    authMethod: auth.methodId,
    lifetimeSeconds: profile.ikeLifetimeSeconds,
    keyExchange: dh.publicValue,
    nonce: nonceI,
    id: auth.identity,
    certificateRequests: auth.certificateRequests,
    vendorIds: OUR_VENDOR_IDS,
  });
  // Until its HASH_R verifies, an answer is anyone's: a forged or damaged message 2 or a
  // cleartext refusal is dropped while the gateway's real answer may still come, and after
  // one the budget is one more retransmission. Only NO-PROPOSAL-CHOSEN moves on at once, and
  // only to the next group the profile offers: at worst a forger makes us use that one.
  const unproven = new UnprovenAnswers();
  let mismatched: { message: RawMessage; hashLength: number } | undefined;
  const authenticate = (message: RawMessage): ProvenMessage2 => {
    let m2: Message2;
    let ike: ReturnType<typeof establishIkeSa>;
    try {
      m2 = readMessage2(message, offer, profile.ikeLifetimeSeconds);
      ike = establishIkeSa({
        proposal: m2.chosen,
        psk: auth.psk,
        nonceI,
        nonceR: m2.nonce,
        sharedSecret: dh.computeShared(m2.keyExchange),
        keI: dh.publicValue,
        keR: m2.keyExchange,
        initiatorCookie,
        responderCookie: m2.responderCookie,
        saIBody: m1.saBody,
        authPrf: auth.authPrf,
        idIBody: m1.idBody,
        idRBody: m2.idBody,
        tap: deps.tapIkeSa,
      });
    } catch (error) {
      throw unproven.dropUnusable(error);
    }
    let gateway: GatewayProof;
    try {
      gateway = auth.verify(m2.payloads, ike.expectedHashR, m2.id);
    } catch (error) {
      mismatched = { message, hashLength: ike.hashI.length };
      throw unproven.drop(toEngineError(error));
    }
    return { message, m2, initiatorCookie, gateway, proof: auth.prove(ike.hashI), ...ike };
  };
  // request() sends before it first waits: the log and the event follow the message out.
  // Message 2 is in phase 1's exchange (message ID 0, RFC 2408 3.1); a refusal in clear comes
  // in an informational exchange with a message ID of the gateway's choosing.
  const answering = messenger.request(
    m1.bytes,
    (m) =>
      (m.header.exchangeType === ExchangeType.Aggressive && m.header.messageId === 0) ||
      m.header.exchangeType === ExchangeType.Informational,
    (message): ProvenMessage2 | { refusal: EngineError } => {
      const notification = notificationOf(message);
      if (!notification) return authenticate(message);
      const refusal = notifyError(notification.notifyType, 'phase1', false);
      if (refusal.code === 'no-proposal-chosen') return { refusal };
      throw unproven.drop(refusal);
    },
    'aggressive mode message 1',
    { triesAfterDrop: 1 },
  );
  deps.log.info('phase1', `aggressive mode offer: ${offer.map((p) => p.text).join(', ')}`);
  deps.onStep('am1-sent');
  try {
    return await answering;
  } catch (error) {
    if (!(error instanceof EngineError && error.code === 'timeout')) throw error;
    const verdict = unproven.verdict();
    if (!verdict)
      throw new EngineError(
        'gateway-unreachable',
        `${error.message}: is the gateway address right and UDP 500 open?`,
      );
    // Make the gateway drop its half-open SA now rather than after its retransmissions: a
    // cleartext message 3 (RFC 2409 5.4 allows it) whose HASH_I is random, so it fails there
    // too. The real HASH_I would let a peer that never proved the key test guesses offline.
    if (mismatched) {
      const { header } = mismatched.message;
      messenger.send(bogusMessage3(initiatorCookie, header.responderCookie, mismatched.hashLength));
    }
    throw verdict;
  }
}

/** After message 2: the NAT-T decision, the float to 4500 and message 3 (HASH_I). */
function finishAggressiveMode(
  deps: Phase1Deps,
  proven: ProvenMessage2,
  authMethod: string,
): Phase1Result {
  const { profile, messenger } = deps;
  const { m2, sa, initiatorCookie } = proven;
  const peerVendorIds = m2.vendorIds.map(nameVendorId);
  messenger.fragmentation.setPeerReassembles(peerVendorIds.includes('fragmentation'));
  const cookies = { initiator: initiatorCookie, responder: m2.responderCookie };
  const gateway = {
    address: deps.gatewayAddress,
    port: profile.gatewayPort,
    nattPort: profile.gatewayNattPort,
  };
  const nat = natTraversalOfAnswer(profile.natTraversal, peerVendorIds, {
    hash: m2.chosen.hash,
    cookies,
    natD: m2.natD,
    // message 2 came on the leg message 1 took (NAT-T's on a re-authentication after a float)
    arrived: endpointsOn(messenger.currentLeg, deps.channel, gateway),
  });
  deps.log.info('phase1', describeNatTraversal(nat));
  messenger.floatToNatt();
  // message 3 leaves from the NAT-T ports (hashing the port-500 pair made strongSwan see a
  // NAT where there was none)
  const natD = message3NatD(
    m2.chosen.hash,
    cookies,
    endpointsOn('natt', deps.channel, gateway),
    nat.forced,
  );
  const payloads = message3Payloads(
    proven.proof,
    initiatorCookie,
    m2.responderCookie,
    natDPayloads(nat.mode, natD),
    deps.initialContact,
  );
  messenger.answer(proven.message, sealMessage3(sa, cookies, payloads));
  deps.onStep('am3-sent');
  return {
    sa,
    chosen: m2.chosen,
    lifetimeSeconds: Math.min(m2.lifetimeSeconds, profile.ikeLifetimeSeconds),
    nat,
    peerVendorIds,
    peerId: proven.gateway.name,
    dpdSupported: peerVendorIds.includes('dpd'),
    authMethod,
    authWarnings: proven.gateway.warnings,
  };
}

/** Message 3, encrypted with the new IKE SA on phase 1's IV chain (message ID 0). */
function sealMessage3(
  sa: IkeSa,
  cookies: { initiator: Buffer; responder: Buffer },
  payloads: OutgoingPayload[],
): Buffer {
  const chain = encodePayloadChain(payloads);
  const ciphertext = sa.encrypt(0, chain.bytes);
  const header = encodeHeader(
    {
      initiatorCookie: cookies.initiator,
      responderCookie: cookies.responder,
      firstPayload: chain.firstPayload,
      exchangeType: ExchangeType.Aggressive,
      flags: HeaderFlag.Encryption,
      messageId: 0,
    },
    ciphertext.length,
  );
  return Buffer.concat([header, ciphertext]);
}

/** Message 3 in clear with a random HASH_I: a refusal the gateway acts on at once. */
function bogusMessage3(
  initiatorCookie: Buffer,
  responderCookie: Buffer,
  hashLength: number,
): Buffer {
  return encodeMessage(
    {
      initiatorCookie,
      responderCookie,
      exchangeType: ExchangeType.Aggressive,
      flags: 0,
      messageId: 0,
    },
    [{ type: PayloadType.Hash, body: { data: randomBytes(hashLength) } }],
  );
}
