// The diagnosis's view of the wire: every IKE datagram the engine sends or receives, summed up
// (leg, exchange, how many times the same bytes went by). A request sent again is our
// retransmission; the same datagram received again is the gateway's.
import { createHash } from 'node:crypto';
import type {
  AppliedNetwork,
  DataPlaneEvent,
  IkeChannel,
  IkeLeg,
} from '../../shared/dataplane-port.js';
import type { EspSaPair } from '../../shared/esp-sa.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import { eventTime } from '../event-time.js';
import { DecodeError } from '../wire/codec.js';
import { ExchangeType, HeaderFlag, PayloadType } from '../wire/constants.js';
import { type RawMessage, decodeHeader, findPayloads } from '../wire/message.js';
import { decodePayloadChain } from '../wire/payloads.js';

export interface IkeFact {
  kind: 'ike';
  direction: 'sent' | 'received';
  leg: IkeLeg;
  at: number;
  exchangeType: number;
  encrypted: boolean;
  /** 1 the first time these exact bytes went this way, 2 for the first repeat, ... */
  repeat: number;
  /** when these bytes first went this way */
  firstAt: number;
  /** an unprotected informational's notification (RFC 2408 3.14) */
  notifyType?: number;
}

/** Datagrams remembered for repeat counting: a handshake's worth. */
const REMEMBERED = 16;

class RepeatCounter {
  private readonly seen = new Map<string, { count: number; firstAt: number }>();

  count(packet: Buffer, at: number): { repeat: number; firstAt: number } {
    const key = createHash('sha1').update(packet).digest('hex');
    const entry = this.seen.get(key) ?? { count: 0, firstAt: at };
    entry.count++;
    this.seen.delete(key);
    this.seen.set(key, entry);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    return { repeat: entry.count, firstAt: entry.firstAt };
  }
}

function summarize(
  packet: Buffer,
  direction: IkeFact['direction'],
  leg: IkeLeg,
  counter: RepeatCounter,
): IkeFact | undefined {
  try {
    const message = decodeHeader(packet);
    const at = eventTime();
    const notifyType = direction === 'received' ? unprotectedNotifyType(message) : undefined;
    return {
      kind: 'ike',
      direction,
      leg,
      at,
      exchangeType: message.header.exchangeType,
      encrypted: (message.header.flags & HeaderFlag.Encryption) !== 0,
      ...counter.count(packet, at),
      ...(notifyType === undefined ? {} : { notifyType }),
    };
  } catch (error) {
    // the messenger drops and counts what does not decode
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

/** The notification an unprotected informational carries (RFC 2408 3.14): a gateway that lost
 * our IKE SA can only say so in clear. */
function unprotectedNotifyType(message: RawMessage): number | undefined {
  const { exchangeType, flags, firstPayload } = message.header;
  if (exchangeType !== ExchangeType.Informational || flags & HeaderFlag.Encryption)
    return undefined;
  try {
    const { payloads } = decodePayloadChain(firstPayload, message.body);
    return findPayloads(payloads, PayloadType.Notification)[0]?.body.notifyType;
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

/** Each datagram itself, for the support bundle's capture (capture/ike-capture.ts). */
export type DatagramObserver = (
  packet: Buffer,
  direction: IkeFact['direction'],
  leg: IkeLeg,
) => void;

/** The same channel, reporting each IKE datagram to `observe` (and `datagram`) on its way. */
export class TappedIkeChannel implements IkeChannel {
  private readonly sent = new RepeatCounter();
  private readonly received = new RepeatCounter();

  constructor(
    private readonly inner: IkeChannel,
    private readonly observe: (fact: IkeFact) => void,
    private readonly datagram: DatagramObserver = () => undefined,
  ) {}

  get localAddress(): string {
    return this.inner.localAddress;
  }
  get localPort(): number {
    return this.inner.localPort;
  }
  get localNattPort(): number {
    return this.inner.localNattPort;
  }

  send(packet: Buffer, leg: IkeLeg): void {
    this.inner.send(packet, leg);
    this.datagram(packet, 'sent', leg);
    const fact = summarize(packet, 'sent', leg, this.sent);
    if (fact) this.observe(fact);
  }

  onPacket(listener: (packet: Buffer, leg: IkeLeg) => void): void {
    this.inner.onPacket((packet, leg) => {
      this.datagram(packet, 'received', leg);
      const fact = summarize(packet, 'received', leg, this.received);
      if (fact) this.observe(fact);
      listener(packet, leg);
    });
  }

  onEvent(listener: (event: DataPlaneEvent) => void): void {
    this.inner.onEvent(listener);
  }
  setKeepalive(intervalSeconds: number): void {
    this.inner.setKeepalive(intervalSeconds);
  }
  lastInboundAt(): number {
    return this.inner.lastInboundAt();
  }
  installSa(sa: EspSaPair): Promise<void> {
    return this.inner.installSa(sa);
  }
  removeSa(id: string): Promise<void> {
    return this.inner.removeSa(id);
  }
  configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork> {
    return this.inner.configureNetwork(setup);
  }
  deconfigureNetwork(): Promise<void> {
    return this.inner.deconfigureNetwork();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
