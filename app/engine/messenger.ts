// Sends IKE messages on the current leg, retransmits requests with backoff until the matching
// answer arrives, re-sends our last answer when the gateway retransmits a request, and hands
// everything else to the session's dispatcher. Malformed datagrams are dropped and counted.
import { createHash } from 'node:crypto';
import type { IkeChannel, IkeLeg } from '../shared/dataplane-port.js';
import { EngineError } from './api.js';
import type { Logger } from './logger.js';
import { DecodeError } from './wire/codec.js';
import { type RawMessage, decodeHeader } from './wire/message.js';

export interface RetransmitTiming {
  /** first retransmission after this many ms; doubles each time */
  initialMs: number;
  /** sends in total, the first one included */
  tries: number;
}

export const DEFAULT_RETRANSMIT: RetransmitTiming = { initialMs: 500, tries: 6 };

type Match = (message: RawMessage) => boolean;

interface Waiter {
  match: Match;
  resolve: (message: RawMessage) => void;
}

const ANSWER_CACHE_SIZE = 8;
const BACKLOG_SIZE = 16;

export class Messenger {
  private leg: IkeLeg = 'ike';
  private readonly waiters = new Set<Waiter>();
  private readonly answers = new Map<string, Buffer>();
  private readonly backlog: RawMessage[] = [];
  /** ends a running within() early (close) */
  private readonly timedWaits = new Set<() => void>();
  private dispatcher: (message: RawMessage) => boolean = () => false;
  private initiatorCookie: Buffer | undefined;
  private closed = false;
  malformedDrops = 0;

  constructor(
    private readonly channel: IkeChannel,
    private readonly timing: RetransmitTiming,
    private readonly log: Logger,
    private readonly gateway: string,
  ) {
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
    const kept = this.backlog.filter((m) => m.header.initiatorCookie.equals(initiatorCookie));
    this.backlog.splice(0, this.backlog.length, ...kept);
  }

  /** Unsolicited messages (DPD, DELETE, gateway-initiated transactions) go here first. */
  setDispatcher(dispatcher: (message: RawMessage) => boolean): void {
    this.dispatcher = dispatcher;
  }

  send(bytes: Buffer): void {
    if (!this.closed) this.channel.send(bytes, this.leg);
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

  /** Sends a request and retransmits it with backoff until an answer matches. */
  async request(bytes: Buffer, match: Match, what: string): Promise<RawMessage> {
    const waiter = this.wait(match);
    let delay = this.timing.initialMs;
    let elapsed = 0;
    try {
      for (let attempt = 1; attempt <= this.timing.tries; attempt++) {
        if (attempt > 1) this.log.debug('session', `retransmitting ${what} (try ${attempt})`);
        this.send(bytes);
        const answer = await waiter.within(delay);
        if (answer) return answer;
        if (this.closed) throw abandoned(what);
        elapsed += delay;
        delay *= 2;
      }
    } finally {
      waiter.cancel();
    }
    throw new EngineError(
      'timeout',
      `no answer to ${what} from ${this.gateway} after ${this.timing.tries} tries over ${(elapsed / 1000).toFixed(1)} s`,
    );
  }

  /** Waits for a message the gateway starts (e.g. the XAuth request after message 3). */
  async expect(match: Match, timeoutMs: number, what: string): Promise<RawMessage> {
    const queued = this.backlog.findIndex(match);
    if (queued >= 0) return this.backlog.splice(queued, 1)[0] as RawMessage;
    const waiter = this.wait(match);
    try {
      const message = await waiter.within(timeoutMs);
      if (message) return message;
      if (this.closed) throw abandoned(what);
    } finally {
      waiter.cancel();
    }
    throw new EngineError(
      'timeout',
      `the gateway ${this.gateway} did not send ${what} within ${(timeoutMs / 1000).toFixed(1)} s`,
    );
  }

  /** Ends every wait at once: a closed connection must leave no timer running. */
  close(): void {
    this.closed = true;
    this.waiters.clear();
    for (const stop of [...this.timedWaits]) stop();
  }

  private wait(match: Match) {
    let resolveMessage: (message: RawMessage | undefined) => void = () => undefined;
    let received: RawMessage | undefined;
    const waiter: Waiter = {
      match,
      resolve: (message) => {
        received = message;
        resolveMessage(message);
      },
    };
    this.waiters.add(waiter);
    return {
      within: (ms: number) =>
        new Promise<RawMessage | undefined>((resolve) => {
          if (received || this.closed) return resolve(received);
          const settle = (message: RawMessage | undefined) => {
            clearTimeout(timer);
            this.timedWaits.delete(stop);
            resolve(message);
          };
          const stop = () => settle(undefined);
          const timer = setTimeout(stop, ms);
          this.timedWaits.add(stop);
          resolveMessage = settle;
        }),
      cancel: () => this.waiters.delete(waiter),
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
    const cached = this.answers.get(digest(message.bytes));
    if (cached) {
      this.log.debug('session', 'gateway retransmitted a request: sending our answer again');
      this.send(cached);
      return;
    }
    for (const waiter of this.waiters) {
      if (waiter.match(message)) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    if (this.dispatcher(message)) return;
    this.backlog.push(message);
    if (this.backlog.length > BACKLOG_SIZE) this.backlog.shift();
  }
}

function abandoned(what: string): EngineError {
  return new EngineError('cancelled', `stopped waiting for ${what}: the connection is closing`);
}

function digest(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}
