// ESP (RFC 4303) in UDP (RFC 3948), tunnel mode: the SA table, per-packet encryption and
// decryption with anti-replay, and the counters. Inner packets are whole IP packets.
import {
  type CipherGCM,
  type DecipherGCM,
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { DataPlaneCounters, EspSaCounters } from '../shared/counters.js';
import type { DataPlaneEvent } from '../shared/dataplane-port.js';
import type { EspSaPair } from '../shared/esp-sa.js';
import { netContains } from '../shared/net.js';
import { ReplayWindow } from './replay-window.js';

/** RFC 4303 2.6: next header of the protected packet */
const NEXT_HEADER_IPV4 = 4;
const NEXT_HEADER_IPV6 = 41;
/** RFC 4303 3.3.3: rekey well before the 32-bit sequence number could wrap */
const SEQUENCE_REKEY_AT = 2 ** 32 - 2 ** 20;
const IV_POOL_BYTES = 64 * 1024;

interface Transform {
  cipher: string;
  block: number;
  ivLength: number;
  icvLength: number;
  hmac?: string;
}

function transformOf(sa: EspSaPair): Transform {
  if (sa.encryption === 'aes-gcm-16')
    return { cipher: `aes-${sa.keyBits}-gcm`, block: 4, ivLength: 8, icvLength: 16 };
  const cipher = sa.encryption === 'aes-cbc' ? `aes-${sa.keyBits}-cbc` : 'des-ede3-cbc';
  const block = sa.encryption === 'aes-cbc' ? 16 : 8;
  const hmac = {
    'hmac-sha1-96': 'sha1',
    'hmac-md5-96': 'md5',
    'hmac-sha256-128': 'sha256',
    none: undefined,
  }[sa.integrity];
  return {
    cipher,
    block,
    ivLength: block,
    icvLength: sa.integrity === 'hmac-sha256-128' ? 16 : 12,
    hmac,
  };
}

type Counters = Omit<EspSaCounters, 'saId' | 'spiIn' | 'spiOut'>;

const zeroCounters = (): Counters => ({
  packetsIn: 0,
  bytesIn: 0,
  packetsOut: 0,
  bytesOut: 0,
  icvFailures: 0,
  replayDrops: 0,
  decryptErrors: 0,
  paddingErrors: 0,
  selectorDrops: 0,
  sendErrors: 0,
  lastInboundAt: 0,
  lastOutboundAt: 0,
});

class Sa {
  readonly transform: Transform;
  readonly replay: ReplayWindow;
  sequence = 0;
  bytesOut = 0;
  rekeyAsked = false;
  readonly counters = zeroCounters();
  constructor(readonly pair: EspSaPair) {
    this.transform = transformOf(pair);
    this.replay = new ReplayWindow(pair.replayWindow);
  }
}

export interface EspPath {
  install(sa: EspSaPair): void;
  remove(id: string): void;
  clear(): void;
  /** an inner packet from the TUN to the UDP payload for port 4500; null = dropped */
  encrypt(inner: Buffer): Buffer | null;
  /** a UDP payload from port 4500 to the inner packet; null = dropped and counted */
  decrypt(packet: Buffer): Buffer | null;
  counters(sendErrors: number): DataPlaneCounters;
}

export function createEspPath(emit: (event: DataPlaneEvent) => void): EspPath {
  const byInboundSpi = new Map<number, Sa>();
  let outbound: Sa | undefined;
  const retired: Counters[] = [];
  const totals = { noSaDrops: 0, noRouteDrops: 0, receiveErrors: 0, malformedDrops: 0 };
  let ivPool = randomBytes(IV_POOL_BYTES);
  let ivOffset = 0;
  const takeIv = (length: number): Buffer => {
    if (ivOffset + length > ivPool.length) {
      ivPool = randomBytes(IV_POOL_BYTES);
      ivOffset = 0;
    }
    ivOffset += length;
    return ivPool.subarray(ivOffset - length, ivOffset);
  };

  const askRekey = (sa: Sa, reason: string) => {
    if (sa.rekeyAsked) return;
    sa.rekeyAsked = true;
    emit({ type: 'rekey-needed', saId: sa.pair.id, reason });
  };

  return {
    install(pair) {
      const sa = new Sa(pair);
      byInboundSpi.set(pair.inbound.spi, sa);
      outbound = sa; // the newest SA carries outbound traffic; older ones still decrypt
    },
    remove(id) {
      for (const [spi, sa] of byInboundSpi) {
        if (sa.pair.id !== id) continue;
        byInboundSpi.delete(spi);
        retired.push(sa.counters);
        if (outbound === sa) outbound = [...byInboundSpi.values()].at(-1);
      }
    },
    clear() {
      byInboundSpi.clear();
      outbound = undefined;
    },
    encrypt(inner) {
      const sa = outbound;
      if (!sa) {
        totals.noRouteDrops++;
        return null;
      }
      if (sa.sequence >= SEQUENCE_REKEY_AT) askRekey(sa, 'sequence numbers nearly used up');
      if (sa.sequence === 0xffffffff) return null; // never wrap (RFC 4303 3.3.3)
      const t = sa.transform;
      const seq = ++sa.sequence;
      const payloadLength = inner.length + 2;
      const padded = Math.ceil(payloadLength / t.block) * t.block;
      const padLength = padded - payloadLength;
      const plain = Buffer.allocUnsafe(padded);
      inner.copy(plain, 0);
      for (let i = 0; i < padLength; i++) plain[inner.length + i] = i + 1; // RFC 4303 2.4
      plain[padded - 2] = padLength;
      plain[padded - 1] = inner[0]! >> 4 === 6 ? NEXT_HEADER_IPV6 : NEXT_HEADER_IPV4;
      const out = Buffer.allocUnsafe(8 + t.ivLength + padded + t.icvLength);
      out.writeUInt32BE(sa.pair.outbound.spi, 0);
      out.writeUInt32BE(seq, 4);
      const keys = sa.pair.outbound;
      if (!t.hmac) {
        // RFC 4106 3.1: a counter is a valid explicit IV; the sequence number never repeats
        out.writeUInt32BE(0, 8);
        out.writeUInt32BE(seq, 12);
        const nonce = Buffer.concat([keys.salt, out.subarray(8, 16)]);
        const cipher = createCipheriv(t.cipher, keys.encryptionKey, nonce, {
          authTagLength: 16,
        } as never) as unknown as CipherGCM;
        cipher.setAAD(out.subarray(0, 8));
        const n = cipher.update(plain).copy(out, 16);
        cipher.final();
        cipher.getAuthTag().copy(out, 16 + n);
      } else {
        const iv = takeIv(t.ivLength);
        iv.copy(out, 8);
        const cipher = createCipheriv(t.cipher, keys.encryptionKey, iv).setAutoPadding(false);
        const n = cipher.update(plain).copy(out, 8 + t.ivLength);
        cipher.final().copy(out, 8 + t.ivLength + n);
        const icv = createHmac(t.hmac, keys.integrityKey)
          .update(out.subarray(0, out.length - t.icvLength))
          .digest();
        icv.copy(out, out.length - t.icvLength, 0, t.icvLength);
      }
      sa.counters.packetsOut++;
      sa.counters.bytesOut += inner.length;
      sa.bytesOut += inner.length;
      sa.counters.lastOutboundAt = Date.now();
      const kilobytes = sa.pair.lifetime.kilobytes;
      if (kilobytes && sa.bytesOut / 1024 >= kilobytes * 0.9)
        askRekey(sa, 'kilobyte lifetime nearly reached');
      return out;
    },
    decrypt(packet) {
      const sa = byInboundSpi.get(packet.readUInt32BE(0));
      if (!sa) {
        totals.noSaDrops++;
        return null;
      }
      const t = sa.transform;
      const c = sa.counters;
      const bodyLength = packet.length - 8 - t.ivLength - t.icvLength;
      if (bodyLength <= 0 || bodyLength % t.block !== 0) {
        totals.malformedDrops++;
        return null;
      }
      const seq = packet.readUInt32BE(4);
      if (!sa.replay.check(seq)) {
        c.replayDrops++;
        return null;
      }
      const keys = sa.pair.inbound;
      let plain: Buffer;
      if (!t.hmac) {
        const nonce = Buffer.concat([keys.salt, packet.subarray(8, 16)]);
        const decipher = createDecipheriv(t.cipher, keys.encryptionKey, nonce, {
          authTagLength: 16,
        } as never) as unknown as DecipherGCM;
        decipher.setAAD(packet.subarray(0, 8));
        decipher.setAuthTag(packet.subarray(packet.length - 16));
        const updated = decipher.update(packet.subarray(16, packet.length - 16));
        try {
          decipher.final();
        } catch {
          c.icvFailures++;
          return null;
        }
        plain = updated;
      } else {
        // RFC 4303 3.4.4: integrity first, in constant time, before any decryption
        const icv = createHmac(t.hmac, keys.integrityKey)
          .update(packet.subarray(0, packet.length - t.icvLength))
          .digest()
          .subarray(0, t.icvLength);
        if (!timingSafeEqual(icv, packet.subarray(packet.length - t.icvLength))) {
          c.icvFailures++;
          return null;
        }
        const decipher = createDecipheriv(
          t.cipher,
          keys.encryptionKey,
          packet.subarray(8, 8 + t.ivLength),
        ).setAutoPadding(false);
        plain = Buffer.concat([
          decipher.update(packet.subarray(8 + t.ivLength, packet.length - t.icvLength)),
          decipher.final(),
        ]);
      }
      sa.replay.accept(seq);
      const nextHeader = plain[plain.length - 1];
      const padLength = plain[plain.length - 2] ?? 255;
      const innerLength = plain.length - 2 - padLength;
      if (innerLength < 20) {
        c.paddingErrors++;
        return null;
      }
      for (let i = 0; i < padLength; i++) {
        if (plain[innerLength + i] !== i + 1) {
          c.paddingErrors++;
          return null;
        }
      }
      const inner = plain.subarray(0, innerLength);
      if (nextHeader !== NEXT_HEADER_IPV4 && nextHeader !== NEXT_HEADER_IPV6) {
        c.decryptErrors++;
        return null;
      }
      if (nextHeader === NEXT_HEADER_IPV4) {
        if (inner[0]! >> 4 !== 4 || inner.readUInt16BE(2) !== innerLength) {
          c.decryptErrors++;
          return null;
        }
        const source = inner.readUInt32BE(12);
        const destination = inner.readUInt32BE(16);
        const { local, remote } = sa.pair.selectors;
        if (
          !remote.some((n) => netContains(n, source)) ||
          !local.some((n) => netContains(n, destination))
        ) {
          c.selectorDrops++;
          return null;
        }
      }
      c.packetsIn++;
      c.bytesIn += innerLength;
      c.lastInboundAt = Date.now();
      return inner;
    },
    counters(sendErrors) {
      const sas = [...byInboundSpi.values()].map((sa) => ({
        saId: sa.pair.id,
        spiIn: sa.pair.inbound.spi,
        spiOut: sa.pair.outbound.spi,
        ...sa.counters,
      }));
      const all = [...retired, ...sas];
      const sum = (key: keyof Counters) => all.reduce((total, c) => total + c[key], 0);
      const latest = (key: 'lastInboundAt' | 'lastOutboundAt') =>
        Math.max(0, ...all.map((c) => c[key]));
      return {
        at: Date.now(),
        sas,
        total: {
          packetsIn: sum('packetsIn'),
          bytesIn: sum('bytesIn'),
          packetsOut: sum('packetsOut'),
          bytesOut: sum('bytesOut'),
          icvFailures: sum('icvFailures'),
          replayDrops: sum('replayDrops'),
          decryptErrors: sum('decryptErrors'),
          paddingErrors: sum('paddingErrors'),
          selectorDrops: sum('selectorDrops'),
          sendErrors,
          lastInboundAt: latest('lastInboundAt'),
          lastOutboundAt: latest('lastOutboundAt'),
          ...totals,
        },
      };
    },
  };
}
