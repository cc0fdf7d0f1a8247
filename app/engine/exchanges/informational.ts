// Informational exchange (RFC 2409 5.7): HDR*, HASH(1), N/D with HASH(1) = prf(SKEYID_a,
// M-ID | N/D). Carries DELETE (RFC 2408 3.15), error notifications and DPD (RFC 3706).
import type { IkeSa } from '../ike-sa.js';
import { hashOverMessage, openProtected, sealProtected } from '../protected-message.js';
import { DOI_IPSEC, ExchangeType, PayloadType, ProtocolId } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import type { DeleteBody, NotificationBody, OutgoingPayload } from '../wire/payloads.js';

export function isInformational(message: RawMessage): boolean {
  return message.header.exchangeType === ExchangeType.Informational;
}

export function sealInformational(sa: IkeSa, messageId: number, payload: OutgoingPayload): Buffer {
  return sealProtected(
    sa,
    ExchangeType.Informational,
    messageId,
    [payload],
    hashOverMessage(messageId),
  );
}

export interface InformationalContent {
  notifications: NotificationBody[];
  deletes: DeleteBody[];
}

/** Opens an authenticated informational message (throws UnauthenticatedError otherwise). */
export function openInformational(sa: IkeSa, message: RawMessage): InformationalContent {
  const payloads = openProtected(sa, message, hashOverMessage(message.header.messageId));
  return {
    notifications: payloads.flatMap((p) => (p.type === PayloadType.Notification ? [p.body] : [])),
    deletes: payloads.flatMap((p) => (p.type === PayloadType.Delete ? [p.body] : [])),
  };
}

/** RFC 2408 3.15: the IKE SA is named by both cookies. */
export function deleteIkeSa(sa: IkeSa): OutgoingPayload {
  return {
    type: PayloadType.Delete,
    body: {
      doi: DOI_IPSEC,
      protocolId: ProtocolId.Isakmp,
      spis: [Buffer.concat([sa.initiatorCookie, sa.responderCookie])],
    },
  };
}

/** RFC 2408 3.15: ESP SAs are named by the SPI the sender of the DELETE receives on. */
export function deleteEspSa(inboundSpi: number): OutgoingPayload {
  const spi = Buffer.alloc(4);
  spi.writeUInt32BE(inboundSpi >>> 0);
  return {
    type: PayloadType.Delete,
    body: { doi: DOI_IPSEC, protocolId: ProtocolId.Esp, spis: [spi] },
  };
}

/** RFC 3706 5: R-U-THERE and R-U-THERE-ACK, SPI = both cookies, data = sequence number. */
export function dpdNotification(sa: IkeSa, notifyType: number, sequence: number): OutgoingPayload {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(sequence >>> 0);
  return {
    type: PayloadType.Notification,
    body: {
      doi: DOI_IPSEC,
      protocolId: ProtocolId.Isakmp,
      notifyType,
      spi: Buffer.concat([sa.initiatorCookie, sa.responderCookie]),
      data,
    },
  };
}
