// One installed ESP SA pair: sequence numbers, anti-replay window, selectors, counters and the
// soft- and hard-limit signals, around the transform's sealer/opener. Nothing here logs per packet.
import type { EspSaCounters } from '../../../app/shared/counters.js';
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import type { EspCodecs } from './codecs.js';
import type {
  EspDropReason,
  ExpiryReason,
  RekeyReason,
} from '../../../app/dataplane/esp/esp-types.js';
import { emptySaCounters } from '../../../app/dataplane/esp/esp-counters.js';
import { ESP_SEQUENCE_OFFSET, espPayloadLength } from './esp-payload.js';
import { NEXT_HEADER_NONE, innerPacketLength } from './inner-packet.js';
import { ReplayWindow } from './replay-window.js';
import {
  hardLifetimeBytes,
  replayWindowSize,
  softLifetimeBytes,
} from '../../../app/dataplane/esp/sa-limits.js';
import { TrafficSelectors } from './traffic-selectors.js';

const MAX_SEQUENCE = 0xffffffff;
/** ask for a rekey with 2^20 sequence numbers left; RFC 4303 3.3.3 forbids cycling */
const SEQUENCE_SOFT_LIMIT = 2 ** 32 - 2 ** 20;

export class EspSecurityAssociation {
  readonly counters: EspSaCounters;
  private readonly window: ReplayWindow;
  private readonly selectors: TrafficSelectors;
  private readonly softLifetimeBytes: number;
  private readonly hardLifetimeBytes: number;
  private readonly signalled = new Set<RekeyReason | ExpiryReason>();
  /** a hard limit was reached: nothing more is sent (RFC 4301 4.4.2.1) */
  private expired = false;
  private nextSequence: number;

  constructor(
    sa: EspSaPair,
    private readonly codecs: EspCodecs,
    firstSequence: number,
    private readonly onRekeyNeeded: (reason: RekeyReason) => void,
    private readonly onExpired: (reason: ExpiryReason) => void,
  ) {
    this.window = new ReplayWindow(replayWindowSize(sa));
    this.selectors = new TrafficSelectors(sa.selectors);
    this.counters = emptySaCounters(sa);
    this.nextSequence = firstSequence;
    this.softLifetimeBytes = softLifetimeBytes(sa);
    this.hardLifetimeBytes = hardLifetimeBytes(sa);
  }

  coversOutbound(inner: Buffer, nextHeader: number): boolean {
    return this.selectors.coverOutbound(inner, nextHeader);
  }

  /**
   * Numbers and counts one more outbound packet of `innerLength` bytes: its sequence number,
   * or -1 (a send error) once the SA expired: its sequence space used up or its kilobyte
   * lifetime reached. Limits are signalled here, so at the same packet however packets are
   * batched. seal() must follow in the same turn.
   */
  numberOutbound(innerLength: number): number {
    const counters = this.counters;
    const sequence = this.nextSequence;
    if (sequence > MAX_SEQUENCE) this.expire('sequence-space-exhausted'); // installed past the end
    if (this.expired) {
      counters.sendErrors++; // RFC 4303 3.3.3: never cycle; only a new SA can send
      return -1;
    }
    this.nextSequence = sequence + 1;
    counters.packetsOut++;
    counters.bytesOut += innerLength;
    counters.lastOutboundAt = Date.now();
    if (sequence >= SEQUENCE_SOFT_LIMIT) this.signal('sequence-space');
    if (sequence === MAX_SEQUENCE) this.expire('sequence-space-exhausted');
    this.checkKilobytes(counters.bytesOut);
    return sequence;
  }

  /** ESP packets for validated inner packets numbered firstSequence, +1, ... (numberOutbound) */
  seal(inner: readonly Buffer[], firstSequence: number): Buffer[] {
    return this.codecs.sealer.seal(inner, firstSequence);
  }

  /**
   * Inbound, first step, one packet at a time in arrival order: length, replay and ICV checks
   * (RFC 4303 3.4.3, 3.4.4.1). What decrypt() takes, or why the packet is dropped.
   */
  authenticate(packet: Buffer): Buffer | EspDropReason {
    const { opener } = this.codecs;
    const counters = this.counters;
    if (!opener.fitsLength(packet.length)) return 'malformed';
    // cheap rejection of duplicates and old packets before the ICV ...
    const sequence = packet.readUInt32BE(ESP_SEQUENCE_OFFSET);
    if (!this.window.isFresh(sequence)) {
      counters.replayDrops++;
      return 'replay';
    }
    const authenticated = opener.authenticate(packet);
    if (authenticated === undefined) {
      counters.icvFailures++;
      return 'icv';
    }
    // ... and the window moves only for authentic packets, before the next packet's check
    this.window.accept(sequence);
    counters.lastInboundAt = Date.now();
    return authenticated;
  }

  /** Second step: the plaintexts of a run of authenticated packets, in order. */
  decrypt(authenticated: readonly Buffer[]): readonly Buffer[] {
    return this.codecs.opener.decrypt(authenticated);
  }

  /** Last step, in arrival order: the inner packet of a plaintext, or why it is dropped. */
  deliver(plaintext: Buffer): Buffer | EspDropReason {
    const counters = this.counters;
    const payloadLength = espPayloadLength(plaintext, plaintext.length);
    if (payloadLength < 0) {
      counters.paddingErrors++;
      return 'padding';
    }
    const nextHeader = plaintext[plaintext.length - 1] ?? 0;
    if (nextHeader === NEXT_HEADER_NONE) {
      counters.packetsIn++;
      return 'dummy';
    }
    const innerLength = innerPacketLength(plaintext, payloadLength, nextHeader);
    if (innerLength < 0) {
      counters.decryptErrors++;
      return 'decrypt';
    }
    if (!this.selectors.coverInbound(plaintext, nextHeader)) {
      counters.selectorDrops++;
      return 'selector';
    }
    counters.packetsIn++;
    counters.bytesIn += innerLength;
    this.checkKilobytes(counters.bytesIn);
    return plaintext.subarray(0, innerLength);
  }

  /** after each counted byte: the kilobyte limits either direction reached */
  private checkKilobytes(bytes: number): void {
    if (bytes >= this.softLifetimeBytes) this.signal('kilobyte-lifetime');
    if (bytes >= this.hardLifetimeBytes) this.expire('kilobyte-lifetime-reached');
  }

  private signal(reason: RekeyReason): void {
    if (this.signalled.has(reason)) return;
    this.signalled.add(reason);
    this.onRekeyNeeded(reason);
  }

  private expire(reason: ExpiryReason): void {
    this.expired = true;
    if (this.signalled.has(reason)) return;
    this.signalled.add(reason);
    this.onExpired(reason);
  }
}
