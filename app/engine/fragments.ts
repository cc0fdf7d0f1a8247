// IKEv1 fragmentation (Cisco's scheme, as strongSwan, racoon and Libreswan speak it): a phase 1
// message too large for one datagram on a path that drops IP fragments travels as several
// cleartext ISAKMP messages, each holding one Fragment payload (132) with a piece of the whole
// encoded message, its header included. This module splits what we send once the gateway
// announced the vendor ID, and reassembles what the gateway fragments, within limits: a peer
// (or anyone on the path) must not make us hold much memory or wait for pieces forever.
import { isIPv6 } from 'node:net';
import type { IkeLeg } from '../shared/dataplane-port.js';
import type { Logger } from './logger.js';
import { DecodeError } from './wire/codec.js';
import {
  ExchangeType,
  FragmentFlag,
  GENERIC_PAYLOAD_HEADER_LENGTH,
  ISAKMP_HEADER_LENGTH,
  NON_ESP_MARKER,
  PayloadType,
} from './wire/constants.js';
import { type RawMessage, decodeHeader, encodeMessage } from './wire/message.js';
import { type FragmentBody, decodePayloadChain } from './wire/payloads.js';

/** Without path MTU discovery the safe datagram size is the one every host must take: 576
 * bytes for IPv4 (RFC 791 3.1, RFC 1122 3.3.3) and the minimum link MTU 1280 for IPv6 (RFC 8200
 * 5). strongSwan picks the same two when its fragment_size is 0. */
const SAFE_DATAGRAM = { ipv4: 576, ipv6: 1280 } as const;
const IP_HEADER = { ipv4: 20, ipv6: 40 } as const;
const UDP_HEADER = 8;
/** the fragment number is one byte */
const MAX_FRAGMENT_NUMBER = 0xff;
/** fragment ID 2, number 1, flags 1 after the generic payload header */
const FRAGMENT_PAYLOAD_OVERHEAD = GENERIC_PAYLOAD_HEADER_LENGTH + 4;

/** Largest IKE message (ISAKMP header included) one datagram to `gateway` carries unfragmented
 * on `leg`: the safe datagram less the IP and UDP headers and, on the NAT-T port, the non-ESP
 * marker (RFC 3948 2.2). */
export function maxIkeMessage(gateway: string, leg: IkeLeg): number {
  const family = isIPv6(gateway) ? 'ipv6' : 'ipv4';
  const marker = leg === 'natt' ? NON_ESP_MARKER.length : 0;
  return SAFE_DATAGRAM[family] - IP_HEADER[family] - UDP_HEADER - marker;
}

/** How much of the whole message one fragment carries when a datagram holds `maxMessage`. */
function pieceSize(maxMessage: number): number {
  return maxMessage - ISAKMP_HEADER_LENGTH - FRAGMENT_PAYLOAD_OVERHEAD;
}

/** Splits an encoded message into fragments of at most `maxMessage` bytes each. Each fragment
 * copies the cookies and exchange type, is not encrypted and has message ID 0, as strongSwan
 * and Cisco send them; the numbers start at 1 and the last carries the LAST flag. */
export function splitIntoFragments(
  message: Buffer,
  fragmentId: number,
  maxMessage: number,
): Buffer[] {
  const { header } = decodeHeader(message);
  const size = pieceSize(maxMessage);
  const count = Math.ceil(message.length / size);
  if (count > MAX_FRAGMENT_NUMBER) {
    throw new Error(
      `a ${message.length}-byte message needs more than ${MAX_FRAGMENT_NUMBER} fragments`,
    );
  }
  return Array.from({ length: count }, (_, index) =>
    encodeMessage(
      {
        initiatorCookie: header.initiatorCookie,
        responderCookie: header.responderCookie,
        exchangeType: header.exchangeType,
        flags: 0,
        messageId: 0,
      },
      [
        {
          type: PayloadType.Fragment,
          body: {
            fragmentId,
            number: index + 1,
            flags: index === count - 1 ? FragmentFlag.Last : 0,
            data: message.subarray(index * size, (index + 1) * size),
          },
        },
      ],
    ),
  );
}

export interface ReassemblyLimits {
  /** fragments in one message: a certificate chain needs about 10 of 512 bytes */
  maxFragments: number;
  /** bytes of one reassembled message: strongSwan's charon.max_packet default (10000) */
  maxBytes: number;
  /** a set still incomplete after this long lost a piece: the gateway's retransmission sends
   * every piece again, so waiting longer only holds memory */
  maxAgeMs: number;
  /** sets held at once (one message, and its retransmission under a new fragment ID) */
  maxSets: number;
}

export const REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxFragments: 32,
  maxBytes: 10_000,
  maxAgeMs: 15_000,
  maxSets: 4,
};

interface FragmentSet {
  startedAt: number;
  pieces: Map<number, Buffer>;
  /** the number of the fragment flagged LAST, once it came */
  last: number | undefined;
  bytes: number;
}

/** What the messenger asks of fragmentation: split what it sends, reassemble what it gets. */
export class IkeFragmentation {
  private peerReassembles = false;
  private nextFragmentId = 1;
  /** the message last split and its fragment ID: a retransmission goes under the same ID, so
   * the gateway can fill a lost piece from it */
  private lastSplit: { message: Buffer; fragmentId: number } | undefined;
  private readonly sets = new Map<string, FragmentSet>();
  /** fragments dropped as malformed or over a limit */
  refusedFragments = 0;

  constructor(
    private readonly gateway: string,
    private readonly log: Logger,
    private readonly limits: ReassemblyLimits = REASSEMBLY_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The gateway announced the fragmentation vendor ID (or not): it reassembles fragments. A
   * new IKE SA negotiates this again. */
  setPeerReassembles(value: boolean): void {
    this.peerReassembles = value;
  }

  /** The datagrams that carry `message` on `leg`: fragments when the gateway reassembles them
   * and a phase 1 message (the exchanges that carry certificates) is larger than the path's
   * safe size; otherwise the message itself. */
  datagramsFor(message: Buffer, leg: IkeLeg): Buffer[] {
    const maxMessage = maxIkeMessage(this.gateway, leg);
    if (!this.peerReassembles || message.length <= maxMessage) return [message];
    const { exchangeType } = decodeHeader(message).header;
    const phase1 =
      exchangeType === ExchangeType.IdentityProtection || exchangeType === ExchangeType.Aggressive;
    if (!phase1) return [message];
    if (!this.lastSplit?.message.equals(message)) {
      this.lastSplit = { message, fragmentId: this.nextFragmentId };
      this.nextFragmentId = (this.nextFragmentId % 0xffff) + 1;
    }
    const fragments = splitIntoFragments(message, this.lastSplit.fragmentId, maxMessage);
    this.log.debug(
      'session',
      `sending a ${message.length}-byte message as ${fragments.length} IKE fragments of at most ${maxMessage} bytes (fragment ID ${this.lastSplit.fragmentId})`,
    );
    return fragments;
  }

  /** The message went whole although larger than the path's safe size, because the gateway
   * offered no IKE fragmentation: a path that drops IP fragments loses it. */
  sentWholeOversize(message: Buffer, leg: IkeLeg): boolean {
    return !this.peerReassembles && message.length > maxIkeMessage(this.gateway, leg);
  }

  /** Takes one received fragment; returns the whole message once its last piece is in.
   * Duplicates are ignored, order does not matter; a malformed fragment is logged and
   * dropped, and a set that breaks a limit or grows stale is dropped whole. */
  take(fragment: RawMessage): Buffer | undefined {
    this.dropStale();
    let body: FragmentBody;
    try {
      body = fragmentBody(fragment);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return this.refuse(error.message);
    }
    const { fragmentId, number, flags, data } = body;
    const key = `${fragment.header.initiatorCookie.toString('hex')}:${fragment.header.responderCookie.toString('hex')}:${fragmentId}`;
    if (number < 1 || number > this.limits.maxFragments) {
      return this.refuse(
        `fragment number ${number} of fragment ID ${fragmentId} is outside 1..${this.limits.maxFragments}`,
      );
    }
    const set = this.setFor(key);
    if (set.pieces.has(number)) {
      this.log.debug(
        'session',
        `ignored a repeated IKE fragment ${number} of fragment ID ${fragmentId}`,
      );
      return undefined;
    }
    const isLast = (flags & FragmentFlag.Last) !== 0;
    const beyondLast = set.last !== undefined && (number > set.last || isLast);
    const beforeHeld = isLast && Math.max(0, ...set.pieces.keys()) > number;
    if (beyondLast || beforeHeld) {
      this.sets.delete(key);
      return this.refuse(
        `fragment ${number} of fragment ID ${fragmentId} contradicts the last fragment's number; the set is dropped`,
      );
    }
    if (set.bytes + data.length > this.limits.maxBytes) {
      this.sets.delete(key);
      return this.refuse(
        `the fragments of fragment ID ${fragmentId} exceed ${this.limits.maxBytes} bytes; the set is dropped`,
      );
    }
    set.pieces.set(number, data);
    set.bytes += data.length;
    if (isLast) set.last = number;
    if (set.last === undefined || set.pieces.size < set.last) return undefined;
    this.sets.delete(key);
    const whole = Buffer.concat(
      [...set.pieces.entries()].sort(([a], [b]) => a - b).map(([, d]) => d),
    );
    if (whole[16] === PayloadType.Fragment) {
      return this.refuse(`fragment ID ${fragmentId} reassembled to another fragment`);
    }
    this.log.debug(
      'session',
      `reassembled a ${whole.length}-byte message from ${set.last} IKE fragments (fragment ID ${fragmentId})`,
    );
    return whole;
  }

  private setFor(key: string): FragmentSet {
    const existing = this.sets.get(key);
    if (existing) return existing;
    if (this.sets.size >= this.limits.maxSets) {
      const [oldest] = this.sets.keys();
      if (oldest !== undefined) this.sets.delete(oldest);
      this.log.debug(
        'session',
        'dropped the oldest incomplete set of IKE fragments: too many at once',
      );
    }
    const set: FragmentSet = {
      startedAt: this.now(),
      pieces: new Map(),
      last: undefined,
      bytes: 0,
    };
    this.sets.set(key, set);
    return set;
  }

  private dropStale(): void {
    const now = this.now();
    for (const [key, set] of this.sets) {
      if (now - set.startedAt <= this.limits.maxAgeMs) continue;
      this.sets.delete(key);
      this.log.debug(
        'session',
        `dropped an incomplete set of ${set.pieces.size} IKE fragments after ${this.limits.maxAgeMs / 1000} s`,
      );
    }
  }

  private refuse(cause: string): undefined {
    this.refusedFragments++;
    this.log.warn('session', `dropped an IKE fragment from the gateway: ${cause}`);
    return undefined;
  }
}

/** The one Fragment payload of a fragment message. racoon sets the encryption flag on its
 * fragments, which are never encrypted (strongSwan ignores the flag for them too). */
function fragmentBody(fragment: RawMessage): FragmentBody {
  const { payloads, skipped } = decodePayloadChain(fragment.header.firstPayload, fragment.body);
  const [only] = payloads;
  if (payloads.length !== 1 || skipped.length > 0 || only?.type !== PayloadType.Fragment) {
    throw new DecodeError('bad-value', 'a fragment message must hold exactly one Fragment payload');
  }
  return only.body;
}
