// The support bundle's view of the wire: each IKE datagram the engine sends or receives, as
// cleartext ISAKMP with its secrets redacted (redact.ts). Unencrypted messages are redacted as
// they pass; an encrypted one is matched, by its ciphertext, with the plaintext the IKE SA
// sealed it from or opened it to (tapIkeSa), so a retransmission shows the same cleartext.
import { createHash } from 'node:crypto';
import type { IkeLeg } from '../../shared/dataplane-port.js';
import type { CapturedIkeMessage, IkeEndpoints } from '../api.js';
import { eventTime } from '../event-time.js';
import type { IkeSa } from '../ike-sa.js';
import { DecodeError } from '../wire/codec.js';
import { NON_ESP_MARKER } from '../wire/constants.js';
import { type RawMessage, decodeHeader, isEncrypted } from '../wire/message.js';
import { redactedCleartext } from './redact.js';

/** ciphertexts remembered while their datagram or plaintext is awaited: a handshake's worth */
const REMEMBERED = 16;

type Direction = CapturedIkeMessage['direction'];

/** A small map that forgets its oldest entries. */
class Recent<V> {
  private readonly entries = new Map<string, V>();
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > REMEMBERED) this.entries.delete(this.entries.keys().next().value!);
  }
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  take(key: string): V | undefined {
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }
}

const keyOf = (ciphertext: Buffer) => createHash('sha1').update(ciphertext).digest('hex');

interface Pending {
  message: RawMessage;
  leg: IkeLeg;
  at: number;
}

export class IkeCapture {
  /** plaintexts by ciphertext, sealed or opened by the IKE SA */
  private readonly plaintexts = new Recent<Buffer>();
  /** received encrypted datagrams not opened yet */
  private readonly unopened = new Recent<Pending>();

  constructor(
    private readonly sink: (message: CapturedIkeMessage) => void,
    private readonly endpoints: () => IkeEndpoints,
  ) {}

  /** A datagram as the channel sends or delivers it (without the non-ESP marker). */
  datagram(packet: Buffer, direction: Direction, leg: IkeLeg): void {
    let message: RawMessage;
    try {
      message = decodeHeader(packet);
    } catch (error) {
      if (error instanceof DecodeError) return; // the messenger drops and counts it
      throw error;
    }
    const at = eventTime();
    if (!isEncrypted(message.header)) {
      this.emitCleartext({ message, leg, at }, direction, message.body);
      return;
    }
    const key = keyOf(message.body);
    const plaintext = this.plaintexts.get(key);
    if (plaintext) this.emitCleartext({ message, leg, at }, direction, plaintext);
    else if (direction === 'received') this.unopened.set(key, { message, leg, at });
    // its plaintext forgotten (a retransmission after many newer messages): shown as it went
    else this.emit({ message, leg, at }, direction, message.bytes, false);
  }

  /** The same IKE SA, telling the capture each plaintext it seals or opens. */
  readonly tapIkeSa = (sa: IkeSa): IkeSa => {
    return {
      initiatorCookie: sa.initiatorCookie,
      responderCookie: sa.responderCookie,
      skeyidD: sa.skeyidD,
      skeyidA: sa.skeyidA,
      prf: (key, data) => sa.prf(key, data),
      encrypt: (messageId, plaintext) => {
        const ciphertext = sa.encrypt(messageId, plaintext);
        this.plaintexts.set(keyOf(ciphertext), Buffer.from(plaintext));
        return ciphertext;
      },
      decrypt: (messageId, ciphertext) => {
        const opened = sa.decrypt(messageId, ciphertext);
        const key = keyOf(ciphertext);
        this.plaintexts.set(key, Buffer.from(opened.plaintext));
        const pending = this.unopened.take(key);
        if (pending) this.emitCleartext(pending, 'received', opened.plaintext);
        return opened;
      },
    };
  };

  private emitCleartext(datagram: Pending, direction: Direction, chain: Buffer): void {
    const isakmp = redactedCleartext(datagram.message.header, chain);
    if (isakmp) this.emit(datagram, direction, isakmp, isEncrypted(datagram.message.header));
  }

  private emit(datagram: Pending, direction: Direction, isakmp: Buffer, decrypted: boolean): void {
    const ends = this.endpoints();
    const natt = datagram.leg === 'natt';
    const local = { address: ends.localAddress, port: natt ? ends.localNattPort : ends.localPort };
    const gateway = {
      address: ends.gatewayAddress,
      port: natt ? ends.gatewayNattPort : ends.gatewayPort,
    };
    this.sink({
      at: datagram.at,
      direction,
      source: direction === 'sent' ? local : gateway,
      destination: direction === 'sent' ? gateway : local,
      // RFC 3948 2.2: on port 4500 IKE rides behind four zero bytes
      udpPayload: natt ? Buffer.concat([NON_ESP_MARKER, isakmp]) : isakmp,
      decrypted,
    });
  }
}
