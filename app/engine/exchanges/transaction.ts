// The transaction exchange (draft-dukes-ike-mode-cfg 3.2, exchange type 6) that XAuth and
// Mode Config both ride on: HDR*, HASH(1), ATTR — with HASH(1) = prf(SKEYID_a, M-ID | ATTR).
import type { IkeSa } from '../ike-sa.js';
import { hashOverMessage, openProtected, sealProtected } from '../protected-message.js';
import type { DataAttribute } from '../wire/attributes.js';
import { ExchangeType, PayloadType } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import { requirePayload } from '../wire/message.js';

export interface AttributeMessage {
  cfgType: number;
  identifier: number;
  attributes: DataAttribute[];
}

export function sealTransaction(sa: IkeSa, messageId: number, body: AttributeMessage): Buffer {
  return sealProtected(
    sa,
    ExchangeType.Transaction,
    messageId,
    [{ type: PayloadType.Attribute, body }],
    hashOverMessage(messageId),
  );
}

export function openTransaction(sa: IkeSa, message: RawMessage): AttributeMessage {
  const payloads = openProtected(sa, message, hashOverMessage(message.header.messageId));
  return requirePayload(payloads, PayloadType.Attribute, 'transaction').body;
}

export function isTransaction(message: RawMessage): boolean {
  return message.header.exchangeType === ExchangeType.Transaction;
}
