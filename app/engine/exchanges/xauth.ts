// XAuth, "phase 1.5" (draft-ietf-ipsec-isakmp-xauth-06 4, 6.2): the gateway asks, we answer,
// possibly several rounds (OTP, next token code, new PIN, a message to acknowledge); then it
// sets XAUTH_STATUS and we acknowledge.
//   <- CFG_REQUEST(type, user, password...)   -> CFG_REPLY(values)
//   <- CFG_SET(XAUTH_STATUS)                  -> CFG_ACK(XAUTH_STATUS)
import { EngineError } from '../api.js';
import type { CredentialProvider, XauthRequest } from '../api.js';
import type { IkeSa } from '../ike-sa.js';
import type { Logger } from '../logger.js';
import type { Messenger } from '../messenger.js';
import { CfgType, ExchangeType, XauthAttr } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import { type AttributeMessage, openTransaction, sealTransaction } from './transaction.js';
import {
  readXauthRequest,
  readXauthStatus,
  xauthMessage,
  xauthReplyAttributes,
} from './xauth-attributes.js';

export interface XauthDeps {
  sa: IkeSa;
  messenger: Messenger;
  credentials: CredentialProvider;
  username: string | undefined;
  log: Logger;
  signal: AbortSignal;
  /** how long to wait for the gateway's next XAuth message */
  timeoutMs: number;
}

const MAX_ROUNDS = 5;
/** XAUTH_MESSAGE characters a log line keeps: the attribute may carry up to 64 KiB. */
const LOGGED_MESSAGE_CHARS = 200;
/** The XAuth types whose fields are plain values from the user (draft 6.1, XAUTH-TYPE). */
const ANSWERABLE = new Set<XauthRequest['xauthType']>(['generic', 'otp']);

/** Runs XAuth to completion. Resolves on XAUTH_STATUS=OK; rejects with xauth-rejected. */
export async function runXauth(deps: XauthDeps): Promise<void> {
  const { sa, messenger, log } = deps;
  for (let round = 1; round <= MAX_ROUNDS + 1; round++) {
    // each round is an exchange the gateway starts (draft 6.2)
    const { message, request } = await messenger.expect(
      [ExchangeType.Transaction],
      (m) => ({ message: m, request: openTransaction(sa, m) }),
      deps.timeoutMs,
      'an XAuth request after phase 1',
    );
    if (request.cfgType === CfgType.Set) {
      acknowledge(deps, message, request);
      const status = readXauthStatus(request.attributes);
      if (status === 'ok') {
        const answered = round - 1;
        log.info(
          'xauth',
          answered > 1
            ? `the gateway accepted the answers of all ${answered} XAuth rounds`
            : 'the gateway accepted the username and password',
        );
        return;
      }
      if (status === 'absent') {
        // draft 6.1: XAUTH_STATUS is the verdict; a SET without it says nothing of our password
        throw new EngineError(
          'malformed-response',
          'the gateway ended XAuth with a CFG_SET that carries no XAUTH_STATUS',
        );
      }
      const reason = xauthMessage(request.attributes);
      throw new EngineError(
        'xauth-rejected',
        `username or password rejected by the gateway${reason ? `: ${reason}` : ''}`,
      );
    }
    if (request.cfgType !== CfgType.Request || round > MAX_ROUNDS) {
      throw new EngineError(
        'malformed-response',
        `unexpected XAuth message (type ${request.cfgType}, round ${round})`,
      );
    }
    const question = readXauthRequest(request.attributes, round, deps.username);
    const asked = question.fields.length
      ? `the gateway asks for ${question.fields.join(', ')}`
      : 'the gateway sends a message to acknowledge';
    // the gateway's words go to the log too: a round answered from the keychain shows no prompt
    const said = question.message ? `; it says ${quoteMessage(question.message)}` : '';
    log.info('xauth', `${asked}${round > 1 ? ` (round ${round})` : ''}${said}`);
    if (!ANSWERABLE.has(question.xauthType)) {
      // draft 6.1: CHAP and S/KEY answers are computed from a challenge, which we do not do;
      // asking the user for a password to send in clear instead would be wrong
      throw new EngineError(
        'xauth-unsupported',
        `the gateway asks for XAuth type ${question.xauthType}; Roadwarrior answers generic (password) and OTP only`,
      );
    }
    const response = await deps.credentials.xauth(question, deps.signal);
    const reply = xauthReplyAttributes(request.attributes, response);
    if (reply.missing.length) {
      throw new EngineError('credentials-missing', `no ${reply.missing.join(', ')} for XAuth`);
    }
    messenger.answer(
      message,
      sealTransaction(sa, message.header.messageId, {
        cfgType: CfgType.Reply,
        identifier: request.identifier,
        attributes: reply.attributes,
      }),
    );
  }
  throw new EngineError('malformed-response', 'XAuth did not finish');
}

/** draft 6.2: the ACK echoes the XAUTH_STATUS attribute it acknowledges. */
function acknowledge(deps: XauthDeps, message: RawMessage, set: AttributeMessage): void {
  deps.messenger.answer(
    message,
    sealTransaction(deps.sa, message.header.messageId, {
      cfgType: CfgType.Ack,
      identifier: set.identifier,
      attributes: set.attributes.filter((a) => a.type === XauthAttr.Status),
    }),
  );
}

/** The gateway's message for a log line: quoted with control characters escaped, cut short. */
function quoteMessage(message: string): string {
  const cut = message.length > LOGGED_MESSAGE_CHARS;
  return `${JSON.stringify(cut ? message.slice(0, LOGGED_MESSAGE_CHARS) : message)}${cut ? '...' : ''}`;
}
