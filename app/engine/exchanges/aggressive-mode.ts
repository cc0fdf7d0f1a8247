// Phase 1, aggressive mode with pre-shared key, initiator side (RFC 2409 5.4, 5):
//   1. HDR, SA, KE, Ni, IDii, VID...        ->
//   2.                                      <- HDR, SA, KE, Nr, IDir, VID..., NAT-D, NAT-D, HASH_R
//   3. HDR*, HASH_I, N(INITIAL-CONTACT), NAT-D, NAT-D ->
// The gateway proves it knows the group key with HASH_R; we prove it with HASH_I. With
// certificates (RFC 2409 5.1) CERT and SIG_R / SIG_I take their place, and message 1 carries a
// CR; hybrid mixes the two (app/engine/auth).
import type { Phase1Proposal } from '../proposals.js';
import { ExchangeType, PayloadType } from '../wire/constants.js';
import { type RawMessage, encodeMessage, findPayloads, requirePayload } from '../wire/message.js';
import {
  type OutgoingPayload,
  type ReceivedPayload,
  decodePayloadChain,
  encodePayloadBody,
} from '../wire/payloads.js';
import {
  chosenPhase1,
  idPayloadBody,
  initialContact,
  natDHashes,
  phase1Offer,
  vendorIdPayloads,
} from './phase1-parts.js';

export interface Message1Input {
  initiatorCookie: Buffer;
  proposals: Phase1Proposal[];
  authMethod: number;
  lifetimeSeconds: number;
  keyExchange: Buffer;
  nonce: Buffer;
  id: { idType: number; data: Buffer };
  /** CR payloads of a certificate method (app/engine/auth) */
  certificateRequests: OutgoingPayload[];
  vendorIds: Buffer[];
}

export interface Message1 {
  bytes: Buffer;
  /** SAi_b: the SA payload body, input to HASH_I / HASH_R */
  saBody: Buffer;
  /** IDii_b */
  idBody: Buffer;
}

export function buildMessage1(input: Message1Input): Message1 {
  const sa = phase1Offer(input.proposals, input.authMethod, input.lifetimeSeconds);
  const id = idPayloadBody(input.id);
  const payloads: OutgoingPayload[] = [
    { type: PayloadType.SA, body: sa },
    { type: PayloadType.KeyExchange, body: { data: input.keyExchange } },
    { type: PayloadType.Nonce, body: { data: input.nonce } },
    { type: PayloadType.Identification, body: id },
    ...input.certificateRequests,
    ...vendorIdPayloads(input.vendorIds),
  ];
  const bytes = encodeMessage(
    {
      initiatorCookie: input.initiatorCookie,
      responderCookie: Buffer.alloc(8),
      exchangeType: ExchangeType.Aggressive,
      flags: 0,
      messageId: 0,
    },
    payloads,
  );
  return {
    bytes,
    saBody: encodePayloadBody(PayloadType.SA, sa),
    idBody: encodePayloadBody(PayloadType.Identification, id),
  };
}

export interface Message2 {
  responderCookie: Buffer;
  chosen: Phase1Proposal;
  /** the gateway's lifetime for the IKE SA (seconds), ours when it sent none */
  lifetimeSeconds: number;
  keyExchange: Buffer;
  nonce: Buffer;
  /** IDir_b and its decoded form */
  idBody: Buffer;
  id: { idType: number; data: Buffer };
  vendorIds: Buffer[];
  natD: Buffer[];
  natDPayloadType: number;
  /** every payload, for the authenticator to find the gateway's proof (HASH_R, or CERT and
   * SIG_R) in */
  payloads: ReceivedPayload[];
}

/** Reads message 2 and finds which of our transforms the gateway chose. */
export function readMessage2(
  message: RawMessage,
  offered: Phase1Proposal[],
  ourLifetime: number,
): Message2 {
  const { payloads } = decodePayloadChain(message.header.firstPayload, message.body);
  const { chosen, lifetimeSeconds } = chosenPhase1(
    payloads,
    offered,
    ourLifetime,
    'aggressive mode message 2',
  );
  const natD = findPayloads(payloads, PayloadType.NatD);
  const id = requirePayload(payloads, PayloadType.Identification, 'aggressive mode message 2');
  return {
    responderCookie: message.header.responderCookie,
    chosen,
    lifetimeSeconds,
    keyExchange: requirePayload(payloads, PayloadType.KeyExchange, 'message 2').body.data,
    nonce: requirePayload(payloads, PayloadType.Nonce, 'message 2').body.data,
    idBody: id.bodyBytes,
    id: { idType: id.body.idType, data: id.body.data },
    vendorIds: findPayloads(payloads, PayloadType.VendorId).map((v) => v.body.data),
    natD: natDHashes(payloads),
    natDPayloadType: natD.length ? PayloadType.NatD : PayloadType.NatDDraft,
    payloads,
  };
}

/** Message 3's payloads (encrypted by the caller with the phase 1 IV): our proof (HASH_I, or
 * CERT and SIG_I); INITIAL-CONTACT only on a first connect (see initialContact). */
export function message3Payloads(
  proof: OutgoingPayload[],
  initiatorCookie: Buffer,
  responderCookie: Buffer,
  natD: OutgoingPayload[],
  sendInitialContact: boolean,
): OutgoingPayload[] {
  return [
    ...proof,
    ...(sendInitialContact ? [initialContact(initiatorCookie, responderCookie)] : []),
    ...natD,
  ];
}
