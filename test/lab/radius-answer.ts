// The lab RADIUS server's decision on one Access-Request: the user's password (for strongSwan's
// XAuth-over-RADIUS, every XAuth round's answer concatenated) against the lab's users, or a
// token user's one-time codes (each accepted once), and what it saw, for tests to check.
import type { LabUser } from './options.js';
import {
  RadiusAttr,
  RadiusCode,
  attributeValue,
  buildResponse,
  checkMessageAuthenticator,
  decodeRadius,
  revealUserPassword,
} from './radius-packet.js';

/** One Access-Request as the server saw it. Lab passwords only: recorded in clear for tests. */
export interface RadiusRecord {
  userName: string;
  userPassword: string;
  messageAuthenticator: 'valid' | 'invalid' | 'absent';
  /** accept/reject: answered; discarded: a bad Message-Authenticator (RFC 3579 3.2) */
  verdict: 'accept' | 'reject' | 'discarded';
  /** the request's attribute types, in order */
  attributeTypes: number[];
}

export interface RadiusAnswer {
  record: RadiusRecord;
  /** undefined when the request is discarded */
  response?: Buffer;
}

/** Answers an Access-Request; throws on a packet that is none (the caller logs and drops it).
 * `spentCodes` holds the one-time codes accepted so far (`user:code`); an accepted one is
 * added. */
export function answerAccessRequest(
  datagram: Buffer,
  secret: string,
  users: readonly LabUser[],
  spentCodes: Set<string> = new Set(),
): RadiusAnswer {
  const request = decodeRadius(datagram);
  if (request.code !== RadiusCode.AccessRequest)
    throw new Error(`RADIUS code ${request.code} is not an Access-Request`);
  const hidden = attributeValue(request, RadiusAttr.UserPassword);
  if (!hidden) throw new Error('Access-Request without User-Password');
  const userName = attributeValue(request, RadiusAttr.UserName)?.toString('utf8') ?? '';
  const userPassword = revealUserPassword(hidden, secret, request.authenticator).toString('utf8');
  const messageAuthenticator = checkMessageAuthenticator(request, secret);
  const record = {
    userName,
    userPassword,
    messageAuthenticator,
    attributeTypes: request.attributes.map((a) => a.type),
  };
  if (messageAuthenticator === 'invalid') return { record: { ...record, verdict: 'discarded' } };
  const known = users.some((u) => accepts(u, userName, userPassword, spentCodes));
  const code = known ? RadiusCode.AccessAccept : RadiusCode.AccessReject;
  return {
    record: { ...record, verdict: known ? 'accept' : 'reject' },
    response: buildResponse(request, code, secret),
  };
}

function accepts(
  user: LabUser,
  userName: string,
  password: string,
  spentCodes: Set<string>,
): boolean {
  if (user.name !== userName) return false;
  if (!user.oneTimeCodes) return user.password === password;
  const spent = `${userName}:${password}`;
  if (!user.oneTimeCodes.includes(password) || spentCodes.has(spent)) return false;
  spentCodes.add(spent);
  return true;
}
