// Dead Peer Detection (RFC 3706): when nothing has arrived from the gateway for the idle delay,
// ask R-U-THERE; retry a few times with new sequence numbers; no ACK means the peer is dead.
// Inbound ESP counts as liveness, so a busy tunnel sends no DPD at all.
import { randomInt } from 'node:crypto';
import type { IkeSa } from '../ike-sa.js';
import type { Logger } from '../logger.js';
import type { Messenger } from '../messenger.js';
import { NotifyType } from '../wire/constants.js';
import type { RawMessage } from '../wire/message.js';
import { dpdNotification, sealInformational } from './informational.js';
import { dpdRetrySeconds } from '../../shared/profile.js';

export interface DpdOptions {
  delaySeconds: number;
  retries: number;
}

export interface DpdDeps {
  sa: IkeSa;
  messenger: Messenger;
  log: Logger;
  lastInboundAt: () => number;
  newMessageId: () => number;
  onDead: (message: string) => void;
  /** our traffic went unanswered for a while: probe now rather than after the idle delay
   * (RFC 3706 5.5, worry-metric), so a dead gateway or a blocked path shows up sooner */
  worried?: () => boolean;
}

const CHECK_INTERVAL_MS = 1000;

/** The interval between unanswered probes, and how long unanswered traffic waits for one. */
export function dpdRetryMs(delaySeconds: number): number {
  return dpdRetrySeconds(delaySeconds) * 1000;
}

export class DeadPeerDetector {
  /** RFC 3706 7: the first sequence number is random, high bit clear */
  private sequence = randomInt(0, 0x7fffffff);
  private readonly outstanding = new Set<number>();
  private probesSent = 0;
  private lastProbeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  lastAckAt = 0;

  constructor(
    private readonly options: DpdOptions,
    private readonly deps: DpdDeps,
  ) {}

  start(): void {
    if (this.options.delaySeconds <= 0) return;
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** An R-U-THERE-ACK arrived; only one answering a probe we sent counts. */
  acknowledge(sequence: number): boolean {
    if (!this.outstanding.has(sequence)) return false;
    this.outstanding.clear();
    this.probesSent = 0;
    this.lastAckAt = Date.now();
    return true;
  }

  /** Answers the gateway's R-U-THERE (RFC 3706 5.3); a retransmission of it gets the same
   * ACK (its IV chain has moved on: it could not be read again). */
  answer(request: RawMessage, sequence: number): void {
    const { sa, messenger } = this.deps;
    messenger.answer(
      request,
      sealInformational(
        sa,
        this.deps.newMessageId(),
        dpdNotification(sa, NotifyType.DpdRUThereAck, sequence),
      ),
    );
  }

  private check(): void {
    const now = Date.now();
    const delayMs = this.options.delaySeconds * 1000;
    const retryMs = dpdRetryMs(this.options.delaySeconds);
    if (this.probesSent === 0) {
      const idle = now - Math.max(this.deps.lastInboundAt(), this.lastAckAt);
      if (idle < delayMs && !this.deps.worried?.()) return;
    } else {
      if (this.deps.lastInboundAt() > this.lastProbeAt) {
        // something arrived since the probe: the gateway lives even if the ACK got lost
        this.outstanding.clear();
        this.probesSent = 0;
        return;
      }
      if (now - this.lastProbeAt < retryMs) return;
      if (this.probesSent >= this.options.retries) {
        this.stop();
        this.deps.onDead(
          `no answer to ${this.probesSent} dead peer detection requests (idle ${Math.round((now - this.deps.lastInboundAt()) / 1000)} s)`,
        );
        return;
      }
    }
    this.probe(now);
  }

  private probe(now: number): void {
    const { sa, messenger, log } = this.deps;
    this.sequence = (this.sequence + 1) >>> 0;
    this.outstanding.add(this.sequence);
    this.probesSent++;
    this.lastProbeAt = now;
    log.debug(
      'informational',
      `R-U-THERE ${this.sequence} (probe ${this.probesSent} of ${this.options.retries})`,
    );
    messenger.send(
      sealInformational(
        sa,
        this.deps.newMessageId(),
        dpdNotification(sa, NotifyType.DpdRUThere, this.sequence),
      ),
    );
  }
}
