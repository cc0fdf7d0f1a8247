// Mode Config (draft-dukes-ike-mode-cfg 3.2-3.4): we pull our address and settings with
// CFG_REQUEST / CFG_REPLY; a gateway that pushes them sends CFG_SET in an exchange of its own,
// which we ACK and take instead, whether it came before the REPLY or after it.
import { randomInt } from 'node:crypto';
import { EngineError } from '../api.js';
import type { IkeSa } from '../ike-sa.js';
import type { Logger } from '../logger.js';
import type { Messenger } from '../messenger.js';
import type { ModeConfigResult } from '../../shared/network-setup.js';
import { tlv } from '../wire/attributes.js';
import { CfgType, ExchangeType } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import { modeConfigRequestAttributes, readModeConfig } from './mode-config-attributes.js';
import { type AttributeMessage, openTransaction, sealTransaction } from './transaction.js';

export interface ModeConfigDeps {
  sa: IkeSa;
  messenger: Messenger;
  log: Logger;
  applicationVersion: string;
  newMessageId: () => number;
  /** the profile's choice: ask (pull), or only wait for the gateway's CFG_SET (push) */
  mode: 'pull' | 'push';
  /** ask for the IPv6 attributes too (profile ipv6: auto) */
  ipv6: boolean;
  /** how long a push-only wait lasts */
  timeoutMs: number;
}

/** Mode Config as the profile says; resolves with a configuration that has an address. */
export async function runModeConfig(deps: ModeConfigDeps): Promise<ModeConfigResult> {
  const { message, reply } =
    deps.mode === 'push' ? await awaitPush(deps) : await pullModeConfig(deps);
  if (reply.cfgType === CfgType.Set) {
    deps.log.info('modecfg', 'the gateway pushed its configuration (CFG_SET): acknowledged');
    acknowledgeSet(deps, message, reply);
  }
  const result = resultOf(deps, reply);
  if (!result.internalIp4) {
    throw new EngineError(
      'modecfg-no-address',
      'the gateway assigned no virtual IP address (Mode Config)',
    );
  }
  return result;
}

/** 3.2: a gateway that pushes sends its SET in an exchange of its own once XAuth is done. */
function awaitPush(
  deps: ModeConfigDeps,
): Promise<{ message: RawMessage; reply: AttributeMessage }> {
  return deps.messenger.expect(
    [ExchangeType.Transaction],
    (m) => {
      const body = openTransaction(deps.sa, m);
      return body.cfgType === CfgType.Set ? { message: m, reply: body } : undefined;
    },
    deps.timeoutMs,
    "the gateway's Mode Config (CFG_SET)",
  );
}

function pullModeConfig(
  deps: ModeConfigDeps,
): Promise<{ message: RawMessage; reply: AttributeMessage }> {
  const { sa, messenger } = deps;
  const messageId = deps.newMessageId();
  const identifier = randomInt(1, 0xffff);
  const request = sealTransaction(sa, messageId, {
    cfgType: CfgType.Request,
    identifier,
    attributes: modeConfigRequestAttributes(deps.applicationVersion, deps.ipv6),
  });
  // The REPLY comes in our exchange (our message ID); a gateway that pushes sends a SET in
  // an exchange of its own. Either only once it authenticates.
  return messenger.request(
    request,
    [ExchangeType.Transaction],
    (m) => {
      const body = openTransaction(sa, m);
      if (m.header.messageId !== messageId)
        return body.cfgType === CfgType.Set ? { message: m, reply: body } : undefined;
      if (body.cfgType !== CfgType.Reply && body.cfgType !== CfgType.Set)
        throw new EngineError(
          'malformed-response',
          `Mode Config answer of type ${body.cfgType}, expected REPLY or SET`,
        );
      return { message: m, reply: body };
    },
    'the Mode Config request',
    { gatewayExchanges: [ExchangeType.Transaction] },
  );
}

/** A transaction after Mode Config is done: a CFG_SET the gateway pushes (after answering our
 * REQUEST, or to change what it gave) is acknowledged and its result returned for the
 * connection to apply; anything else is left alone (undefined). Throws UnauthenticatedError
 * for a message that does not authenticate. */
export function answerModeConfigPush(
  deps: Pick<ModeConfigDeps, 'sa' | 'messenger' | 'log'>,
  message: RawMessage,
): ModeConfigResult | undefined {
  const body = openTransaction(deps.sa, message);
  if (body.cfgType !== CfgType.Set) return undefined;
  deps.log.info('modecfg', 'the gateway pushed a configuration (CFG_SET): acknowledged');
  acknowledgeSet(deps, message, body);
  return resultOf(deps, body);
}

function resultOf(deps: Pick<ModeConfigDeps, 'log'>, body: AttributeMessage): ModeConfigResult {
  const { result, ignored } = readModeConfig(body.attributes);
  if (ignored.length)
    deps.log.debug('modecfg', `ignored attributes the gateway sent: ${ignored.join(', ')}`);
  return result;
}

/** 3.4: the ACK lists the attributes we accepted, with empty values. */
function acknowledgeSet(
  deps: Pick<ModeConfigDeps, 'sa' | 'messenger'>,
  message: RawMessage,
  set: AttributeMessage,
): void {
  deps.messenger.answer(
    message,
    sealTransaction(deps.sa, message.header.messageId, {
      cfgType: CfgType.Ack,
      identifier: set.identifier,
      attributes: set.attributes.map((a) => tlv(a.type, Buffer.alloc(0))),
    }),
  );
}
