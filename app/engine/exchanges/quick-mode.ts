// Phase 2, Quick Mode initiator (RFC 2409 5.5), ESP in UDP-encapsulated tunnel mode:
//   1. HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr  ->
//   2.                                           <- HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr [, N(RESPONDER-LIFETIME)]
//   3. HDR*, HASH(3)                             ->
// The result is an ESP SA pair with one KEYMAT per direction, ready for the data plane.
import type { EspSaPair } from '../../shared/esp-sa.js';
import { type Ipv4Net, formatNet } from '../../shared/net.js';
import { isIpv6 } from '../../shared/net6.js';
import { EngineError } from '../api.js';
import { quickModeHash2, quickModeHash3, takeKeyExchange } from '../crypto/index.js';
import type { IkeSa } from '../ike-sa.js';
import type { Logger } from '../logger.js';
import type { Messenger } from '../messenger.js';
import { isErrorNotification, notifyError } from '../notify-errors.js';
import { hashOverMessage, openProtected, sealProtected } from '../protected-message.js';
import { type EspProposal, espAttributes, espTransformId } from '../proposals.js';
import { attributeList } from '../wire/attributes.js';
import { DecodeError, decodeAll } from '../wire/codec.js';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
  SIT_IDENTITY_ONLY,
} from '../wire/constants.js';
import { findPayload, findPayloads, requirePayload } from '../wire/message.js';
import type { OutgoingPayload, SaBody } from '../wire/payloads.js';
import {
  type Lifetime,
  allocateSpi,
  espSaPair,
  lifetimesOf,
  proposalOfTransform,
  quickModeNonce,
  selectorId,
  selectorOf,
  shorterLifetime,
} from './quick-mode-parts.js';
import { type InformationalContent, isInformational, openInformational } from './informational.js';

export interface QuickModeRequest {
  proposals: EspProposal[];
  encapsulationMode: number;
  lifetime: Lifetime;
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
  /** aborts with the gateway's refusal when it comes in an informational exchange of its own */
  signal?: AbortSignal | undefined;
  /** at most this many sends of message 1 (default: the messenger's budget) */
  maxTries?: number | undefined;
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

export interface QuickModeResult {
  pair: EspSaPair;
  proposal: EspProposal;
  pfsGroup: number | undefined;
}

/** An authenticated informational message in our exchange: the gateway refused it. */
function refusalOf(content: InformationalContent): EngineError {
  const notification = content.notifications.find((n) => isErrorNotification(n.notifyType));
  return notification
    ? notifyError(notification.notifyType, 'phase2', true)
    : new EngineError('phase2-rejected', 'the gateway refused the Quick Mode proposal', {
        authenticated: true,
      });
}

export async function runQuickMode(
  request: QuickModeRequest,
  deps: QuickModeDeps,
): Promise<QuickModeResult> {
  const { sa, messenger, messageId } = deps;
  const inboundSpi = allocateSpi();
  const nonceI = quickModeNonce();
  const pfs = request.pfsGroup ? takeKeyExchange(request.pfsGroup) : undefined;
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
  // request() sends before it first waits: the event follows the message out. Only an
  // authenticated message ends the wait: a forged refusal must not cost us the exchange.
  const answering = messenger.request(
    qm1,
    [ExchangeType.QuickMode, ExchangeType.Informational],
    (m) => {
      if (isInformational(m)) throw refusalOf(openInformational(sa, m));
      const payloads = openProtected(sa, m, (s, rest) =>
        quickModeHash2(s.prf, s.skeyidA, messageId, nonceI, rest),
      );
      return { answer: m, received: payloads };
    },
    'Quick Mode message 1',
    { signal: deps.signal, maxTries: deps.maxTries },
  );
  deps.onSent('qm1-sent');
  const { answer, received } = await answering;
  deps.onSent('qm2-received');

  const chosenProposal = requirePayload(received, PayloadType.SA, 'Quick Mode message 2').body
    .proposals[0];
  const transform = chosenProposal?.transforms[0];
  if (!chosenProposal || !transform || chosenProposal.spi.length !== 4) {
    throw new DecodeError('bad-value', 'Quick Mode message 2 has no usable ESP proposal');
  }
  const proposal = proposalOfTransform(request.proposals, transform);
  if (!proposal)
    throw new EngineError('phase2-rejected', 'the gateway chose an ESP transform we did not offer');
  const nonceR = requirePayload(received, PayloadType.Nonce, 'Quick Mode message 2').body.data;
  const peerKe = findPayload(received, PayloadType.KeyExchange)?.body.data;
  if (pfs && !peerKe)
    throw new EngineError('phase2-rejected', 'the gateway did not answer our PFS key exchange');
  const sharedSecret = pfs && peerKe ? pfs.computeShared(peerKe) : undefined;
  const ids = findPayloads(received, PayloadType.Identification);
  const remote = ids[1] ? selectorOf(ids[1].body) : request.remote;
  if (isIpv6(remote.address) !== isIpv6(request.remote.address))
    throw new EngineError(
      'phase2-rejected',
      `the gateway answered our IPv${isIpv6(request.remote.address) ? 6 : 4} Quick Mode with the selector ${formatNet(remote)} of the other family`,
      { authenticated: true },
    );

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

  const qm3 = sealProtected(sa, ExchangeType.QuickMode, messageId, [], (s) =>
    quickModeHash3(s.prf, s.skeyidA, messageId, nonceI, nonceR),
  );
  messenger.answer(answer, qm3);
  deps.onSent('qm3-sent');

  return {
    proposal,
    pfsGroup: request.pfsGroup,
    pair: espSaPair({
      sa,
      id: request.saId,
      proposal,
      sharedSecret,
      nonceI,
      nonceR,
      inboundSpi,
      outboundSpi: chosenProposal.spi,
      lifetime: shorterLifetime(request.lifetime, offered),
      selectors: { local: request.local, remote },
      replayWindow: request.replayWindow,
    }),
  };
}
