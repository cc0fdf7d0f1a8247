// A decrypted IKE message as a help desk may see it: the ISAKMP header with the encryption flag
// cleared and the payload chain in clear, with every secret zero-filled in place (same length,
// so the payloads still dissect): the XAuth password, passcode and next PIN
// (draft-ietf-ipsec-isakmp-xauth-06 6.1), key exchange data (RFC 2408 3.7), and the HASH and
// SIG payloads (RFC 2408 3.11, 3.12) that are PSK-derived. Nonces are not secret and stay.
import { DecodeError } from '../wire/codec.js';
import { XAUTH_FIELDS } from '../../shared/xauth-fields.js';
import { HeaderFlag, PayloadType } from '../wire/constants.js';
import { type IsakmpHeader, encodeHeader } from '../wire/message.js';
import { type ReceivedPayload, decodePayloadChain } from '../wire/payloads.js';

/** the XAuth answers the field table marks secret (password, passcode, answer, new PIN) */
const SECRET_ATTRIBUTES: ReadonlySet<number> = new Set(
  XAUTH_FIELDS.filter((row) => row.secret).map((row) => row.type),
);

/** Zero-fills the payload's secret fields; decoded fields are views of the chain's bytes. */
function redactPayload(payload: ReceivedPayload): void {
  switch (payload.type) {
    case PayloadType.KeyExchange:
    case PayloadType.Hash:
    case PayloadType.Signature:
      payload.body.data.fill(0);
      return;
    case PayloadType.Attribute:
      for (const attribute of payload.body.attributes)
        if ('bytes' in attribute && SECRET_ATTRIBUTES.has(attribute.type)) attribute.bytes.fill(0);
      return;
    default:
      return;
  }
}

/** The cleartext message for `header` and its (decrypted) payload chain, secrets redacted and
 * the encryption padding dropped; undefined when the chain does not decode (nothing of it is
 * shown then: it could be anything). */
export function redactedCleartext(header: IsakmpHeader, chain: Buffer): Buffer | undefined {
  const copy = Buffer.from(chain);
  try {
    const { payloads, trailing } = decodePayloadChain(header.firstPayload, copy);
    payloads.forEach(redactPayload);
    const body = copy.subarray(0, copy.length - trailing);
    const flags = header.flags & ~HeaderFlag.Encryption;
    return Buffer.concat([encodeHeader({ ...header, flags }, body.length), body]);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}
