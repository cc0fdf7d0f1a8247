// What the IKE engine hands to the data plane after Quick Mode: one ESP SA pair with keys.
// This is the whole interface between IKE state and the ESP data plane (and, through the
// privileged helper, it crosses a process boundary as JSON, so keys are plain Buffers here
// and base64 on the wire).
import type { IpNet } from './net6.js';

/** RFC 2407 4.4.4 ESP transform identifiers the client negotiates, by name. */
export type EspEncryption = 'aes-gcm-16' | 'aes-cbc' | '3des-cbc';
/** RFC 2407 4.5 authentication algorithms (RFC 4868 for SHA-2), by name with their truncated
 * ICV length in bits; 'none' for combined-mode ciphers (GCM). */
export type EspIntegrity =
  | 'hmac-sha1-96'
  | 'hmac-sha256-128'
  | 'hmac-sha384-192'
  | 'hmac-sha512-256'
  | 'hmac-md5-96'
  | 'none';

export interface EspDirectionKeys {
  /** SPI chosen by the receiving side of this direction (RFC 2409 5.5). */
  spi: number;
  encryptionKey: Buffer;
  /** empty for AES-GCM */
  integrityKey: Buffer;
  /** 4-byte salt for AES-GCM (RFC 4106 8.1: last 4 bytes of KEYMAT); empty otherwise */
  salt: Buffer;
}

export interface EspSaPair {
  /** engine-chosen identifier, stable for the life of the pair */
  id: string;
  encryption: EspEncryption;
  /** encryption key length in bits (128/192/256 for AES, 192 for 3DES) */
  keyBits: number;
  integrity: EspIntegrity;
  inbound: EspDirectionKeys;
  outbound: EspDirectionKeys;
  /** hard lifetime as negotiated; the engine rekeys before it */
  lifetime: { seconds: number; kilobytes?: number };
  /** traffic selectors: inbound inner packets need src in remote and dst in local (IPv4, or
   * IPv6 for a dual-stack tunnel's IPv6 SA) */
  selectors: { local: IpNet[]; remote: IpNet[] };
  /** anti-replay window in packets (RFC 4303 3.4.3) */
  replayWindow: number;
}

/** Zeroes the pair's keys: once they are in the addon, or have left for the helper, no copy
 * of them should stay in this process's heap. */
export function wipeSaKeys(sa: EspSaPair): void {
  for (const keys of [sa.inbound, sa.outbound]) {
    for (const bytes of [keys.encryptionKey, keys.integrityKey, keys.salt]) bytes.fill(0);
  }
}
