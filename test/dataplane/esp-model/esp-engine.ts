// The TypeScript reference model of the ESP data path (the addon's esp-sa.cc runs it; the tests
// check the addon against this): RFC 4303 tunnel mode in UDP encapsulation (RFC 3948), a table of
// installed SA pairs, inner packets in, UDP payloads for port 4500 out, and back.
// Several SAs live at once during a rekey: the new one is installed before the old one is
// removed; inbound accepts both (lookup by SPI), outbound uses the newest that covers a packet.
import type { DataPlaneCounters } from '../../../app/shared/counters.js';
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import {
  type DataPlaneTotals,
  addSaCounters,
  emptyTotals,
} from '../../../app/dataplane/esp/esp-counters.js';
import { ESP_HEADER_LENGTH } from './esp-payload.js';
import { innerPacketLength, nextHeaderFor } from './inner-packet.js';
import { RandomPool } from './random-pool.js';
import {
  type DecryptResult,
  ESP_DROP_REASONS,
  type EspDropReason,
  type EspEngineOptions,
  type InstallOptions,
} from '../../../app/dataplane/esp/esp-types.js';
import { EspSecurityAssociation } from './security-association.js';
import { checkInstallable } from '../../../app/dataplane/esp/sa-limits.js';
import { createCodecs } from './codecs.js';

/** largest inner packet (IPv6: 40-byte header + 65535 payload) plus IV block and trailer */
const MAX_CIPHER_INPUT = 40 + 65535 + 16 + 15 + 2;
/** cipher input space: a whole receive/TUN batch of MTU-size packets per CBC cipher call */
const SCRATCH_BYTES = Math.max(MAX_CIPHER_INPUT, 256 * 1024);

/** one frozen result per reason: a drop allocates nothing */
const DROPS = Object.fromEntries(
  ESP_DROP_REASONS.map((reason) => [reason, Object.freeze({ drop: reason })]),
) as Record<EspDropReason, DecryptResult>;

export class EspEngine {
  private readonly byId = new Map<string, EspSecurityAssociation>();
  private readonly bySpi = new Map<number, EspSecurityAssociation>();
  /** newest first */
  private outbound: EspSecurityAssociation[] = [];
  /** engine-level drops plus the counts of removed SAs */
  private readonly settled: DataPlaneTotals = emptyTotals();
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  private readonly random = new RandomPool();

  constructor(private readonly options: EspEngineOptions = {}) {}

  /** Throws for a duplicate id or inbound SPI, a reserved SPI, or an unsupported transform. */
  install(sa: EspSaPair, options: InstallOptions = {}): void {
    checkInstallable(sa, {
      hasId: (id) => this.byId.has(id),
      hasInboundSpi: (spi) => this.bySpi.has(spi),
    });
    const state = new EspSecurityAssociation(
      sa,
      createCodecs(sa, this.scratch, this.random),
      options.firstSequence ?? 1,
      (reason) => this.options.onRekeyNeeded?.(sa.id, reason),
      (reason) => this.options.onExpired?.(sa.id, reason),
    );
    this.byId.set(sa.id, state);
    this.bySpi.set(sa.inbound.spi, state);
    this.outbound.unshift(state);
  }

  /** False if no SA has this id. Its packets are then unknown-SPI drops. */
  remove(id: string): boolean {
    const state = this.byId.get(id);
    if (!state) return false;
    this.byId.delete(id);
    this.bySpi.delete(state.counters.spiIn);
    this.outbound = this.outbound.filter((candidate) => candidate !== state);
    addSaCounters(this.settled, state.counters);
    return true;
  }

  /** UDP payload for the gateway's port 4500, or null (counted) if no SA can carry it. */
  encrypt(innerPacket: Buffer): Buffer | null {
    return this.encryptBatch([innerPacket])[0] ?? null;
  }

  /**
   * encrypt() for each packet of a batch: the UDP payloads in order, drops left out (counted).
   * Consecutive packets on the same SA are sealed as one run (one cipher call for CBC).
   */
  encryptBatch(innerPackets: readonly Buffer[]): Buffer[] {
    const sealed: Buffer[] = [];
    let run: Buffer[] = [];
    let runState: EspSecurityAssociation | undefined;
    let runStart = 0;
    for (const packet of innerPackets) {
      const state = this.outboundSaFor(packet);
      const sequence = state ? state.numberOutbound(packet.length) : -1;
      if (!state || sequence < 0) continue;
      if (state !== runState) {
        if (runState) appendTo(sealed, runState.seal(run, runStart));
        run = [];
        runState = state;
        runStart = sequence;
      }
      run.push(packet);
    }
    if (runState) appendTo(sealed, runState.seal(run, runStart));
    return sealed;
  }

  /** The inner IP packet of an ESP-in-UDP payload, or the (counted) reason it was dropped. */
  decrypt(udpPayload: Buffer): DecryptResult {
    const result = this.openBatch([udpPayload])[0]!;
    return typeof result === 'string' ? DROPS[result] : { packet: result };
  }

  /** decrypt() for each payload of a batch: the inner packets in order, drops left out. */
  decryptBatch(udpPayloads: readonly Buffer[]): Buffer[] {
    const inner: Buffer[] = [];
    for (const result of this.openBatch(udpPayloads)) {
      if (typeof result !== 'string') inner.push(result);
    }
    return inner;
  }

  counters(): DataPlaneCounters {
    const total = { ...this.settled };
    const sas = [...this.byId.values()].map((state) => ({ ...state.counters }));
    for (const sa of sas) addSaCounters(total, sa);
    return { at: Date.now(), sas, total };
  }

  /** The newest SA whose selectors cover a valid inner packet, or undefined (counted). */
  private outboundSaFor(innerPacket: Buffer): EspSecurityAssociation | undefined {
    const nextHeader = nextHeaderFor(innerPacket);
    if (innerPacketLength(innerPacket, innerPacket.length, nextHeader) !== innerPacket.length) {
      this.settled.malformedDrops++;
      return undefined;
    }
    for (const state of this.outbound) {
      if (state.coversOutbound(innerPacket, nextHeader)) return state;
    }
    this.settled.noRouteDrops++;
    return undefined;
  }

  /**
   * Per payload, in order: its inner packet or why it was dropped. RFC 4303 3.4.3/3.4.4.1
   * checks and the replay window run packet by packet; consecutive authentic packets of one SA
   * are decrypted as one run (one cipher call for CBC) and then checked in order.
   */
  private openBatch(udpPayloads: readonly Buffer[]): (Buffer | EspDropReason)[] {
    const results = new Array<Buffer | EspDropReason>(udpPayloads.length);
    let run: Buffer[] = [];
    let runSlots: number[] = [];
    let runState: EspSecurityAssociation | undefined;
    for (let slot = 0; slot < udpPayloads.length; slot++) {
      const payload = udpPayloads[slot]!;
      const state = this.inboundSaFor(payload);
      if (typeof state === 'string') {
        results[slot] = state;
        continue;
      }
      const authenticated = state.authenticate(payload);
      if (typeof authenticated === 'string') {
        // the SA counts its drops, except packets that cannot be its (they have no SA)
        if (authenticated === 'malformed') this.settled.malformedDrops++;
        results[slot] = authenticated;
        continue;
      }
      if (state !== runState) {
        if (runState) openRun(runState, run, runSlots, results);
        run = [];
        runSlots = [];
        runState = state;
      }
      run.push(authenticated);
      runSlots.push(slot);
    }
    if (runState) openRun(runState, run, runSlots, results);
    return results;
  }

  /** The SA a payload's SPI names, or why there is none (counted). */
  private inboundSaFor(udpPayload: Buffer): EspSecurityAssociation | 'malformed' | 'no-sa' {
    if (udpPayload.length < ESP_HEADER_LENGTH) {
      this.settled.malformedDrops++;
      return 'malformed';
    }
    const state = this.bySpi.get(udpPayload.readUInt32BE(0));
    if (state) return state;
    this.settled.noSaDrops++;
    return 'no-sa';
  }
}

/** Decrypts a run of one SA's authenticated packets and puts each outcome in its slot. */
function openRun(
  state: EspSecurityAssociation,
  run: readonly Buffer[],
  slots: readonly number[],
  results: (Buffer | EspDropReason)[],
): void {
  const plaintexts = state.decrypt(run);
  for (let index = 0; index < slots.length; index++) {
    results[slots[index]!] = state.deliver(plaintexts[index]!);
  }
}

function appendTo(target: Buffer[], packets: readonly Buffer[]): void {
  for (const packet of packets) target.push(packet);
}
