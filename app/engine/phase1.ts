// Phase 1 as one story: offer each DH group in turn (aggressive mode fixes the group in
// message 1), verify the gateway's HASH_R, detect NAT, float to 4500 and send message 3.
import { randomBytes } from 'node:crypto';
import type { IkeChannel } from '../shared/dataplane-port.js';
import type { Profile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import { EngineError } from './api.js';
import { takeKeyExchange } from './crypto/index.js';
import { type AggressiveModeKeys, establishIkeSa } from './ike-sa-factory.js';
import type { IkeSa } from './ike-sa.js';
import type { Logger } from './logger.js';
import type { Messenger } from './messenger.js';
import {
  buildMessage1,
  message3Payloads,
  notificationOf,
  readMessage2,
  verifyHashR,
} from './exchanges/aggressive-mode.js';
import { type NatState, detectNat, message3NatD } from './exchanges/nat-d.js';
import { notifyError } from './notify-errors.js';
import {
  type Phase1Proposal,
  groupOffers,
  offeredIkeProposals,
  phase1AuthMethodId,
} from './proposals.js';
import { ExchangeType, HeaderFlag, IdType, PayloadType } from './wire/constants.js';
import { encodeHeader, encodeMessage } from './wire/message.js';
import { encodePayloadChain } from './wire/payloads.js';
import { VendorId, nameVendorId } from './wire/vendor-ids.js';

export interface Phase1Result {
  sa: IkeSa;
  chosen: Phase1Proposal;
  lifetimeSeconds: number;
  nat: NatState & { mode: 'rfc3947' | 'draft'; forced: boolean };
  peerVendorIds: string[];
  peerId: string;
  dpdSupported: boolean;
}

export interface Phase1Deps {
  profile: Profile;
  channel: IkeChannel;
  messenger: Messenger;
  log: Logger;
  /** asked for by the caller, awaited once message 1 is built (reading it overlaps that) */
  groupPsk: Promise<Secret>;
  /** throws once the connection is being cancelled (a prompt for the key may take long) */
  checkAborted(): void;
  gatewayAddress: string;
  /** false when re-authenticating: the current SAs must survive (see message3Payloads) */
  initialContact: boolean;
  onStep(step: 'am1-sent' | 'am2-received' | 'am3-sent'): void;
}

/** RFC 2407 4.6.2: the identity we send in aggressive mode. */
function ourIdentity(profile: Profile): { idType: number; data: Buffer } {
  switch (profile.idType) {
    case 'fqdn':
      return { idType: IdType.Fqdn, data: Buffer.from(profile.group) };
    case 'user-fqdn':
      return { idType: IdType.UserFqdn, data: Buffer.from(profile.group) };
    case 'ipv4':
      return { idType: IdType.Ipv4Addr, data: Buffer.from(profile.group.split('.').map(Number)) };
    default:
      return { idType: IdType.KeyId, data: Buffer.from(profile.group) };
  }
}

const OUR_VENDOR_IDS = [
  VendorId.xauth,
  VendorId.ciscoUnity,
  VendorId.dpd,
  VendorId.natTRfc3947,
  VendorId.natTDraft03,
  VendorId.natTDraft02n,
  VendorId.natTDraft02,
];

function describeId(id: { idType: number; data: Buffer }): string {
  if (id.idType === IdType.Ipv4Addr && id.data.length === 4) return [...id.data].join('.');
  return id.data.toString('utf8');
}

export async function runPhase1(deps: Phase1Deps): Promise<Phase1Result> {
  const { profile, messenger, log } = deps;
  const offers = groupOffers(offeredIkeProposals(profile));
  const authMethod = phase1AuthMethodId(profile.authMethod);
  let lastRefusal: EngineError | undefined;
  for (const offer of offers) {
    const initiatorCookie = randomBytes(8);
    messenger.bindCookie(initiatorCookie);
    const group = offer[0]?.group ?? 14;
    const dh = takeKeyExchange(group);
    const nonceI = randomBytes(32);
    const m1 = buildMessage1({
      initiatorCookie,
      proposals: offer,
      authMethod,
      lifetimeSeconds: profile.ikeLifetimeSeconds,
      keyExchange: dh.publicValue,
      nonce: nonceI,
      id: ourIdentity(profile),
      vendorIds: OUR_VENDOR_IDS,
    });
    // awaited before message 1 leaves: a prompt for the key is answered before the gateway waits
    const groupPsk = await deps.groupPsk;
    deps.checkAborted();
    // request() sends before it first waits: the log and the event follow the message out
    const answering = messenger.request(
      m1.bytes,
      (m) =>
        m.header.exchangeType === ExchangeType.Aggressive ||
        m.header.exchangeType === ExchangeType.Informational,
      'aggressive mode message 1',
    );
    log.info('phase1', `aggressive mode offer: ${offer.map((p) => p.text).join(', ')}`);
    deps.onStep('am1-sent');
    let answer;
    try {
      answer = await answering;
    } catch (error) {
      if (error instanceof EngineError && error.code === 'timeout') {
        throw new EngineError(
          'gateway-unreachable',
          `${error.message}: is the gateway address right and UDP 500 open?`,
        );
      }
      throw error;
    }
    const refusal = notificationOf(answer);
    if (refusal) {
      lastRefusal = notifyError(refusal.notifyType, 'phase1');
      log.warn('phase1', `the gateway refused the offer: ${lastRefusal.message}`);
      if (lastRefusal.code === 'no-proposal-chosen') continue;
      throw lastRefusal;
    }
    const m2 = readMessage2(answer, offer, profile.ikeLifetimeSeconds);
    deps.onStep('am2-received');
    const sharedSecret = dh.computeShared(m2.keyExchange);
    const keys: AggressiveModeKeys = {
      proposal: m2.chosen,
      psk: groupPsk,
      nonceI,
      nonceR: m2.nonce,
      sharedSecret,
      keI: dh.publicValue,
      keR: m2.keyExchange,
      initiatorCookie,
      responderCookie: m2.responderCookie,
      saIBody: m1.saBody,
      idIBody: m1.idBody,
      idRBody: m2.idBody,
    };
    const { sa, hashI, expectedHashR } = establishIkeSa(keys);
    try {
      verifyHashR(expectedHashR, m2.hashR);
    } catch (error) {
      // Make the gateway drop its half-open SA now rather than after its retransmissions: a
      // cleartext message 3 (RFC 2409 5.4 allows it) whose HASH_I is random, so it fails there
      // too. The real HASH_I would let a peer that never proved the key test guesses offline.
      messenger.answer(answer, bogusMessage3(initiatorCookie, m2.responderCookie, hashI.length));
      throw error;
    }
    log.info('phase1', `the gateway proved the group key; chose ${m2.chosen.text}`);

    const peerVendorIds = m2.vendorIds.map(nameVendorId);
    const natMode = peerVendorIds.includes('natTRfc3947')
      ? 'rfc3947'
      : peerVendorIds.some((v) => v.startsWith('natTDraft'))
        ? 'draft'
        : undefined;
    const cookies = { initiator: initiatorCookie, responder: m2.responderCookie };
    const endpoints = {
      localAddress: deps.channel.localAddress,
      localPort: deps.channel.localPort,
      gatewayAddress: deps.gatewayAddress,
      gatewayPort: profile.gatewayPort,
    };
    const detected = natMode ? detectNat(m2.chosen.hash, cookies, m2.natD, endpoints) : undefined;
    const forced = profile.natTraversal === 'force';
    if (
      !natMode ||
      profile.natTraversal === 'disabled' ||
      (!forced && !detected?.localBehindNat && !detected?.peerBehindNat)
    ) {
      throw new EngineError(
        'config-invalid',
        !natMode
          ? 'the gateway does not support NAT traversal, and this client carries ESP only inside UDP (RFC 3948)'
          : 'no NAT between us and the gateway and NAT-T is not forced: this client carries ESP only inside UDP, so set NAT traversal to "force"',
      );
    }
    log.info(
      'phase1',
      `NAT-T (${natMode}): we are ${detected?.localBehindNat ? '' : 'not '}behind a NAT, the gateway is ${detected?.peerBehindNat ? '' : 'not '}behind one${forced ? '; UDP encapsulation forced' : ''}`,
    );
    messenger.floatToNatt();
    const natD = message3NatD(m2.chosen.hash, cookies, endpoints, forced);
    const chain = encodePayloadChain(
      message3Payloads(
        hashI,
        initiatorCookie,
        m2.responderCookie,
        {
          payloadType: natMode === 'rfc3947' ? PayloadType.NatD : PayloadType.NatDDraft,
          hashes: natD,
        },
        deps.initialContact,
      ),
    );
    const ciphertext = sa.encrypt(0, chain.bytes);
    const header = encodeHeader(
      {
        initiatorCookie,
        responderCookie: m2.responderCookie,
        firstPayload: chain.firstPayload,
        exchangeType: ExchangeType.Aggressive,
        flags: HeaderFlag.Encryption,
        messageId: 0,
      },
      ciphertext.length,
    );
    messenger.answer(answer, Buffer.concat([header, ciphertext]));
    deps.onStep('am3-sent');
    return {
      sa,
      chosen: m2.chosen,
      lifetimeSeconds: Math.min(m2.lifetimeSeconds, profile.ikeLifetimeSeconds),
      nat: {
        mode: natMode,
        forced,
        localBehindNat: detected?.localBehindNat ?? false,
        peerBehindNat: detected?.peerBehindNat ?? false,
      },
      peerVendorIds,
      peerId: describeId(m2.id),
      dpdSupported: peerVendorIds.includes('dpd'),
    };
  }
  throw lastRefusal ?? new EngineError('no-proposal-chosen', 'no phase 1 proposal to offer');
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
