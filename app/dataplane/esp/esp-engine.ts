// The ESP data path (RFC 4303 tunnel mode in UDP encapsulation, RFC 3948): a table of
// installed SA pairs, inner packets in, UDP payloads for port 4500 out, and back.
// Several SAs live at once during a rekey: the new one is installed before the old one is
// removed; inbound accepts both (lookup by SPI), outbound uses the newest that covers a packet.
import type { DataPlaneCounters } from '../../shared/counters.js';
import type { EspSaPair } from '../../shared/esp-sa.js';
import { type DataPlaneTotals, addSaCounters, emptyTotals } from './esp-counters.js';
import { ESP_HEADER_LENGTH } from './esp-payload.js';
import { innerPacketLength, nextHeaderFor } from './inner-packet.js';
import { RandomPool } from './random-pool.js';
import {
  ESP_DROP_REASONS,
  type EspDropReason,
  type RekeyReason,
  EspSecurityAssociation,
} from './security-association.js';
import { createCodecs } from './transform.js';

export type DecryptResult = { packet: Buffer } | { drop: EspDropReason };

export interface EspEngineOptions {
  /** called once per SA and reason, synchronously from encrypt()/decrypt(); must not throw */
  onRekeyNeeded?: (saId: string, reason: RekeyReason) => void;
}

export interface InstallOptions {
  /** tests only: the first outbound sequence number instead of 1 (RFC 4303 3.3.3) */
  firstSequence?: number;
}

/** RFC 4303 2.1: SPI 0 is never sent and 1-255 are reserved by IANA */
const MIN_SPI = 256;
/** largest inner packet (IPv6: 40-byte header + 65535 payload) plus IV block and trailer */
const SCRATCH_BYTES = 40 + 65535 + 16 + 15 + 2;

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
    if (this.byId.has(sa.id)) throw new Error(`SA ${sa.id} is already installed`);
    for (const spi of [sa.inbound.spi, sa.outbound.spi]) {
      if (!Number.isInteger(spi) || spi < MIN_SPI || spi > 0xffffffff) {
        throw new RangeError(`SA ${sa.id}: SPI ${spi} is reserved or out of range`);
      }
    }
    if (this.bySpi.has(sa.inbound.spi)) {
      throw new Error(`SA ${sa.id}: inbound SPI ${sa.inbound.spi} is already in use`);
    }
    const state = new EspSecurityAssociation(
      sa,
      createCodecs(sa, this.scratch, this.random),
      options.firstSequence ?? 1,
      (reason) => this.options.onRekeyNeeded?.(sa.id, reason),
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
    const nextHeader = nextHeaderFor(innerPacket);
    if (innerPacketLength(innerPacket, innerPacket.length, nextHeader) !== innerPacket.length) {
      this.settled.malformedDrops++;
      return null;
    }
    for (const state of this.outbound) {
      if (state.coversOutbound(innerPacket, nextHeader)) return state.seal(innerPacket, nextHeader);
    }
    this.settled.noRouteDrops++;
    return null;
  }

  /** The inner IP packet of an ESP-in-UDP payload, or the (counted) reason it was dropped. */
  decrypt(udpPayload: Buffer): DecryptResult {
    if (udpPayload.length < ESP_HEADER_LENGTH) {
      this.settled.malformedDrops++;
      return DROPS.malformed;
    }
    const state = this.bySpi.get(udpPayload.readUInt32BE(0));
    if (!state) {
      this.settled.noSaDrops++;
      return DROPS['no-sa'];
    }
    const result = state.open(udpPayload);
    if (typeof result !== 'string') return { packet: result };
    if (result === 'malformed') this.settled.malformedDrops++;
    return DROPS[result];
  }

  counters(): DataPlaneCounters {
    const total = { ...this.settled };
    const sas = [...this.byId.values()].map((state) => ({ ...state.counters }));
    for (const sa of sas) addSaCounters(total, sa);
    return { at: Date.now(), sas, total };
  }
}
