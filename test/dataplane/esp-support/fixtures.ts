// Shared test material for the ESP data path: every transform with its parameters written out
// independently of app/dataplane/esp/transform.ts, mirrored SA pairs (client and gateway view
// of the same keys), inner packets, and an ESP construction from plain node:crypto calls.
import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
} from 'node:crypto';
import type { EspDirectionKeys, EspIntegrity, EspSaPair } from '../../../app/shared/esp-sa.js';
import type { Ipv4Net } from '../../../app/shared/net.js';
import { udpPacket } from '../tun-support/ipv4-packets.js';

export interface TransformCase {
  name: string;
  sa: Pick<EspSaPair, 'encryption' | 'keyBits' | 'integrity'>;
  /** node:crypto names */
  cipher: string;
  hmac?: string;
  ivLength: number;
  /** what the padded plaintext length must be a multiple of */
  alignment: number;
  icvLength: number;
  integrityKeyLength: number;
  saltLength: number;
}

const HMACS: { integrity: EspIntegrity; hmac: string; keyLength: number; icvLength: number }[] = [
  { integrity: 'hmac-sha1-96', hmac: 'sha1', keyLength: 20, icvLength: 12 },
  { integrity: 'hmac-sha256-128', hmac: 'sha256', keyLength: 32, icvLength: 16 },
  // RFC 4868 2.1.1: the key as long as the digest, the ICV its first half
  { integrity: 'hmac-sha384-192', hmac: 'sha384', keyLength: 48, icvLength: 24 },
  { integrity: 'hmac-sha512-256', hmac: 'sha512', keyLength: 64, icvLength: 32 },
  { integrity: 'hmac-md5-96', hmac: 'md5', keyLength: 16, icvLength: 12 },
];

export const TRANSFORM_CASES: TransformCase[] = [
  ...[128, 192, 256].map((keyBits) => ({
    name: `aes-gcm-16-${keyBits}`,
    sa: { encryption: 'aes-gcm-16' as const, keyBits, integrity: 'none' as const },
    cipher: `aes-${keyBits}-gcm`,
    ivLength: 8,
    alignment: 4,
    icvLength: 16,
    integrityKeyLength: 0,
    saltLength: 4,
  })),
  ...[
    { encryption: 'aes-cbc' as const, keyBits: 128, cipher: 'aes-128-cbc', block: 16 },
    { encryption: 'aes-cbc' as const, keyBits: 192, cipher: 'aes-192-cbc', block: 16 },
    { encryption: 'aes-cbc' as const, keyBits: 256, cipher: 'aes-256-cbc', block: 16 },
    { encryption: '3des-cbc' as const, keyBits: 192, cipher: 'des-ede3-cbc', block: 8 },
  ].flatMap(({ encryption, keyBits, cipher, block }) =>
    HMACS.map(({ integrity, hmac, keyLength, icvLength }) => ({
      name: `${encryption}-${keyBits}/${integrity}`,
      sa: { encryption, keyBits, integrity },
      cipher,
      hmac,
      ivLength: block,
      alignment: block,
      icvLength,
      integrityKeyLength: keyLength,
      saltLength: 0,
    })),
  ),
];

export function transformCase(name: string): TransformCase {
  const found = TRANSFORM_CASES.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no transform case ${name}`);
  return found;
}

export const CLIENT_ADDRESS = '198.19.10.2';
export const CORPORATE_HOST = '198.51.100.7';
const CLIENT_NET: Ipv4Net = { address: CLIENT_ADDRESS, prefix: 32 };
const CORPORATE_NET: Ipv4Net = { address: '198.51.100.0', prefix: 24 };

function directionKeys(spi: number, transform: TransformCase): EspDirectionKeys {
  return {
    spi,
    encryptionKey: randomBytes(transform.sa.keyBits / 8),
    integrityKey: randomBytes(transform.integrityKeyLength),
    salt: randomBytes(transform.saltLength),
  };
}

export interface MirroredSas {
  /** what the client installs */
  client: EspSaPair;
  /** the same SA as the gateway sees it: directions and selectors swapped */
  gateway: EspSaPair;
}

let nextSpi = 0x1000;

/** A fresh SA pair with random keys and unused SPIs, in both the client's and gateway's view. */
export function mirroredSas(
  transform: TransformCase,
  overrides: Partial<Pick<EspSaPair, 'id' | 'replayWindow' | 'lifetime'>> = {},
): MirroredSas {
  const toGateway = directionKeys(nextSpi++, transform);
  const toClient = directionKeys(nextSpi++, transform);
  const common = {
    id: `sa-${toClient.spi}`,
    ...transform.sa,
    lifetime: { seconds: 3600 },
    replayWindow: 1024,
    ...overrides,
  };
  return {
    client: {
      ...common,
      inbound: toClient,
      outbound: toGateway,
      selectors: { local: [CLIENT_NET], remote: [CORPORATE_NET] },
    },
    gateway: {
      ...common,
      inbound: toGateway,
      outbound: toClient,
      selectors: { local: [CORPORATE_NET], remote: [CLIENT_NET] },
    },
  };
}

/** An IPv4/UDP packet of exactly `length` bytes (at least 28). */
export function ipv4Packet(source: string, destination: string, length: number): Buffer {
  return udpPacket({
    source,
    destination,
    sourcePort: 40000,
    destinationPort: 53,
    payload: randomBytes(length - 28),
  });
}

/** Client to corporate network and back, inside the selectors of mirroredSas(). */
export const outboundPacket = (length = 100): Buffer =>
  ipv4Packet(CLIENT_ADDRESS, CORPORATE_HOST, length);
export const inboundPacket = (length = 100): Buffer =>
  ipv4Packet(CORPORATE_HOST, CLIENT_ADDRESS, length);

/** An IPv6 packet ::1 -> ::2 with `payloadLength` zero bytes after the header (next header 59). */
export function ipv6Packet(payloadLength: number): Buffer {
  const packet = Buffer.alloc(40 + payloadLength);
  packet[0] = 0x60;
  packet.writeUInt16BE(payloadLength, 4);
  packet[6] = 59;
  packet[7] = 64;
  packet[23] = 1;
  packet[39] = 2;
  return packet;
}

const gcm = (transform: TransformCase) => transform.cipher as CipherGCMTypes;

/** ESP plaintext: payload | 1, 2, ... padding | pad length | next header (RFC 4303 2.4). */
export function espPlaintext(payload: Buffer, nextHeader: number, alignment: number): Buffer {
  const padLength = (alignment - ((payload.length + 2) % alignment)) % alignment;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, index) => index + 1));
  return Buffer.concat([payload, padding, Buffer.from([padLength, nextHeader])]);
}

/**
 * An ESP packet built straight from RFC 4303 / 3602 / 4106 with one-shot node:crypto calls:
 * SPI | seq | IV | ciphertext | ICV. The plaintext is used as is (no padding added).
 */
export function sealIndependently(
  transform: TransformCase,
  keys: EspDirectionKeys,
  sequence: number,
  plaintext: Buffer,
  iv: Buffer = randomBytes(transform.ivLength),
): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(keys.spi, 0);
  header.writeUInt32BE(sequence, 4);
  if (transform.hmac === undefined) {
    const nonce = Buffer.concat([keys.salt, iv]);
    const cipher = createCipheriv(gcm(transform), keys.encryptionKey, nonce, { authTagLength: 16 });
    cipher.setAAD(header);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
  }
  const cipher = createCipheriv(transform.cipher, keys.encryptionKey, iv).setAutoPadding(false);
  const authenticated = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const icv = createHmac(transform.hmac, keys.integrityKey).update(authenticated).digest();
  return Buffer.concat([authenticated, icv.subarray(0, transform.icvLength)]);
}

/** The decrypted plaintext of an ESP packet after checking its ICV with plain node:crypto. */
export function openIndependently(
  transform: TransformCase,
  keys: EspDirectionKeys,
  packet: Buffer,
): Buffer {
  const header = packet.subarray(0, 8);
  const iv = packet.subarray(8, 8 + transform.ivLength);
  const icvOffset = packet.length - transform.icvLength;
  const ciphertext = packet.subarray(8 + transform.ivLength, icvOffset);
  const icv = packet.subarray(icvOffset);
  if (transform.hmac === undefined) {
    const nonce = Buffer.concat([keys.salt, iv]);
    const decipher = createDecipheriv(gcm(transform), keys.encryptionKey, nonce, {
      authTagLength: 16,
    });
    decipher.setAAD(header);
    decipher.setAuthTag(icv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  }
  const expected = createHmac(transform.hmac, keys.integrityKey)
    .update(packet.subarray(0, icvOffset))
    .digest()
    .subarray(0, transform.icvLength);
  if (!expected.equals(icv)) throw new Error('ICV mismatch');
  const decipher = createDecipheriv(transform.cipher, keys.encryptionKey, iv).setAutoPadding(false);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
