// What aggressive and main mode share (RFC 2409 5): the SA payload we offer and the transform
// the gateway chose from it, our identity and vendor IDs, the HASH_R check, INITIAL-CONTACT and
// the cleartext refusals a gateway answers with before phase 1 is authenticated.
import { timingSafeEqual } from 'node:crypto';
import { addressBytes } from '../../shared/address-bytes.js';
import { bytesToIpv6 } from '../../shared/net6.js';
import type { Profile } from '../../shared/profile.js';
import { EngineError } from '../api.js';
import { type Phase1Proposal, hashNameOf, phase1Attributes } from '../proposals.js';
import { attributeNumber } from '../wire/attributes.js';
import {
  DOI_IPSEC,
  ExchangeType,
  IdType,
  NotifyType,
  Phase1Attr,
  Phase1Encryption,
  PayloadType,
  ProtocolId,
  SIT_IDENTITY_ONLY,
  TRANSFORM_KEY_IKE,
} from '../wire/constants.js';
import { type RawMessage, findPayloads, requirePayload } from '../wire/message.js';
import {
  type NotificationBody,
  type OutgoingPayload,
  type ReceivedPayload,
  type SaBody,
  decodePayloadChain,
} from '../wire/payloads.js';
import { VendorId } from '../wire/vendor-ids.js';

export interface Identity {
  idType: number;
  data: Buffer;
}

/** RFC 2407 4.6.2: the identity we send, the group name by default (ID_KEY_ID). */
export function ourIdentity(profile: Profile): Identity {
  switch (profile.idType) {
    case 'fqdn':
      return { idType: IdType.Fqdn, data: Buffer.from(profile.group) };
    case 'user-fqdn':
      return { idType: IdType.UserFqdn, data: Buffer.from(profile.group) };
    case 'ipv4':
    case 'ipv6': {
      const id = addressIdentity(profile.group);
      const wanted = profile.idType === 'ipv6' ? IdType.Ipv6Addr : IdType.Ipv4Addr;
      if (id?.idType !== wanted)
        throw new EngineError(
          'config-invalid',
          `the identity type is ${profile.idType}, but the group ${JSON.stringify(profile.group)} is no ${profile.idType === 'ipv6' ? 'IPv6' : 'IPv4'} address`,
        );
      return id;
    }
    default:
      return { idType: IdType.KeyId, data: Buffer.from(profile.group) };
  }
}

/** RFC 2407 4.6.2.1: an address as ID_IPV4_ADDR (four octets) or ID_IPV6_ADDR
 * (sixteen octets), network byte order; undefined for anything that is not an address. */
export function addressIdentity(address: string): Identity | undefined {
  try {
    const data = Buffer.from(addressBytes(address));
    return { idType: data.length === 16 ? IdType.Ipv6Addr : IdType.Ipv4Addr, data };
  } catch {
    return undefined;
  }
}

/** The ID payload body for an identity (RFC 2407 4.6.2: protocol and port 0, any). */
export function idPayloadBody(id: Identity) {
  return { idType: id.idType, protocolId: 0, port: 0, data: id.data };
}

export function describeId(id: Identity): string {
  if (id.idType === IdType.Ipv4Addr && id.data.length === 4) return [...id.data].join('.');
  if (id.idType === IdType.Ipv6Addr && id.data.length === 16) return bytesToIpv6(id.data);
  return id.data.toString('utf8');
}

export const OUR_VENDOR_IDS = [
  VendorId.xauth,
  VendorId.ciscoUnity,
  VendorId.dpd,
  VendorId.natTRfc3947,
  VendorId.natTDraft03,
  VendorId.natTDraft02n,
  VendorId.natTDraft02,
  VendorId.fragmentation,
];

export function vendorIdPayloads(vendorIds: Buffer[]): OutgoingPayload[] {
  return vendorIds.map((data): OutgoingPayload => ({ type: PayloadType.VendorId, body: { data } }));
}

/** RFC 2408 3.4-3.6: one ISAKMP proposal holding each offered transform. */
export function phase1Offer(
  proposals: Phase1Proposal[],
  authMethod: number,
  lifetimeSeconds: number,
): SaBody {
  return {
    doi: DOI_IPSEC,
    situation: SIT_IDENTITY_ONLY,
    proposals: [
      {
        number: 1,
        protocolId: ProtocolId.Isakmp,
        spi: Buffer.alloc(0),
        transforms: proposals.map((p, index) => ({
          number: index + 1,
          transformId: TRANSFORM_KEY_IKE,
          attributes: phase1Attributes(p, authMethod, lifetimeSeconds),
        })),
      },
    ],
  };
}

/** Which of our transforms the gateway's SA payload chose, and its IKE SA lifetime (ours when
 * it sent none). */
export function chosenPhase1(
  payloads: readonly ReceivedPayload[],
  offered: Phase1Proposal[],
  ourLifetime: number,
  context: string,
): { chosen: Phase1Proposal; lifetimeSeconds: number } {
  const sa = requirePayload(payloads, PayloadType.SA, context).body;
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
  return { chosen, lifetimeSeconds: value(Phase1Attr.LifeDuration) ?? ourLifetime };
}

/** The NAT-D hashes of a message (RFC 3947 payload 20, or the drafts' 130). */
export function natDHashes(payloads: readonly ReceivedPayload[]): Buffer[] {
  const natD = findPayloads(payloads, PayloadType.NatD);
  return (natD.length ? natD : findPayloads(payloads, PayloadType.NatDDraft)).map(
    (p) => p.body.data,
  );
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

/** RFC 2407 4.6.3.3: INITIAL-CONTACT tells the gateway to drop stale SAs of ours. Only on a
 * first connect: on re-authentication it would make the gateway drop the SAs that keep the
 * tunnel up until the new ones are in place. */
export function initialContact(initiatorCookie: Buffer, responderCookie: Buffer): OutgoingPayload {
  return {
    type: PayloadType.Notification,
    body: {
      doi: DOI_IPSEC,
      protocolId: ProtocolId.Isakmp,
      notifyType: NotifyType.InitialContact,
      spi: Buffer.concat([initiatorCookie, responderCookie]),
      data: Buffer.alloc(0),
    },
  };
}
