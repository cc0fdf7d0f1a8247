// Phase 1, main mode, initiator side (RFC 2409 5, 5.1, 5.4; NAT-T per RFC 3947 3 and 4):
//   1. HDR, SA, VID...                      ->
//   2.                                      <- HDR, SA, VID...
//   3. HDR, KE, Ni, [CR,] NAT-D, NAT-D      ->
//   4.                                      <- HDR, KE, Nr, [CR,] NAT-D, NAT-D
//      both sides float to UDP 4500
//   5. HDR*, IDii, HASH_I | CERT, SIG_I [, N(INITIAL-CONTACT)] ->
//   6.                                      <- HDR*, IDir, HASH_R | CERT, SIG_R
// The authentication method's authenticator (app/engine/auth) builds and checks the proofs:
// HASH with a group key, CERT and SIG with signatures; hybrid mixes the two.
// Identities travel encrypted with the phase 1 IV (RFC 2409 appendix B), so the gateway picks
// the pre-shared key before it knows ours: by our address, or (strongSwan) by searching its
// configurations, which finds the group name sent as ID_KEY_ID. Every group is offered in
// message 1: the key exchange comes only after the gateway chose one.
// Nothing before message 6 is authenticated: messages 2 and 4 are taken as they come (a forger
// can make the handshake fail, which anyone on the path can), message 6 only once its HASH_R
// verifies, as aggressive mode's message 2.
import { randomBytes } from 'node:crypto';
import { EngineError } from '../api.js';
import { takeKeyExchange } from '../crypto/index.js';
import { deriveIkeSa } from '../ike-sa-factory.js';
import type { Messenger } from '../messenger.js';
import { type Phase1Authenticator, createAuthenticator } from '../auth/index.js';
import { notifyError } from '../notify-errors.js';
import type { Phase1Deps, Phase1Result } from '../phase1-task.js';
import { offeredIkeProposals } from '../proposals.js';
import { UnprovenAnswers } from '../unproven-answers.js';
import { ExchangeType, HeaderFlag, NotifyType, PayloadType } from '../wire/constants.js';
import {
  type RawMessage,
  encodeHeader,
  encodeMessage,
  findPayloads,
  requirePayload,
} from '../wire/message.js';
import {
  type OutgoingPayload,
  type ReceivedPayload,
  decodePayloadChain,
  encodePayloadBody,
  encodePayloadChain,
} from '../wire/payloads.js';
import { nameVendorId } from '../wire/vendor-ids.js';
import {
  describeNatTraversal,
  endpointsOn,
  message3NatD,
  natDPayloads,
  natTModeOf,
  natTraversalOfAnswer,
} from './nat-d.js';
import {
  OUR_VENDOR_IDS,
  chosenPhase1,
  idPayloadBody,
  initialContact,
  natDHashes,
  notificationOf,
  phase1Offer,
  vendorIdPayloads,
} from './phase1-parts.js';

export async function runMainMode(deps: Phase1Deps): Promise<Phase1Result> {
  const { profile, messenger, log } = deps;
  const offered = offeredIkeProposals(profile);
  const initiatorCookie = randomBytes(8);
  messenger.bindCookie(initiatorCookie);
  // before message 1 leaves: a prompt for the group key or the client key's passphrase is
  // answered before the gateway waits
  const auth = await createAuthenticator({
    profile,
    groupPsk: deps.groupPsk,
    keyPassphrase: deps.credentials.keyPassphrase?.bind(deps.credentials),
  });
  deps.checkAborted();
  const offer = phase1Offer(offered, auth.methodId, profile.ikeLifetimeSeconds);
  const clear = (responderCookie: Buffer, payloads: OutgoingPayload[]) =>
    encodeMessage(
      {
        initiatorCookie,
        responderCookie,
        exchangeType: ExchangeType.IdentityProtection,
        flags: 0,
        messageId: 0,
      },
      payloads,
    );
  const m1 = clear(Buffer.alloc(8), [
    { type: PayloadType.SA, body: offer },
    ...vendorIdPayloads(OUR_VENDOR_IDS),
  ]);

  log.info('phase1', `main mode offer: ${offered.map((p) => p.text).join(', ')}`);
  const m2 = await step(deps, {
    request: m1,
    what: 'main mode message 1',
    onSent: () => deps.onStep('am1-sent'),
    refusal: earlyRefusal,
    read: (message) => {
      const payloads = cleartext(message);
      return {
        responderCookie: message.header.responderCookie,
        ...chosenPhase1(payloads, offered, profile.ikeLifetimeSeconds, 'main mode message 2'),
        peerVendorIds: findPayloads(payloads, PayloadType.VendorId).map((v) =>
          nameVendorId(v.body.data),
        ),
      };
    },
  });
  deps.onStep('am2-received');
  const { chosen, responderCookie, peerVendorIds } = m2;
  messenger.fragmentation.setPeerReassembles(peerVendorIds.includes('fragmentation'));
  const cookies = { initiator: initiatorCookie, responder: responderCookie };
  // RFC 3947 3.2: NAT-D hashes the ports messages 3 and 4 travel between: 500, or the NAT-T
  // ports when a re-authentication starts on the leg the old IKE SA floated to
  const endpoints = endpointsOn(messenger.currentLeg, deps.channel, {
    address: deps.gatewayAddress,
    port: profile.gatewayPort,
    nattPort: profile.gatewayNattPort,
  });
  const natTMode = natTModeOf(peerVendorIds);
  const forced = profile.natTraversal === 'force';
  log.info('phase1', `the gateway chose ${chosen.text}`);

  const dh = takeKeyExchange(chosen.group);
  const nonceI = randomBytes(32);
  const m3 = clear(responderCookie, [
    { type: PayloadType.KeyExchange, body: { data: dh.publicValue } },
    { type: PayloadType.Nonce, body: { data: nonceI } },
    ...auth.certificateRequests,
    ...(natTMode
      ? natDPayloads(natTMode, message3NatD(chosen.hash, cookies, endpoints, forced))
      : []),
  ]);
  const m4 = await step(deps, {
    request: m3,
    responderCookie,
    what: 'main mode message 3',
    refusal: earlyRefusal,
    read: (message) => {
      const payloads = cleartext(message);
      const keR = requirePayload(payloads, PayloadType.KeyExchange, 'main mode message 4').body;
      return {
        keR: keR.data,
        nonceR: requirePayload(payloads, PayloadType.Nonce, 'main mode message 4').body.data,
        sharedSecret: dh.computeShared(keR.data),
        natD: natDHashes(payloads),
      };
    },
  });
  const nat = natTraversalOfAnswer(profile.natTraversal, peerVendorIds, {
    hash: chosen.hash,
    cookies,
    natD: m4.natD,
    arrived: endpoints,
  });
  log.info('phase1', describeNatTraversal(nat));
  const { sa, hashI, hashR } = deriveIkeSa({
    proposal: chosen,
    psk: auth.psk,
    nonceI,
    nonceR: m4.nonceR,
    sharedSecret: m4.sharedSecret,
    keI: dh.publicValue,
    keR: m4.keR,
    initiatorCookie,
    responderCookie,
    saIBody: encodePayloadBody(PayloadType.SA, offer),
    authPrf: auth.authPrf,
    tap: deps.tapIkeSa,
  });

  // RFC 3947 4: the initiator moves to port 4500 with the message that carries its identity
  messenger.floatToNatt();
  const idI = idPayloadBody(auth.identity);
  const chain = encodePayloadChain([
    { type: PayloadType.Identification, body: idI },
    ...auth.prove(hashI(encodePayloadBody(PayloadType.Identification, idI))),
    ...(deps.initialContact ? [initialContact(initiatorCookie, responderCookie)] : []),
  ]);
  const ciphertext = sa.encrypt(0, chain.bytes);
  const m5 = Buffer.concat([
    encodeHeader(
      {
        initiatorCookie,
        responderCookie,
        firstPayload: chain.firstPayload,
        exchangeType: ExchangeType.IdentityProtection,
        flags: HeaderFlag.Encryption,
        messageId: 0,
      },
      ciphertext.length,
    ),
    ciphertext,
  ]);
  const m6 = await step(deps, {
    request: m5,
    responderCookie,
    what: 'main mode message 5',
    // only a gateway that took our identity and proof answers
    silence: () => unansweredIdentity(auth, m5, messenger),
    refusal: (type) => identityRefusal(type, auth),
    read: (message) => {
      if (!(message.header.flags & HeaderFlag.Encryption))
        throw new EngineError('malformed-response', 'main mode message 6 is not encrypted');
      const decrypted = sa.decrypt(0, message.body);
      const { payloads } = decodePayloadChain(message.header.firstPayload, decrypted.plaintext);
      const id = requirePayload(payloads, PayloadType.Identification, 'main mode message 6');
      const gateway = auth.verify(payloads, hashR(id.bodyBytes), id.body);
      decrypted.commit();
      return gateway;
    },
  });
  deps.onStep('am3-sent');
  log.info(
    'phase1',
    auth.psk ? 'the gateway proved the group key' : `the gateway proved it is ${m6.name}`,
  );
  return {
    sa,
    chosen,
    lifetimeSeconds: Math.min(m2.lifetimeSeconds, profile.ikeLifetimeSeconds),
    nat,
    peerVendorIds,
    peerId: m6.name,
    dpdSupported: peerVendorIds.includes('dpd'),
    authMethod: auth.label,
    authWarnings: m6.warnings,
  };
}

function cleartext(message: RawMessage): ReceivedPayload[] {
  if (message.header.flags & HeaderFlag.Encryption)
    throw new EngineError('malformed-response', 'an encrypted answer before the keys exist');
  return decodePayloadChain(message.header.firstPayload, message.body).payloads;
}

/** Silence after message 5 is how strongSwan refuses our proof; with a certificate the message
 * may instead never have arrived, when it went whole over a path that drops IP fragments. */
function unansweredIdentity(
  auth: Phase1Authenticator,
  message5: Buffer,
  messenger: Messenger,
): EngineError {
  const refused = auth.refused();
  if (!messenger.fragmentation.sentWholeOversize(message5, messenger.currentLeg)) return refused;
  return new EngineError(
    refused.code,
    `${refused.message}; or it never arrived: our message 5 (${message5.length} bytes) went whole, as IP fragments on most paths, because the gateway offered no IKE fragmentation, and some paths drop IP fragments`,
    { authenticated: false },
  );
}

/** A refusal of our identity (message 5) proves nothing, but says what went wrong. strongSwan,
 * when its key is another, cannot read our message 5 and answers with an informational message
 * encrypted with its keys, which ours cannot read either. */
function identityRefusal(type: number | undefined, auth: Phase1Authenticator): EngineError {
  if (!auth.psk && type !== NotifyType.InvalidIdInformation) return auth.refused();
  if (type === undefined)
    return new EngineError(
      'group-psk-rejected',
      'the gateway answered our identity with a message our keys cannot read: the group pre-shared key is probably wrong',
      { authenticated: false },
    );
  return type === NotifyType.InvalidIdInformation
    ? notifyError(type, 'phase1', false)
    : notifyError(NotifyType.AuthenticationFailed, 'after-phase1', false);
}

/** Before message 5 there are no keys: an encrypted notification is someone else's. */
function earlyRefusal(type: number | undefined): EngineError {
  return type === undefined
    ? new EngineError('malformed-response', 'an encrypted notification before keys exist')
    : notifyError(type, 'phase1', false);
}

interface Step<T> {
  request: Buffer;
  /** the gateway's cookie, once it chose one: its answers carry it */
  responderCookie?: Buffer;
  what: string;
  onSent?: () => void;
  /** what a cleartext notification claims (undefined: an encrypted one we cannot read) */
  refusal: (notifyType: number | undefined) => EngineError;
  /** what no answer at all means, when more than "unreachable" */
  silence?: () => EngineError;
  /** the answer's content; throws when the answer is unusable */
  read: (message: RawMessage) => T;
}

/** Sends one of our messages and waits for the gateway's answer. An answer that is damaged, or
 * a cleartext refusal, is dropped while the real one may still come (one more retransmission);
 * only a refusal of every proposal ends it at once. */
async function step<T>(deps: Phase1Deps, s: Step<T>): Promise<T> {
  const messenger: Messenger = deps.messenger;
  const unproven = new UnprovenAnswers();
  const answering = messenger.request(
    s.request,
    (m) =>
      (m.header.exchangeType === ExchangeType.IdentityProtection ||
        m.header.exchangeType === ExchangeType.Informational) &&
      (!s.responderCookie || m.header.responderCookie.equals(s.responderCookie)),
    (message) => {
      if (message.header.exchangeType === ExchangeType.Informational) {
        const refusal = s.refusal(notificationOf(message)?.notifyType);
        if (refusal.code === 'no-proposal-chosen') throw refusal;
        throw unproven.drop(refusal);
      }
      try {
        return s.read(message);
      } catch (error) {
        throw unproven.dropUnusable(error);
      }
    },
    s.what,
    { triesAfterDrop: 1 },
  );
  s.onSent?.();
  try {
    return await answering;
  } catch (error) {
    if (!(error instanceof EngineError && error.code === 'timeout')) throw error;
    const verdict = unproven.verdict() ?? s.silence?.();
    if (verdict) throw verdict;
    throw new EngineError(
      'gateway-unreachable',
      `${error.message}: is the gateway address right and UDP ${messenger.currentLeg === 'natt' ? deps.profile.gatewayNattPort : deps.profile.gatewayPort} open?`,
    );
  }
}
