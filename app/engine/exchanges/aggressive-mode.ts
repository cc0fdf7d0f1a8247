// Phase 1, aggressive mode with pre-shared key, initiator side (RFC 2409 5.4, 5):
//   1. HDR, SA, KE, Ni, IDii, VID...        ->
//   2.                                      <- HDR, SA, KE, Nr, IDir, VID..., NAT-D, NAT-D, HASH_R
//   3. HDR*, HASH_I, N(INITIAL-CONTACT), NAT-D, NAT-D ->
// The gateway proves it knows the group key with HASH_R; we prove it with HASH_I.
import { timingSafeEqual } from 'node:crypto';
import { EngineError } from '../api.js';
import { type Phase1Proposal, hashNameOf, phase1Attributes } from '../proposals.js';
import { attributeNumber } from '../wire/attributes.js';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  Phase1Attr,
  Phase1Encryption,
  PayloadType,
  ProtocolId,
  SIT_IDENTITY_ONLY,
  TRANSFORM_KEY_IKE,
} from '../wire/constants.js';
import { type RawMessage, encodeMessage, findPayloads, requirePayload } from '../wire/message.js';
import {
  type NotificationBody,
  type OutgoingPayload,
  type SaBody,
  decodePayloadChain,
  encodePayloadBody,
} from '../wire/payloads.js';

export interface Message1Input {
  initiatorCookie: Buffer;
  proposals: Phase1Proposal[];
  authMethod: number;
  lifetimeSeconds: number;
  keyExchange: Buffer;
  nonce: Buffer;
  id: { idType: number; data: Buffer };
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
  const sa: SaBody = {
    doi: DOI_IPSEC,
    situation: SIT_IDENTITY_ONLY,
    proposals: [
      {
        number: 1,
        protocolId: ProtocolId.Isakmp,
        spi: Buffer.alloc(0),
        transforms: input.proposals.map((p, index) => ({
          number: index + 1,
          transformId: TRANSFORM_KEY_IKE,
          attributes: phase1Attributes(p, input.authMethod, input.lifetimeSeconds),
        })),
      },
    ],
  };
  const id = { idType: input.id.idType, protocolId: 0, port: 0, data: input.id.data };
  const payloads: OutgoingPayload[] = [
    { type: PayloadType.SA, body: sa },
    { type: PayloadType.KeyExchange, body: { data: input.keyExchange } },
    { type: PayloadType.Nonce, body: { data: input.nonce } },
    { type: PayloadType.Identification, body: id },
    ...input.vendorIds.map((data): OutgoingPayload => ({
      type: PayloadType.VendorId,
      body: { data },
    })),
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
  hashR: Buffer;
}

/** The gateway refused in one of the ways a Notification can say (RFC 2408 3.14.1). */
export function notificationOf(message: RawMessage): NotificationBody | undefined {
  if (message.header.exchangeType !== ExchangeType.Informational || message.header.flags & 1) {
    return undefined;
  }
  try {
    const chain = decodePayloadChain(message.header.firstPayload, message.body);
    return findPayloads(chain.payloads, PayloadType.Notification)[0]?.body;
  } catch {
    return undefined;
  }
}

/** Reads message 2 and finds which of our transforms the gateway chose. */
export function readMessage2(
  message: RawMessage,
  offered: Phase1Proposal[],
  ourLifetime: number,
): Message2 {
  const { payloads } = decodePayloadChain(message.header.firstPayload, message.body);
  const sa = requirePayload(payloads, PayloadType.SA, 'aggressive mode message 2').body;
  const transform = sa.proposals[0]?.transforms[0];
  if (!transform || sa.proposals.length !== 1 || sa.proposals[0]?.transforms.length !== 1) {
    throw new EngineError(
      'malformed-response',
      'the gateway must choose exactly one phase 1 transform',
    );
  }
  const attrs = new Map(transform.attributes.map((a) => [a.type, a]));
  const value = (type: number) => {
    const attr = attrs.get(type);
    return attr ? attributeNumber(attr) : undefined;
  };
  const cipher = value(Phase1Attr.EncryptionAlgorithm) === Phase1Encryption.AesCbc ? 'aes' : '3des';
  const keyBits = cipher === 'aes' ? value(Phase1Attr.KeyLength) : 192;
  const hash = hashNameOf(value(Phase1Attr.HashAlgorithm) ?? -1);
  const group = value(Phase1Attr.GroupDescription);
  const chosen = offered.find(
    (p) => p.cipher === cipher && p.keyBits === keyBits && p.hash === hash && p.group === group,
  );
  if (!chosen) {
    throw new EngineError(
      'malformed-response',
      'the gateway chose a phase 1 transform we did not offer',
    );
  }
  const natD = findPayloads(payloads, PayloadType.NatD);
  const natDDraft = findPayloads(payloads, PayloadType.NatDDraft);
  const id = requirePayload(payloads, PayloadType.Identification, 'aggressive mode message 2');
  return {
    responderCookie: message.header.responderCookie,
    chosen,
    lifetimeSeconds: value(Phase1Attr.LifeDuration) ?? ourLifetime,
    keyExchange: requirePayload(payloads, PayloadType.KeyExchange, 'message 2').body.data,
    nonce: requirePayload(payloads, PayloadType.Nonce, 'message 2').body.data,
    idBody: id.bodyBytes,
    id: { idType: id.body.idType, data: id.body.data },
    vendorIds: findPayloads(payloads, PayloadType.VendorId).map((v) => v.body.data),
    natD: (natD.length ? natD : natDDraft).map((p) => p.body.data),
    natDPayloadType: natD.length ? PayloadType.NatD : PayloadType.NatDDraft,
    hashR: requirePayload(payloads, PayloadType.Hash, 'message 2').body.data,
  };
}

/** The gateway's HASH_R proves it knows the group key (RFC 2409 5.4). */
export function hashRVerifies(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

export function hashRMismatch(): EngineError {
  return new EngineError(
    'group-psk-rejected',
    'the gateway could not prove it knows the group key (HASH_R mismatch): the group pre-shared key is probably wrong',
  );
}

/** Message 3's payloads (encrypted by the caller with the phase 1 IV). INITIAL-CONTACT only
 * on a first connect: on re-authentication it would make the gateway drop the SAs that keep
 * the tunnel up until the new ones are in place. */
export function message3Payloads(
  hashI: Buffer,
  initiatorCookie: Buffer,
  responderCookie: Buffer,
  natD: { payloadType: number; hashes: Buffer[] } | undefined,
  initialContact: boolean,
): OutgoingPayload[] {
  const payloads: OutgoingPayload[] = [{ type: PayloadType.Hash, body: { data: hashI } }];
  if (initialContact)
    payloads.push({
      // RFC 2407 4.6.3.3: INITIAL-CONTACT tells the gateway to drop stale SAs of ours
      type: PayloadType.Notification,
      body: {
        doi: DOI_IPSEC,
        protocolId: ProtocolId.Isakmp,
        notifyType: NotifyType.InitialContact,
        spi: Buffer.concat([initiatorCookie, responderCookie]),
        data: Buffer.alloc(0),
      },
    });
  for (const data of natD?.hashes ?? []) {
    payloads.push({
      type: natD?.payloadType === PayloadType.NatD ? PayloadType.NatD : PayloadType.NatDDraft,
      body: { data },
    });
  }
  return payloads;
}
