// Gateways by address for the engine's tests of backup gateways and Cisco load balancing: a
// DataPlanePort whose IKE channel leads to the gateway double at the address the engine opens,
// and the script of a cluster master that sends a load-balancing redirect after XAuth.
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
} from '../../../app/engine/wire/constants.js';
import type {
  DataPlanePort,
  IkeChannel,
  OpenIkeOptions,
} from '../../../app/shared/dataplane-port.js';
import { FakeChannel } from '../../helper/support/fake-data-plane.js';
import type { FakeGateway } from './fake-gateway.js';
import type { Tamper } from './fake-responder.js';

/** Several gateway doubles, one per address ('silent': nothing answers there, as at a gateway
 * that is down; 'refused': each IKE packet meets an ICMP port unreachable, which a connected UDP
 * socket reports as ECONNREFUSED, as at an address with no IKE daemon); records the addresses
 * the engine opened. */
export class GatewaysByAddress implements DataPlanePort {
  readonly opened: string[] = [];

  /** the doubles by address; a test may swap one between connections */
  constructor(readonly gateways: Record<string, FakeGateway | 'silent' | 'refused'>) {}

  openIke(options: OpenIkeOptions): Promise<IkeChannel> {
    this.opened.push(options.gateway);
    const gateway = this.gateways[options.gateway];
    if (!gateway) return Promise.reject(new Error(`no gateway double at ${options.gateway}`));
    if (gateway === 'silent') return Promise.resolve(new FakeChannel(options, 0));
    if (gateway === 'refused') return Promise.resolve(refusingChannel(options));
    return gateway.openIke(options);
  }
}

function refusingChannel(options: OpenIkeOptions): FakeChannel {
  const channel = new FakeChannel(options, 0);
  const send = channel.send.bind(channel);
  channel.send = (packet, leg) => {
    send(packet, leg);
    channel.emit({ type: 'log', level: 'debug', message: `UDP ${leg} leg: recvmsg ECONNREFUSED` });
  };
  return channel;
}

/** A cluster master: after its XAuth status it sends, in an informational exchange of the IKE
 * SA, the load-balancing notify naming `member` (4 bytes, IPv4), as an ASA cluster does. */
export function redirectAfterXauth(member: string, messageId = 0x5eed0001): Tamper {
  return (step, message, tools) => {
    if (step !== 'xauth-status' || !tools.seal) return [{ packet: message }];
    const body = {
      doi: DOI_IPSEC,
      protocolId: ProtocolId.Isakmp,
      notifyType: NotifyType.CiscoLoadBalance,
      spi: Buffer.concat([tools.initiatorCookie, tools.responderCookie]),
      data: Buffer.from(member.split('.').map(Number)),
    };
    const notify = { type: PayloadType.Notification, body } as const;
    return [
      { packet: message },
      { packet: tools.seal(ExchangeType.Informational, messageId, [notify]) },
    ];
  };
}
