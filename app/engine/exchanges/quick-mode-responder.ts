// Phase 2, Quick Mode responder (RFC 2409 5.5): the gateway rekeys an ESP SA on its own.
//   1. <- HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr     (IDci = the gateway's side)
//   2. -> HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr     (one proposal, one transform: our choice)
//   3. <- HDR*, HASH(3)
// Message 2 is retransmitted until HASH(3) arrives, since the gateway may already be using the
// new SA when message 3 is lost. An offer we cannot take is refused with an informational
// notification (RFC 2408 3.14.1) and the old SA stays as it is.
import type { IpNet } from '../../shared/net6.js';
import { EngineError } from '../api.js';
import {
  CryptoError,
  SUPPORTED_DH_GROUPS,
  createKeyExchange,
  quickModeHash2,
  quickModeHash3,
} from '../crypto/index.js';
import type { IkeSa } from '../ike-sa.js';
import type { Messenger } from '../messenger.js';
import { hashOverMessage, openProtected, sealProtected } from '../protected-message.js';
import type { EspProposal } from '../proposals.js';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  Phase2Attr,
  ProtocolId,
} from '../wire/constants.js';
import { type RawMessage, findPayload, findPayloads, requirePayload } from '../wire/message.js';
import type {
  IdBody,
  OutgoingPayload,
  ProposalBody,
  SaBody,
  TransformBody,
} from '../wire/payloads.js';
import { sealInformational } from './informational.js';
import type { QuickModeResult } from './quick-mode.js';
import {
  type Lifetime,
  allocateSpi,
  espSaPair,
  lifetimesOf,
  proposalOfTransform,
  quickModeNonce,
  selectorOf,
  shorterLifetime,
  transformNumber,
} from './quick-mode-parts.js';

/** What we accept from the gateway: our own configuration and the SA being replaced. */
export interface QuickModeResponderPolicy {
  proposals: EspProposal[];
  /** RFC 3947 5.1 or the draft value, whichever phase 1 negotiated */
  encapsulationMode: number;
  /** our longest lifetime; the gateway's shorter one wins */
  lifetime: Lifetime;
  /** a PFS group we insist on, or undefined to take the gateway's choice (with or without PFS) */
  pfsGroup: number | undefined;
  /** the selectors of the SAs the gateway may rekey (one per address family), from our side:
   * its IDs pick one */
  selectors: { local: IpNet; remote: IpNet }[];
  replayWindow: number;
  saId: string;
}

export interface QuickModeResponderDeps {
  sa: IkeSa;
  messenger: Messenger;
  /** for the informational message that refuses an offer */
  newMessageId(): number;
}

export type QuickModeAnswer =
  { status: 'established'; result: QuickModeResult } | { status: 'refused'; reason: string };

interface Choice {
  proposal: ProposalBody;
  transform: TransformBody;
  esp: EspProposal;
  pfsGroup: number | undefined;
}

/** The first ESP transform in the gateway's order that we would have offered ourselves. */
function choose(proposals: ProposalBody[], policy: QuickModeResponderPolicy): Choice | undefined {
  for (const proposal of proposals) {
    if (proposal.protocolId !== ProtocolId.Esp || proposal.spi.length !== 4) continue;
    for (const transform of proposal.transforms) {
      const esp = proposalOfTransform(policy.proposals, transform);
      const mode = transformNumber(transform, Phase2Attr.EncapsulationMode);
      const group = transformNumber(transform, Phase2Attr.GroupDescription);
      if (!esp || mode !== policy.encapsulationMode) continue;
      if (policy.pfsGroup !== undefined && group !== policy.pfsGroup) continue;
      if (group !== undefined && !SUPPORTED_DH_GROUPS.includes(group)) continue;
      return { proposal, transform, esp, pfsGroup: group };
    }
  }
  return undefined;
}

const sameNet = (a: IpNet, b: IpNet) => a.address === b.address && a.prefix === b.prefix;

/** IDci and IDcr as selectors; undefined when they are missing or not address IDs. */
function selectorsOf(ids: IdBody[]): { initiator: IpNet; responder: IpNet } | undefined {
  const [idci, idcr] = ids;
  if (ids.length !== 2 || !idci || !idcr) return undefined;
  try {
    return { initiator: selectorOf(idci), responder: selectorOf(idcr) };
  } catch (error) {
    if (error instanceof EngineError) return undefined;
    throw error;
  }
}

/** Answers one gateway-initiated Quick Mode whose message 1 is `request`. Throws
 * UnauthenticatedError/DecodeError for a message that is not authentic or not well formed, and
 * EngineError('timeout') when HASH(3) never comes. */
export async function answerQuickMode(
  request: RawMessage,
  policy: QuickModeResponderPolicy,
  deps: QuickModeResponderDeps,
): Promise<QuickModeAnswer> {
  const { sa, messenger } = deps;
  const messageId = request.header.messageId;
  const offer = readMessage1(sa, request);
  const judged = judge(offer, policy);
  if ('refusal' in judged) return refuse(deps, judged.refusal);
  const { choice, selectors } = judged;
  const pfs = answerPfs(choice, offer.peerKe);
  if (!pfs)
    return refuse(deps, {
      notifyType: NotifyType.InvalidKeyInformation,
      spi: choice.proposal.spi,
      reason: `the gateway asked for PFS group ${choice.pfsGroup} without a usable KE payload`,
    });

  const inboundSpi = allocateSpi();
  const nonceR = quickModeNonce();
  const qm2 = sealProtected(
    sa,
    ExchangeType.QuickMode,
    messageId,
    message2Payloads(offer, choice, inboundSpi, nonceR, pfs.publicValue),
    (s, rest) => quickModeHash2(s.prf, s.skeyidA, messageId, offer.nonceI, rest),
  );
  // a retransmitted message 1 gets message 2 again; request() retransmits it on its own too
  messenger.remember(request, qm2);
  await messenger.request(
    qm2,
    [ExchangeType.QuickMode],
    (m) =>
      openProtected(sa, m, (s) =>
        quickModeHash3(s.prf, s.skeyidA, messageId, offer.nonceI, nonceR),
      ),
    'Quick Mode message 2 (gateway rekey)',
  );

  return {
    status: 'established',
    result: {
      proposal: choice.esp,
      pfsGroup: choice.pfsGroup,
      pair: espSaPair({
        sa,
        id: policy.saId,
        proposal: choice.esp,
        sharedSecret: pfs.sharedSecret,
        nonceI: offer.nonceI,
        nonceR,
        inboundSpi,
        outboundSpi: choice.proposal.spi,
        lifetime: shorterLifetime(policy.lifetime, lifetimesOf(choice.transform.attributes)),
        selectors,
        replayWindow: policy.replayWindow,
      }),
    },
  };
}

/** What the gateway's message 1 offers, once its HASH(1) verified. */
interface GatewayOffer {
  sa: SaBody;
  nonceI: Buffer;
  peerKe: Buffer | undefined;
  ids: IdBody[];
}

function readMessage1(sa: IkeSa, request: RawMessage): GatewayOffer {
  const received = openProtected(sa, request, hashOverMessage(request.header.messageId));
  return {
    sa: requirePayload(received, PayloadType.SA, 'Quick Mode message 1').body,
    nonceI: requirePayload(received, PayloadType.Nonce, 'Quick Mode message 1').body.data,
    peerKe: findPayload(received, PayloadType.KeyExchange)?.body.data,
    ids: findPayloads(received, PayloadType.Identification).map((p) => p.body),
  };
}

/** Why we refuse an offer: the notification (RFC 2408 3.14.1) and our log's words. */
interface Refusal {
  notifyType: number;
  spi: Buffer;
  reason: string;
}

/** The transform we take, or why none: the ESP transforms and PFS we accept, for the traffic
 * selectors of one of the SAs it may rekey (those selectors come back with the choice). */
function judge(
  offer: GatewayOffer,
  policy: QuickModeResponderPolicy,
): { choice: Choice; selectors: { local: IpNet; remote: IpNet } } | { refusal: Refusal } {
  const choice = choose(offer.sa.proposals, policy);
  if (!choice)
    return {
      refusal: {
        notifyType: NotifyType.NoProposalChosen,
        spi: offer.sa.proposals[0]?.spi ?? Buffer.alloc(0),
        reason: 'the gateway offered no ESP transform we accept',
      },
    };
  const ids = selectorsOf(offer.ids);
  const selectors =
    ids &&
    policy.selectors.find(
      (ours) => sameNet(ids.initiator, ours.remote) && sameNet(ids.responder, ours.local),
    );
  if (!selectors)
    return {
      refusal: {
        notifyType: NotifyType.InvalidIdInformation,
        spi: choice.proposal.spi,
        reason: 'the gateway asked for traffic selectors other than those of our ESP SA',
      },
    };
  return { choice, selectors };
}

/** RFC 2409 5.5: with a group in the SA, KE carries g^xi and we answer with g^xr. Without a
 * group nothing to do; undefined when the gateway's KE is missing or unusable. */
function answerPfs(
  choice: Choice,
  peerKe: Buffer | undefined,
): { sharedSecret?: Buffer; publicValue?: Buffer } | undefined {
  if (choice.pfsGroup === undefined) return {};
  if (!peerKe) return undefined;
  const pfs = createKeyExchange(choice.pfsGroup);
  try {
    return { sharedSecret: pfs.computeShared(peerKe), publicValue: pfs.publicValue };
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return undefined;
  }
}

/** HASH(2)'s payloads: our one proposal with one transform, Nr [, KE], IDci and IDcr. */
function message2Payloads(
  offer: GatewayOffer,
  choice: Choice,
  inboundSpi: Buffer,
  nonceR: Buffer,
  pfsPublic: Buffer | undefined,
): OutgoingPayload[] {
  return [
    {
      type: PayloadType.SA,
      body: {
        doi: offer.sa.doi,
        situation: offer.sa.situation,
        proposals: [
          {
            number: choice.proposal.number,
            protocolId: ProtocolId.Esp,
            spi: inboundSpi,
            transforms: [choice.transform],
          },
        ],
      },
    },
    { type: PayloadType.Nonce, body: { data: nonceR } },
    ...(pfsPublic
      ? [{ type: PayloadType.KeyExchange, body: { data: pfsPublic } } as OutgoingPayload]
      : []),
    // IDci and IDcr exactly as received (RFC 2409 5.5: the responder echoes them)
    ...offer.ids.map((body): OutgoingPayload => ({ type: PayloadType.Identification, body })),
  ];
}

/** Refuses the offer in an informational exchange of our own; the old SA stays as it is. */
function refuse(deps: QuickModeResponderDeps, refusal: Refusal): QuickModeAnswer {
  deps.messenger.send(
    sealInformational(deps.sa, deps.newMessageId(), {
      type: PayloadType.Notification,
      body: {
        doi: DOI_IPSEC,
        protocolId: ProtocolId.Esp,
        notifyType: refusal.notifyType,
        spi: refusal.spi,
        data: Buffer.alloc(0),
      },
    }),
  );
  return { status: 'refused', reason: refusal.reason };
}
