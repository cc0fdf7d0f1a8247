// Sends IKE messages on the current leg, retransmits requests with backoff until the matching
// answer arrives, re-sends our last answer when the gateway retransmits a request, and hands
// everything else to the session's dispatcher. A wait takes only a message it authenticated:
// a forged or damaged one is dropped, counted and logged, and the wait goes on. Malformed
// datagrams are dropped and counted; a repeat of a message already taken is ignored.
import { createHash } from 'node:crypto';
import type { IkeChannel, IkeLeg } from '../shared/dataplane-port.js';
import { EngineError } from './api.js';
import { IkeFragmentation } from './fragments.js';
import type { Logger } from './logger.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { DecodeError } from './wire/codec.js';
import { PayloadType } from './wire/constants.js';
import { type RawMessage, decodeHeader } from './wire/message.js';

export interface RetransmitTiming {
  /** first retransmission after this many ms; doubles each time */
  initialMs: number;
  /** sends in total, the first one included */
  tries: number;
}

export const DEFAULT_RETRANSMIT: RetransmitTiming = { initialMs: 500, tries: 6 };

/** Which messages a wait looks at, by their header (nothing is decrypted yet): a test of the
 * header, or exchange types, which is what most waits want. For a request they are the types an
 * answer may have in the request's own exchange (its message ID, RFC 2408 3.1); for a message
 * the gateway starts, the types of an exchange of its own (a message ID not 0, which is phase
 * 1's, and not one of our open requests'). */
type Match = ((message: RawMessage) => boolean) | readonly number[];

/** What a wait makes of a message that matched: its authenticated content; undefined for an
 * authentic message that is not what the wait is for (left alone, the wait goes on). It throws
 * UnauthenticatedError for a message that does not authenticate (dropped, counted, the wait
 * goes on); any other error ends the wait with that error. */
export type Accept<T> = (message: RawMessage) => T | undefined;

interface Waiter {
  match: (message: RawMessage) => boolean;
  /** true when the message ended the wait */
  offer: (message: RawMessage) => boolean;
}

type Outcome<T> = { value: T } | { error: unknown };

const ANSWER_CACHE_SIZE = 8;
const BACKLOG_SIZE = 16;
const TAKEN_SIZE = 16;

export class Messenger {
  private leg: IkeLeg = 'ike';
  private readonly waiters = new Set<Waiter>();
  private readonly answers = new Map<string, Buffer>();
  /** digests of the messages waits took: the gateway repeats one when its retransmitted
   * answer crosses ours, and its IV chain has moved on, so it could only fail now */
  private readonly taken = new Set<string>();
  private readonly backlog: RawMessage[] = [];
  /** the message IDs of our requests still waiting: exchanges of ours, not the gateway's */
  private readonly openRequests = new Set<number>();
  /** ends a running within() early (close) */
  private readonly timedWaits = new Set<() => void>();
  private dispatcher: (message: RawMessage) => boolean = () => false;
  private initiatorCookie: Buffer | undefined;
  private closed = false;
  readonly fragmentation: IkeFragmentation;
  malformedDrops = 0;
  /** messages dropped because they did not authenticate (forged, or damaged on the way) */
  unauthenticatedDrops = 0;

  constructor(
    private readonly channel: IkeChannel,
    private readonly timing: RetransmitTiming,
    private readonly log: Logger,
    private readonly gateway: string,
  ) {
    this.fragmentation = new IkeFragmentation(gateway, log);
    channel.onPacket((packet) => this.receive(packet));
  }

  get currentLeg(): IkeLeg {
    return this.leg;
  }

  /** RFC 3947 4: after NAT detection both sides move to port 4500. */
  floatToNatt(): void {
    this.leg = 'natt';
  }

  /** Only datagrams for our IKE SA are considered (RFC 2408 3.1: cookies identify the SA).
   * On re-authentication the new IKE SA takes over: what is queued for the old one goes. */
  bindCookie(initiatorCookie: Buffer): void {
    this.initiatorCookie = initiatorCookie;
    // the new IKE SA's message 1 goes whole: the gateway has yet to say it takes fragments
    this.fragmentation.setPeerReassembles(false);
    const kept = this.backlog.filter((m) => m.header.initiatorCookie.equals(initiatorCookie));
    this.backlog.splice(0, this.backlog.length, ...kept);
  }

  /** Unsolicited messages (DPD, DELETE, gateway-initiated transactions) go here first. */
  setDispatcher(dispatcher: (message: RawMessage) => boolean): void {
    this.dispatcher = dispatcher;
  }

  send(bytes: Buffer): void {
    if (this.closed) return;
    for (const datagram of this.fragmentation.datagramsFor(bytes, this.leg))
      this.channel.send(datagram, this.leg);
  }

  /** Sends an answer and remembers it, so a retransmitted request gets the same answer. */
  answer(request: RawMessage, response: Buffer): void {
    this.remember(request, response);
    this.send(response);
  }

  /** Remembers the answer to a request without sending it: for an answer that is itself a
   * request (Quick Mode message 2 as responder, retransmitted by request() until HASH(3)). */
  remember(request: RawMessage, response: Buffer): void {
    this.answers.set(digest(request.bytes), response);
    if (this.answers.size > ANSWER_CACHE_SIZE) {
      this.answers.delete(this.answers.keys().next().value as string);
    }
  }

  /** Sends a request and retransmits it with backoff until an answer that matches is
   * accepted (see Accept), or the retransmission budget ends. With `triesAfterDrop`, a
   * dropped answer shortens the budget to that many more sends: for a wait whose bad answers
   * say something (a wrong key), the gateway's real answer gets a fair chance, no more. With
   * `gatewayExchanges`, a message the gateway starts in an exchange of its own of those types
   * may end the wait too (a pushed CFG_SET that stands in for the REPLY). `maxTries` caps the
   * sends below the messenger's own budget. */
  async request<T>(
    bytes: Buffer,
    match: Match,
    accept: Accept<T>,
    what: string,
    options: {
      triesAfterDrop?: number;
      signal?: AbortSignal;
      gatewayExchanges?: readonly number[];
      maxTries?: number | undefined;
    } = {},
  ): Promise<T> {
    const { messageId } = decodeHeader(bytes).header;
    const ours = typeof match === 'function' ? match : this.inOurExchange(messageId, match);
    const theirs = options.gatewayExchanges && this.inGatewayExchange(options.gatewayExchanges);
    const waiter = this.wait(
      theirs ? (m) => ours(m) || theirs(m) : ours,
      accept,
      `an answer to ${what}`,
    );
    this.openRequests.add(messageId);
    // news from elsewhere (the gateway refused the exchange in one of its own) ends the wait
    const interrupt = () => waiter.abandon(options.signal?.reason);
    if (options.signal?.aborted) interrupt();
    options.signal?.addEventListener('abort', interrupt, { once: true });
    let tries = Math.min(this.timing.tries, options.maxTries ?? Infinity);
    let delay = this.timing.initialMs;
    let elapsed = 0;
    let attempt = 0;
    try {
      while (attempt < tries) {
        attempt++;
        if (attempt > 1) this.log.debug('session', `retransmitting ${what} (try ${attempt})`);
        this.send(bytes);
        const answer = await waiter.within(delay);
        if (answer) return answer.value;
        if (this.closed) throw abandoned(what);
        elapsed += delay;
        delay *= 2;
        if (options.triesAfterDrop !== undefined && waiter.drops() > 0)
          tries = Math.min(tries, attempt + options.triesAfterDrop);
      }
    } finally {
      options.signal?.removeEventListener('abort', interrupt);
      this.openRequests.delete(messageId);
      waiter.cancel();
    }
    throw new EngineError(
      'timeout',
      `no answer to ${what} from ${this.gateway} after ${attempt} tries over ${(elapsed / 1000).toFixed(1)} s`,
    );
  }

  /** Waits for a message the gateway starts (e.g. the XAuth request after message 3),
   * looking first at what arrived before anyone waited. */
  async expect<T>(exchange: Match, accept: Accept<T>, timeoutMs: number, what: string): Promise<T> {
    const match = typeof exchange === 'function' ? exchange : this.inGatewayExchange(exchange);
    const waiter = this.wait(match, accept, what);
    try {
      for (let index = this.backlog.findIndex(match); index >= 0;) {
        const [queued] = this.backlog.splice(index, 1) as [RawMessage];
        if (waiter.offer(queued)) break;
        index = this.backlog.findIndex(match);
      }
      const message = await waiter.within(timeoutMs);
      if (message) return message.value;
      if (this.closed) throw abandoned(what);
    } finally {
      waiter.cancel();
    }
    throw new EngineError(
      'timeout',
      `the gateway ${this.gateway} did not send ${what} within ${(timeoutMs / 1000).toFixed(1)} s`,
    );
  }

  /** Counts and logs a message that did not authenticate. A wait warns of its first (a wrong
   * key looks like this too) and notes the others at debug, so a flood does not flood the log. */
  dropUnauthenticated(error: UnauthenticatedError, context: string, level: 'warn' | 'debug'): void {
    this.unauthenticatedDrops++;
    this.log[level](
      'session',
      `dropped a message that did not authenticate ${context}: ${error.message} (${this.unauthenticatedDrops} so far)`,
    );
  }

  /** Ends every wait at once: a closed connection must leave no timer running. */
  close(): void {
    this.closed = true;
    this.waiters.clear();
    for (const stop of [...this.timedWaits]) stop();
  }

  /** Exchange types in our request's exchange: its message ID. */
  private inOurExchange(messageId: number, types: readonly number[]) {
    return (m: RawMessage) =>
      m.header.messageId === messageId && types.includes(m.header.exchangeType);
  }

  /** Exchange types in an exchange the gateway starts: neither phase 1's nor one of ours. */
  private inGatewayExchange(types: readonly number[]) {
    return (m: RawMessage) =>
      m.header.messageId !== 0 &&
      !this.openRequests.has(m.header.messageId) &&
      types.includes(m.header.exchangeType);
  }

  private wait<T>(match: (message: RawMessage) => boolean, accept: Accept<T>, what: string) {
    let outcome: Outcome<T> | undefined;
    let wake: () => void = () => undefined;
    let drops = 0;
    const waiter: Waiter = {
      match,
      offer: (message) => {
        try {
          const value = accept(message);
          if (value === undefined) {
            this.log.debug('session', `ignored an authentic message that is not ${what}`);
            return false;
          }
          outcome = { value };
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) outcome = { error };
          else {
            this.dropUnauthenticated(
              error,
              `while waiting for ${what}; still waiting`,
              ++drops === 1 ? 'warn' : 'debug',
            );
            return false;
          }
        }
        this.waiters.delete(waiter);
        addBounded(this.taken, digest(message.bytes), TAKEN_SIZE);
        wake();
        return true;
      },
    };
    this.waiters.add(waiter);
    return {
      offer: waiter.offer,
      /** how many matching messages were dropped unauthenticated */
      drops: () => drops,
      /** the accepted value, undefined when `ms` passed first; rejects when accept threw */
      within: (ms: number) =>
        new Promise<{ value: T } | undefined>((resolve, reject) => {
          const finish = () => {
            if (!outcome) resolve(undefined);
            else if ('error' in outcome) reject(outcome.error);
            else resolve(outcome);
          };
          if (outcome || this.closed) return finish();
          const settle = () => {
            clearTimeout(timer);
            this.timedWaits.delete(settle);
            finish();
          };
          const timer = setTimeout(settle, ms);
          this.timedWaits.add(settle);
          wake = settle;
        }),
      cancel: () => this.waiters.delete(waiter),
      /** ends the wait with `error`, unless a message ended it first */
      abandon: (error: unknown) => {
        if (outcome) return;
        outcome = { error };
        this.waiters.delete(waiter);
        wake();
      },
    };
  }

  private receive(packet: Buffer): void {
    let message: RawMessage;
    try {
      message = decodeHeader(packet);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.malformedDrops++;
      this.log.debug('session', `dropped a malformed datagram from the gateway: ${error.message}`);
      return;
    }
    if (this.initiatorCookie && !message.header.initiatorCookie.equals(this.initiatorCookie)) {
      this.log.debug('session', 'dropped a message for another IKE SA (initiator cookie differs)');
      return;
    }
    if (message.header.firstPayload === PayloadType.Fragment) {
      const whole = this.fragmentation.take(message);
      if (whole) this.receive(whole);
      return;
    }
    const key = digest(message.bytes);
    const cached = this.answers.get(key);
    if (cached) {
      this.log.debug('session', 'gateway retransmitted a request: sending our answer again');
      this.send(cached);
      return;
    }
    if (this.taken.has(key)) {
      this.log.debug('session', 'gateway repeated a message we already took: ignored');
      return;
    }
    const waiter = [...this.waiters].find((w) => w.match(message));
    if (waiter) {
      waiter.offer(message);
      return;
    }
    if (this.dispatcher(message)) return;
    this.backlog.push(message);
    if (this.backlog.length > BACKLOG_SIZE) this.backlog.shift();
  }
}

function abandoned(what: string): EngineError {
  return new EngineError('cancelled', `stopped waiting for ${what}: the connection is closing`);
}

/** Adds to a set that keeps its `size` newest entries. */
function addBounded(set: Set<string>, key: string, size: number): void {
  set.add(key);
  if (set.size > size) set.delete(set.values().next().value as string);
}

function digest(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}
