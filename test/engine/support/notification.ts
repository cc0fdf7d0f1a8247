// A gateway's notification payload (RFC 2408 3.14) about the IKE SA, for tests that stage a
// refusal or an error notification.
import { DOI_IPSEC, PayloadType, ProtocolId } from '../../../app/engine/wire/constants.js';
import type { OutgoingPayload } from '../../../app/engine/wire/payloads.js';

/** `spi`: both cookies (RFC 2408 3.14: the ISAKMP SA's SPI), or none */
export function isakmpNotification(notifyType: number, spi = Buffer.alloc(0)): OutgoingPayload {
  return {
    type: PayloadType.Notification,
    body: { doi: DOI_IPSEC, protocolId: ProtocolId.Isakmp, notifyType, spi, data: Buffer.alloc(0) },
  };
}
