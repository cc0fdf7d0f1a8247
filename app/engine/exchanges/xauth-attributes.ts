// XAuth (draft-ietf-ipsec-isakmp-xauth-06): turn the gateway's CFG_REQUEST into a question for
// the credential provider, and the answer into CFG_REPLY attributes, both through the field
// table in app/shared/xauth-fields.ts.
import type { XauthRequest, XauthResponse } from '../api.js';
import {
  XAUTH_FIELDS,
  XAUTH_TYPE_NAMES,
  XauthAttr,
  type XauthField,
  XauthStatus,
  type XauthTypeName,
} from '../../shared/xauth-fields.js';
import {
  type DataAttribute,
  attributeBytes,
  attributeNumber,
  tlv,
  tv,
} from '../wire/attributes.js';

const ROW_OF = new Map(XAUTH_FIELDS.map((row) => [row.type as number, row]));
const TYPE_NAME_OF = new Map<number, XauthTypeName>(
  Object.entries(XAUTH_TYPE_NAMES).map(([name, value]) => [value, name as XauthTypeName]),
);

export function readXauthRequest(
  attributes: DataAttribute[],
  round: number,
  username: string | undefined,
): XauthRequest {
  const typeAttr = attributes.find((a) => a.type === XauthAttr.Type);
  const message = xauthMessage(attributes);
  const fields = attributes
    .map((a) => ROW_OF.get(a.type)?.field)
    .filter((f): f is XauthField => f !== undefined);
  return {
    round,
    // 6.1: no XAUTH_TYPE means generic
    xauthType: typeAttr ? (TYPE_NAME_OF.get(attributeNumber(typeAttr)) ?? 'unknown') : 'generic',
    fields,
    ...(message !== undefined ? { message } : {}),
    ...(username ? { username } : {}),
  };
}

/** The CFG_REPLY attributes: exactly what was asked, XAUTH_TYPE echoed (6.2); a round that
 * asked nothing (a message to acknowledge) is answered with XAUTH_TYPE alone, or nothing.
 * Returns the fields the provider could not fill. */
export function xauthReplyAttributes(
  request: DataAttribute[],
  response: XauthResponse,
): { attributes: DataAttribute[]; missing: XauthField[] } {
  const attributes: DataAttribute[] = [];
  const missing: XauthField[] = [];
  for (const attr of request) {
    if (attr.type === XauthAttr.Type) {
      attributes.push(tv(XauthAttr.Type, attributeNumber(attr)));
      continue;
    }
    const row = ROW_OF.get(attr.type);
    if (!row) continue;
    const value = response[row.answer];
    if (value === undefined) missing.push(row.field);
    else
      attributes.push(
        tlv(attr.type, Buffer.from(typeof value === 'string' ? value : value.reveal())),
      );
  }
  return { attributes, missing };
}

/** XAUTH_STATUS in the gateway's CFG_SET (draft 6.1): OK, FAIL, or absent (a SET that carries
 * something else, e.g. pushed Mode Config). */
export function readXauthStatus(attributes: DataAttribute[]): 'ok' | 'fail' | 'absent' {
  const status = attributes.find((a) => a.type === XauthAttr.Status);
  if (!status) return 'absent';
  return attributeNumber(status) === XauthStatus.Ok ? 'ok' : 'fail';
}

export function xauthMessage(attributes: DataAttribute[]): string | undefined {
  const message = attributes.find((a) => a.type === XauthAttr.Message);
  return message ? attributeBytes(message).toString('utf8').replace(/\0+$/, '') : undefined;
}
