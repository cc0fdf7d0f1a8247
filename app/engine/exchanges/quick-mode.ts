// Phase 2, Quick Mode initiator (RFC 2409 5.5), ESP in UDP-encapsulated tunnel mode:
//   1. HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr  ->
//   2.                                           <- HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr [, N(RESPONDER-LIFETIME)]
//   3. HDR*, HASH(3)                             ->
// The result is an ESP SA pair with one KEYMAT per direction, ready for the data plane.
import { randomBytes } from 'node:crypto';
import type { EspSaPair } from '../../shared/esp-sa.js';
import {
  type Ipv4Net,
  intToIpv4,
  ipv4ToInt,
  maskToPrefix,
  prefixToMask,
} from '../../shared/net.js';
import { EngineError } from '../api.js';
import {
  createKeyExchange,
  espDirectionKeys,
  quickModeHash2,
  quickModeHash3,
} from '../crypto/index.js';
import type { IkeSa } from '../ike-sa.js';
import type { Logger } from '../logger.js';
import type { Messenger } from '../messenger.js';
import { hashOverMessage, openProtected, sealProtected } from '../protected-message.js';
import { type EspProposal, espAttributes, espTransformId, matchEspChoice } from '../proposals.js';
import { type DataAttribute, attributeList, attributeNumber } from '../wire/attributes.js';
import { DecodeError, decodeAll } from '../wire/codec.js';
import {
  DOI_IPSEC,
  ExchangeType,
  IdType,
  LifeType,
  NotifyType,
  PayloadType,
  Phase2Attr,
  ProtocolId,
  SIT_IDENTITY_ONLY,
} from '../wire/constants.js';
import { findPayload, findPayloads, requirePayload } from '../wire/message.js';
import type { IdBody, OutgoingPayload, SaBody } from '../wire/payloads.js';

export interface QuickModeRequest {
  proposals: EspProposal[];
  encapsulationMode: number;
  lifetime: { seconds: number; kilobytes?: number };
  pfsGroup: number | undefined;
  local: Ipv4Net;
  remote: Ipv4Net;
  replayWindow: number;
  saId: string;
}

export interface QuickModeDeps {
  sa: IkeSa;
  messenger: Messenger;
  log: Logger;
  messageId: number;
  onSent(step: 'qm1-sent' | 'qm2-received' | 'qm3-sent'): void;
}

/** RFC 2407 4.6.2: ID_IPV4_ADDR for a host, ID_IPV4_ADDR_SUBNET otherwise. */
export function selectorId(net: Ipv4Net): IdBody {
  const address = Buffer.alloc(4);
  address.writeUInt32BE(ipv4ToInt(net.address));
  if (net.prefix === 32) return { idType: IdType.Ipv4Addr, protocolId: 0, port: 0, data: address };
  const mask = Buffer.alloc(4);
  mask.writeUInt32BE(ipv4ToInt(prefixToMask(net.prefix)));
  return {
    idType: IdType.Ipv4AddrSubnet,
    protocolId: 0,
    port: 0,
    data: Buffer.concat([address, mask]),
  };
}

export function selectorOf(id: IdBody): Ipv4Net {
  if (id.idType === IdType.Ipv4Addr && id.data.length === 4) {
    return { address: intToIpv4(id.data.readUInt32BE(0)), prefix: 32 };
  }
  if (id.idType === IdType.Ipv4AddrSubnet && id.data.length === 8) {
    return {
      address: intToIpv4(id.data.readUInt32BE(0)),
      prefix: maskToPrefix(intToIpv4(id.data.readUInt32BE(4))),
    };
  }
  throw new EngineError(
    'invalid-id',
    `the gateway answered with an ID of type ${id.idType} we cannot use as a selector`,
  );
}

function proposalSa(request: QuickModeRequest, spi: Buffer): SaBody {
  return {
    doi: DOI_IPSEC,
    situation: SIT_IDENTITY_ONLY,
    proposals: [
      {
        number: 1,
        protocolId: ProtocolId.Esp,
        spi,
        transforms: request.proposals.map((p, index) => ({
          number: index + 1,
          transformId: espTransformId(p),
          attributes: espAttributes(
            p,
            request.encapsulationMode,
            request.lifetime,
            request.pfsGroup,
          ),
        })),
      },
    ],
  };
}

/** RFC 2407 4.5: the lifetimes in the chosen transform or a RESPONDER-LIFETIME (4.6.3.1), as
 * (type, duration) pairs. A malformed list is ignored (some gateways send one). */
function lifetimesOf(attributes: DataAttribute[]): { seconds?: number; kilobytes?: number } {
  const result: { seconds?: number; kilobytes?: number } = {};
  let type: number | undefined;
  for (const attr of attributes) {
    if (attr.type === Phase2Attr.LifeType) type = attributeNumber(attr);
    else if (attr.type === Phase2Attr.LifeDuration && type !== undefined) {
      if (type === LifeType.Seconds) result.seconds = attributeNumber(attr);
      if (type === LifeType.Kilobytes) result.kilobytes = attributeNumber(attr);
    }
  }
  return result;
}

export interface QuickModeResult {
  pair: EspSaPair;
  proposal: EspProposal;
  pfsGroup: number | undefined;
}

export async function runQuickMode(
  request: QuickModeRequest,
  deps: QuickModeDeps,
): Promise<QuickModeResult> {
  const { sa, messenger, messageId } = deps;
  const inboundSpi = randomBytes(4);
  inboundSpi[0] = (inboundSpi[0] ?? 0) | 0x01; // SPIs 1..255 are reserved (RFC 4303 2.1)
  const nonceI = randomBytes(32);
  const pfs = request.pfsGroup ? createKeyExchange(request.pfsGroup) : undefined;
  const idci = selectorId(request.local);
  const idcr = selectorId(request.remote);
  const payloads: OutgoingPayload[] = [
    { type: PayloadType.SA, body: proposalSa(request, inboundSpi) },
    { type: PayloadType.Nonce, body: { data: nonceI } },
    ...(pfs
      ? [{ type: PayloadType.KeyExchange, body: { data: pfs.publicValue } } as OutgoingPayload]
      : []),
    { type: PayloadType.Identification, body: idci },
    { type: PayloadType.Identification, body: idcr },
  ];
  const qm1 = sealProtected(
    sa,
    ExchangeType.QuickMode,
    messageId,
    payloads,
    hashOverMessage(messageId),
  );
  deps.onSent('qm1-sent');
  const answer = await messenger.request(
    qm1,
    (m) =>
      m.header.messageId === messageId &&
      (m.header.exchangeType === ExchangeType.QuickMode ||
        m.header.exchangeType === ExchangeType.Informational),
    'Quick Mode message 1',
  );
  if (answer.header.exchangeType === ExchangeType.Informational) {
    throw new EngineError('phase2-rejected', 'the gateway refused the Quick Mode proposal');
  }
  const received = openProtected(sa, answer, (s, rest) =>
    quickModeHash2(s.prf, s.skeyidA, messageId, nonceI, rest),
  );
  deps.onSent('qm2-received');

  const chosenProposal = requirePayload(received, PayloadType.SA, 'Quick Mode message 2').body
    .proposals[0];
  const transform = chosenProposal?.transforms[0];
  if (!chosenProposal || !transform || chosenProposal.spi.length !== 4) {
    throw new DecodeError('bad-value', 'Quick Mode message 2 has no usable ESP proposal');
  }
  const attrs = new Map(transform.attributes.map((a) => [a.type, a]));
  const numberOf = (type: number) => {
    const a = attrs.get(type);
    return a ? attributeNumber(a) : undefined;
  };
  const proposal = matchEspChoice(
    request.proposals,
    transform.transformId,
    numberOf(Phase2Attr.KeyLength),
    numberOf(Phase2Attr.AuthenticationAlgorithm),
  );
  if (!proposal)
    throw new EngineError('phase2-rejected', 'the gateway chose an ESP transform we did not offer');
  const nonceR = requirePayload(received, PayloadType.Nonce, 'Quick Mode message 2').body.data;
  const peerKe = findPayload(received, PayloadType.KeyExchange)?.body.data;
  if (pfs && !peerKe)
    throw new EngineError('phase2-rejected', 'the gateway did not answer our PFS key exchange');
  const sharedSecret = pfs && peerKe ? pfs.computeShared(peerKe) : undefined;
  const ids = findPayloads(received, PayloadType.Identification);
  const remote = ids[1] ? selectorOf(ids[1].body) : request.remote;

  const lifetime = { ...request.lifetime };
  const offered = lifetimesOf(transform.attributes);
  for (const notify of findPayloads(received, PayloadType.Notification)) {
    if (notify.body.notifyType !== NotifyType.ResponderLifetime) continue;
    try {
      Object.assign(
        offered,
        lifetimesOf(decodeAll(attributeList, notify.body.data, 'RESPONDER-LIFETIME')),
      );
    } catch {
      deps.log.debug('phase2', 'ignored a malformed RESPONDER-LIFETIME notification');
    }
  }
  if (offered.seconds) lifetime.seconds = Math.min(lifetime.seconds, offered.seconds);
  if (offered.kilobytes)
    lifetime.kilobytes = Math.min(lifetime.kilobytes ?? Infinity, offered.kilobytes);

  const qm3 = sealProtected(sa, ExchangeType.QuickMode, messageId, [], (s) =>
    quickModeHash3(s.prf, s.skeyidA, messageId, nonceI, nonceR),
  );
  messenger.answer(answer, qm3);
  deps.onSent('qm3-sent');

  const keys = (spi: Buffer) =>
    espDirectionKeys({
      prf: (key: Buffer, data: Buffer) => sa.prf(key, data),
      skeyidD: sa.skeyidD,
      sharedSecret,
      protocol: ProtocolId.Esp,
      spi,
      nonceI,
      nonceR,
      encryption: proposal.encryption,
      keyBits: proposal.keyBits,
      integrity: proposal.integrity,
    });
  return {
    proposal,
    pfsGroup: request.pfsGroup,
    pair: {
      id: request.saId,
      encryption: proposal.encryption,
      keyBits: proposal.keyBits,
      integrity: proposal.integrity,
      inbound: keys(inboundSpi),
      outbound: keys(chosenProposal.spi),
      lifetime,
      selectors: { local: [request.local], remote: [remote] },
      replayWindow: request.replayWindow,
    },
  };
}
