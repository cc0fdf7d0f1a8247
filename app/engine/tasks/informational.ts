// The informational exchanges the gateway starts (RFC 2409 5.7), answered as they come:
// R-U-THERE and its ACK (RFC 3706), DELETE (RFC 2408 3.15), a cluster's redirect and error
// notifications (RFC 2408 3.14.1). What a DELETE or an error means depends on the exchange of
// ours under way, which the task manager names: a DELETE of the IKE SA during XAuth is how some
// gateways say "wrong password"; a refusal during our Quick Mode is that Quick Mode's to judge.
import { EngineError } from '../api.js';
import type { ChildSas } from '../child-sas.js';
import type { DeadPeerDetector } from '../exchanges/dpd.js';
import { openInformational } from '../exchanges/informational.js';
import type { IkeSaHolder } from '../ike-sa-holder.js';
import type { Logger } from '../logger.js';
import { isErrorNotification, notifyError, notifyName } from '../notify-errors.js';
import { UnauthenticatedError } from '../unauthenticated.js';
import { DecodeError } from '../wire/codec.js';
import { NotifyType, ProtocolId } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import type { TaskManager } from './task-manager.js';

/** What the gateway's informational exchanges act on. */
export interface InformationalSession {
  readonly ike: IkeSaHolder;
  readonly tasks: TaskManager;
  readonly log: Logger;
  readonly childSas: ChildSas;
  /** the running detector, if DPD is on */
  dpd(): DeadPeerDetector | undefined;
  /** the tunnel is up: an error notification is news, a redirect comes too late */
  connected(): boolean;
  /** ends the connection; `notifyGateway` false when the gateway already dropped the IKE SA */
  fail(error: EngineError, notifyGateway?: boolean): void;
}

/** Answers one informational message on the current IKE SA; one that does not authenticate
 * or decode is dropped and counted. */
export function answerInformational(session: InformationalSession, message: RawMessage): void {
  try {
    const content = openInformational(session.ike.require().sa, message);
    for (const notification of content.notifications)
      onNotification(session, notification.notifyType, notification.data, message);
    for (const deletion of content.deletes) onDelete(session, deletion.protocolId, deletion.spis);
  } catch (error) {
    if (error instanceof UnauthenticatedError)
      session.ike.messenger.dropUnauthenticated(error, '(informational)', 'debug');
    else if (error instanceof DecodeError)
      session.log.debug('informational', `dropped an informational message: ${error.message}`);
    else throw error;
  }
}

function onNotification(
  session: InformationalSession,
  type: number,
  data: Buffer,
  message: RawMessage,
): void {
  const { log, tasks } = session;
  if (type === NotifyType.DpdRUThere && data.length === 4) {
    session.dpd()?.answer(message, data.readUInt32BE(0));
    return;
  }
  if (type === NotifyType.DpdRUThereAck && data.length === 4) {
    if (!session.dpd()?.acknowledge(data.readUInt32BE(0)))
      log.debug('informational', 'ignored an R-U-THERE-ACK with an unexpected sequence number');
    return;
  }
  if (type === NotifyType.CiscoLoadBalance) {
    onRedirect(session, data);
    return;
  }
  if (!isErrorNotification(type)) {
    log.debug('informational', `gateway status: ${notifyName(type)}`);
    return;
  }
  // a refusal of our exchange comes in an informational exchange of its own (strongSwan's
  // way); with no exchange of phase 1's IKE SA under way, it is about an ESP SA
  const active = tasks.active;
  const error = notifyError(type, tasks.authenticating ? 'after-phase1' : 'phase2', true);
  // our Quick Mode decides what its refusal means (pfs: auto tries once more with PFS)
  if (active === 'quick-mode') tasks.interrupt(error);
  else if (session.connected()) log.warn('informational', error.message);
  else session.fail(error);
}

/** Cisco load balancing: the cluster names the member to connect to (4 bytes, IPv4). As
 * strongSwan and Shrew Soft do, the connection starts over there; once the tunnel is up it
 * stays (Shrew Soft's rule: the network is already set up for this gateway). */
function onRedirect(session: InformationalSession, data: Buffer): void {
  const { log } = session;
  if (data.length !== 4) {
    log.warn('informational', `ignored a load-balancing redirect of ${data.length} bytes`);
    return;
  }
  const member = [...data].join('.');
  if (session.connected()) {
    log.info('informational', `ignored a redirect to ${member}: the tunnel is up`);
    return;
  }
  log.info('informational', `the gateway's cluster redirects us to ${member}`);
  session.fail(
    new EngineError('gateway-redirected', `the gateway redirected us to ${member}`, {
      authenticated: true,
      redirectTo: member,
    }),
  );
}

function onDelete(session: InformationalSession, protocolId: number, spis: Buffer[]): void {
  if (protocolId === ProtocolId.Esp) {
    session.childSas.onGatewayDelete(spis);
    return;
  }
  if (protocolId !== ProtocolId.Isakmp) return;
  // RFC 2408 3.15: the SPI (both cookies) names the IKE SA; another one's is not ours
  const { sa } = session.ike.require();
  const ours = Buffer.concat([sa.initiatorCookie, sa.responderCookie]);
  if (!spis.some((spi) => spi.equals(ours))) {
    session.log.debug('informational', 'ignored a DELETE for an IKE SA that is not ours');
    return;
  }
  session.log.info('informational', 'the gateway deleted the IKE SA');
  const duringXauth = session.tasks.active === 'xauth';
  session.fail(
    new EngineError(
      duringXauth ? 'xauth-rejected' : 'deleted-by-peer',
      duringXauth
        ? 'the gateway ended the session during XAuth: username or password rejected'
        : 'the gateway closed the connection (DELETE)',
    ),
    false,
  );
}
