// The ESP data path in the addon (native/esp-sa.cc, on OpenSSL's EVP interface): the same
// contract as EspEngine (test/dataplane/esp-model, the tests' reference model). The carriers
// install and remove SAs here and read counters; their packets flow through the addon's data
// path (openDataPath) with no JavaScript per batch. The batch calls (one native call each) are
// for the tests and the bench: results are views into slabs this object reuses, valid until
// its next call in the same direction.
import type { DataPlaneCounters, EspSaCounters } from '../../shared/counters.js';
import type { EspSaPair } from '../../shared/esp-sa.js';
import {
  type NativeDataPath,
  type NativeEsp,
  type NativeSaSpec,
  type NativeUdpSocket,
  type PacketSlab,
  loadTunAddon,
} from '../tun/native-addon.js';
import {
  type DataPlaneTotals,
  SUMMED_FIELDS,
  addSaCounters,
  emptySaCounters,
  emptyTotals,
} from './esp-counters.js';
import {
  checkInstallable,
  hardLifetimeBytes,
  replayWindowSize,
  softLifetimeBytes,
} from './sa-limits.js';
import {
  type DecryptResult,
  ESP_DROP_REASONS,
  type EspDropReason,
  type EspEngineOptions,
  type ExpiryReason,
  type InstallOptions,
  type RekeyReason,
} from './esp-types.js';
import { compiledRanges } from './traffic-selectors.js';
import { resolveTransform } from './transform.js';

/** the order of NativeEsp.saCounters() (its fields array in esp.cc) */
const COUNTER_FIELDS = [...SUMMED_FIELDS, 'lastInboundAt', 'lastOutboundAt'] as const;
/** the addon's event reasons by number (esp::RekeyReason): soft limits, then hard ones */
const REKEY_REASONS: readonly RekeyReason[] = ['sequence-space', 'kilobyte-lifetime'];
const EXPIRY_REASONS: readonly ExpiryReason[] = [
  'sequence-space-exhausted',
  'kilobyte-lifetime-reached',
];
/** a limit the addon takes as a number: 0 for none */
const orZero = (limit: number) => (Number.isFinite(limit) ? limit : 0);
/** a receive or TUN batch of MTU-size packets fits without growing */
const INITIAL_SLAB_BYTES = 256 * 1024;
const INITIAL_BATCH = 64;

/** one frozen result per reason: a drop allocates nothing */
const DROPS = Object.fromEntries(
  ESP_DROP_REASONS.map((reason) => [reason, Object.freeze({ drop: reason })]),
) as Record<EspDropReason, DecryptResult>;

interface Installed {
  readonly handle: number;
  readonly sa: EspSaPair;
}

/** Where a direction's outputs go: a packet slab grown (rarely) when a batch needs more. */
class Outputs implements PacketSlab {
  slab = Buffer.allocUnsafeSlow(INITIAL_SLAB_BYTES);
  lengths = new Uint32Array(INITIAL_BATCH);
  count = 0;
  outcomes = new Uint8Array(INITIAL_BATCH);

  fit(packets: number, bytes = 0): void {
    if (packets > this.lengths.length) {
      this.lengths = new Uint32Array(packets);
      this.outcomes = new Uint8Array(packets);
    }
    if (bytes > this.slab.length) this.slab = Buffer.allocUnsafeSlow(bytes);
  }

  /** the outputs as views */
  views(): Buffer[] {
    const packets = new Array<Buffer>(this.count);
    let offset = 0;
    for (let index = 0; index < this.count; index++) {
      const end = offset + this.lengths[index]!;
      packets[index] = this.slab.subarray(offset, end);
      offset = end;
    }
    return packets;
  }
}

/** how many packets a batch argument holds */
const batchSize = (batch: readonly Buffer[] | PacketSlab): number =>
  'count' in batch ? batch.count : batch.length;

/** The addon's install spec for an SA pair; RangeError for what we do not implement. */
function nativeSpec(sa: EspSaPair, firstSequence: number): NativeSaSpec {
  const transform = resolveTransform(sa);
  const local = compiledRanges(sa.selectors.local);
  const remote = compiledRanges(sa.selectors.remote);
  return {
    ...(transform.kind === 'gcm'
      ? { cipher: transform.cipher, digest: '', icvLength: 16 }
      : { cipher: transform.cipher, digest: transform.hmac, icvLength: transform.icvLength }),
    inbound: sa.inbound,
    outbound: sa.outbound,
    replayWindow: replayWindowSize(sa),
    softLifetimeBytes: orZero(softLifetimeBytes(sa)),
    hardLifetimeBytes: orZero(hardLifetimeBytes(sa)),
    firstSequence,
    local: local.ipv4,
    remote: remote.ipv4,
    local6: local.ipv6,
    remote6: remote.ipv6,
  };
}

export class NativeEspEngine {
  private readonly native: NativeEsp;
  private readonly signal = new Uint32Array(1);
  private readonly byId = new Map<string, Installed>();
  private readonly idByHandle = new Map<number, string>();
  private readonly inboundSpis = new Set<number>();
  private nextHandle = 1;
  /** the counts of removed SAs */
  private readonly settled: DataPlaneTotals = emptyTotals();
  private readonly sealed = new Outputs();
  private readonly opened = new Outputs();
  private readonly counterScratch = new Float64Array(COUNTER_FIELDS.length);

  constructor(private readonly options: EspEngineOptions = {}) {
    this.native = new (loadTunAddon().EspEngine)(this.signal);
  }

  /** Throws as EspEngine.install does. The keys are copied into the addon and wiped there. */
  install(sa: EspSaPair, options: InstallOptions = {}): void {
    checkInstallable(sa, {
      hasId: (id) => this.byId.has(id),
      hasInboundSpi: (spi) => this.inboundSpis.has(spi),
    });
    const handle = this.nextHandle++;
    this.native.install(handle, nativeSpec(sa, options.firstSequence ?? 1));
    this.byId.set(sa.id, { handle, sa });
    this.idByHandle.set(handle, sa.id);
    this.inboundSpis.add(sa.inbound.spi);
  }

  /** False if no SA has this id. Its packets are then unknown-SPI drops. */
  remove(id: string): boolean {
    const installed = this.byId.get(id);
    if (!installed) return false;
    addSaCounters(this.settled, this.saCounters(installed));
    this.native.remove(installed.handle);
    this.byId.delete(id);
    this.idByHandle.delete(installed.handle);
    this.inboundSpis.delete(installed.sa.inbound.spi);
    return true;
  }

  /** A copy of the UDP payload for the gateway's port 4500, or null (counted). */
  encrypt(innerPacket: Buffer): Buffer | null {
    const [packet] = this.encryptBatch([innerPacket]);
    return packet ? Buffer.from(packet) : null;
  }

  /** EspEngine.encryptBatch; views valid until the next encrypt call. */
  encryptBatch(innerPackets: readonly Buffer[]): Buffer[] {
    return this.sealSlab(innerPackets).views();
  }

  /** encryptBatch() without a Buffer per packet: the ESP packets as a slab this object reuses
   * (valid until the next encrypt call). */
  sealSlab(inner: readonly Buffer[] | PacketSlab): PacketSlab & { views(): Buffer[] } {
    const outputs = this.sealed;
    outputs.fit(batchSize(inner));
    let count = this.native.seal(inner, outputs.slab, outputs.lengths);
    if (count < 0) {
      outputs.fit(batchSize(inner), Math.max(-count, 2 * outputs.slab.length));
      count = this.native.seal(inner, outputs.slab, outputs.lengths);
    }
    outputs.count = count;
    this.drainEvents();
    return outputs;
  }

  /** The inner IP packet (a copy) or the (counted) reason it was dropped. */
  decrypt(udpPayload: Buffer): DecryptResult {
    const [packet] = this.decryptBatch([udpPayload]);
    if (packet) return { packet: Buffer.from(packet) };
    return DROPS[ESP_DROP_REASONS[this.opened.outcomes[0]! - 1]!];
  }

  /** EspEngine.decryptBatch; views valid until the next decrypt call. */
  decryptBatch(udpPayloads: readonly Buffer[]): Buffer[] {
    return this.openSlab(udpPayloads).views();
  }

  /** decryptBatch() without a Buffer per packet: the inner packets as a slab this object reuses
   * (valid until the next decrypt call), each input's outcome in `outcomes`. */
  openSlab(packets: readonly Buffer[] | PacketSlab): PacketSlab & { views(): Buffer[] } {
    const outputs = this.opened;
    const size = batchSize(packets);
    outputs.fit(size);
    let count = this.native.open(packets, outputs.slab, outputs.lengths, outputs.outcomes);
    if (count < 0) {
      outputs.fit(size, Math.max(-count, 2 * outputs.slab.length));
      count = this.native.open(packets, outputs.slab, outputs.lengths, outputs.outcomes);
    }
    outputs.count = count;
    this.drainEvents();
    return outputs;
  }

  /** The addon's hot loop over this engine (native/datapath.cc): it takes the NAT-T socket's
   * receive batches from now on; its lifetime events reach onRekeyNeeded and onExpired as
   * ours do. */
  openDataPath(
    natt: NativeUdpSocket,
    onIke: (packet: Buffer, rest: Buffer, restLengths: Uint32Array) => void,
  ): NativeDataPath {
    return new (loadTunAddon().DataPath)(this.native, natt, onIke, () => this.drainEvents());
  }

  /** bench only: the addon's engineCost over two engines' SAs (thread CPU ns per packet of the
   * seal and open the data path runs, with no JavaScript per batch) */
  static engineCost(
    client: NativeEspEngine,
    gateway: NativeEspEngine,
    outbound: readonly Buffer[],
    inbound: readonly Buffer[],
    rounds: number,
  ): { sealNs: number; openNs: number } {
    return loadTunAddon().engineCost(client.native, gateway.native, outbound, inbound, rounds);
  }

  counters(): DataPlaneCounters {
    const total = { ...this.settled, ...this.native.totals() };
    const sas = [...this.byId.values()].map((installed) => this.saCounters(installed));
    for (const sa of sas) addSaCounters(total, sa);
    return { at: Date.now(), sas, total };
  }

  private saCounters({ handle, sa }: Installed): EspSaCounters {
    const counters = emptySaCounters(sa);
    this.native.saCounters(handle, this.counterScratch);
    COUNTER_FIELDS.forEach((field, index) => (counters[field] = this.counterScratch[index]!));
    return counters;
  }

  private drainEvents(): void {
    if (this.signal[0] === 0) return;
    const events = this.native.takeEvents();
    for (let index = 0; index < events.length; index += 2) {
      const id = this.idByHandle.get(events[index]!);
      const code = events[index + 1]!;
      const soft = REKEY_REASONS[code];
      const hard = EXPIRY_REASONS[code - REKEY_REASONS.length];
      if (id === undefined) continue;
      if (soft) this.options.onRekeyNeeded?.(id, soft);
      else if (hard) this.options.onExpired?.(id, hard);
    }
  }
}
