// XAuth (draft-ietf-ipsec-isakmp-xauth-06): turn the gateway's CFG_REQUEST into a question for
// the credential provider, and the answer into CFG_REPLY attributes.
import type { XauthRequest, XauthResponse } from '../api.js';
import {
  type DataAttribute,
  attributeBytes,
  attributeNumber,
  tlv,
  tv,
} from '../wire/attributes.js';
import { XauthAttr, XauthStatus, XauthType } from '../wire/constants.js';

type Field = XauthRequest['fields'][number];

const FIELD_OF: Record<number, Field> = {
  [XauthAttr.UserName]: 'username',
  [XauthAttr.UserPassword]: 'password',
  [XauthAttr.Passcode]: 'passcode',
  [XauthAttr.Answer]: 'answer',
  [XauthAttr.NextPin]: 'next-pin',
  [XauthAttr.Domain]: 'domain',
};

const TYPE_NAMES: Record<number, XauthRequest['xauthType']> = {
  [XauthType.Generic]: 'generic',
  [XauthType.Chap]: 'chap',
  [XauthType.Otp]: 'otp',
  [XauthType.SKey]: 's-key',
};

export function readXauthRequest(
  attributes: DataAttribute[],
  round: number,
  username: string | undefined,
): XauthRequest {
  const typeAttr = attributes.find((a) => a.type === XauthAttr.Type);
  const message = attributes.find((a) => a.type === XauthAttr.Message);
  const fields = attributes.map((a) => FIELD_OF[a.type]).filter((f): f is Field => f !== undefined);
  return {
    round,
    xauthType: typeAttr ? (TYPE_NAMES[attributeNumber(typeAttr)] ?? 'unknown') : 'generic',
    fields,
    ...(message ? { message: attributeBytes(message).toString('utf8').replace(/\0+$/, '') } : {}),
    ...(username ? { username } : {}),
  };
}

/** The CFG_REPLY attributes: exactly what was asked, XAUTH_TYPE echoed (6.2). Returns the
 * fields the provider could not fill. */
export function xauthReplyAttributes(
  request: DataAttribute[],
  response: XauthResponse,
): { attributes: DataAttribute[]; missing: Field[] } {
  const attributes: DataAttribute[] = [];
  const missing: Field[] = [];
  const values: Record<Field, Uint8Array | undefined> = {
    username: response.username === undefined ? undefined : Buffer.from(response.username),
    password: response.password?.reveal(),
    passcode: response.passcode?.reveal(),
    answer: response.answer?.reveal(),
    'next-pin': response.nextPin?.reveal(),
    domain: response.domain === undefined ? undefined : Buffer.from(response.domain),
  };
  for (const attr of request) {
    if (attr.type === XauthAttr.Type) {
      attributes.push(tv(XauthAttr.Type, attributeNumber(attr)));
      continue;
    }
    const field = FIELD_OF[attr.type];
    if (!field) continue;
    const value = values[field];
    if (value === undefined) missing.push(field);
    else attributes.push(tlv(attr.type, Buffer.from(value)));
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
