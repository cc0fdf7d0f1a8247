// ESP with AES-GCM-16 (RFC 4106): nonce = 4-byte salt | 8-byte explicit IV (4), AAD = SPI |
// 32-bit sequence number (5, no ESN), 16-byte ICV. GCM cannot take a new nonce on an existing
// node:crypto object, so each packet gets its own cipher; the key is imported once per SA.
import {
  type CipherGCMTypes,
  type KeyObject,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
} from 'node:crypto';
import type { EspDirectionKeys } from '../../../app/shared/esp-sa.js';
import type { EspOpener, EspSealer } from './esp-codec.js';
import {
  ESP_HEADER_LENGTH,
  ESP_MIN_ALIGNMENT,
  ESP_SEQUENCE_OFFSET,
  ESP_TRAILER_LENGTH,
  writeEspPlaintext,
} from './esp-payload.js';
import { nextHeaderFor } from './inner-packet.js';

const SALT_LENGTH = 4;
const EXPLICIT_IV_LENGTH = 8;
const ICV_LENGTH = 16;
const CIPHERTEXT_OFFSET = ESP_HEADER_LENGTH + EXPLICIT_IV_LENGTH;
/** where the low 32 bits of the explicit IV sit in the nonce */
const NONCE_LOW_OFFSET = SALT_LENGTH + 4;
const GCM_OPTIONS = { authTagLength: ICV_LENGTH } as const;

/** salt | explicit IV, rewritten per packet (createCipheriv copies it); zero IV to start */
function nonceBuffer(keys: EspDirectionKeys): Buffer {
  const nonce = Buffer.alloc(SALT_LENGTH + EXPLICIT_IV_LENGTH);
  keys.salt.copy(nonce, 0);
  return nonce;
}

export class AesGcmSealer implements EspSealer {
  private readonly nonce: Buffer;
  private readonly key: KeyObject;

  constructor(
    private readonly cipher: CipherGCMTypes,
    private readonly keys: EspDirectionKeys,
    private readonly scratch: Buffer,
  ) {
    this.nonce = nonceBuffer(keys);
    this.key = createSecretKey(keys.encryptionKey);
  }

  seal(inner: readonly Buffer[], firstSequence: number): Buffer[] {
    return inner.map((packet, index) => this.sealOne(packet, firstSequence + index));
  }

  private sealOne(inner: Buffer, sequence: number): Buffer {
    const nextHeader = nextHeaderFor(inner); // tunnel mode: the inner IP family
    const plainLength = writeEspPlaintext(this.scratch, 0, inner, nextHeader, ESP_MIN_ALIGNMENT);
    const packet = Buffer.allocUnsafe(CIPHERTEXT_OFFSET + plainLength + ICV_LENGTH);
    packet.writeUInt32BE(this.keys.spi, 0);
    packet.writeUInt32BE(sequence, ESP_SEQUENCE_OFFSET);
    // RFC 4106 3.1: the explicit IV only has to be unique per key; the 64-bit sequence number
    // (high half 0 without ESN) is, because the sequence never wraps under one key.
    packet.writeUInt32BE(0, ESP_HEADER_LENGTH);
    packet.writeUInt32BE(sequence, ESP_HEADER_LENGTH + 4);
    this.nonce.writeUInt32BE(sequence, NONCE_LOW_OFFSET);
    const cipher = createCipheriv(this.cipher, this.key, this.nonce, GCM_OPTIONS);
    cipher.setAAD(packet.subarray(0, ESP_HEADER_LENGTH));
    cipher.update(this.scratch.subarray(0, plainLength)).copy(packet, CIPHERTEXT_OFFSET);
    cipher.final();
    cipher.getAuthTag().copy(packet, CIPHERTEXT_OFFSET + plainLength);
    return packet;
  }
}

export class AesGcmOpener implements EspOpener {
  private readonly nonce: Buffer;
  private readonly key: KeyObject;

  constructor(
    private readonly cipher: CipherGCMTypes,
    keys: EspDirectionKeys,
  ) {
    this.nonce = nonceBuffer(keys);
    this.key = createSecretKey(keys.encryptionKey);
  }

  fitsLength(length: number): boolean {
    return length >= CIPHERTEXT_OFFSET + ESP_TRAILER_LENGTH + ICV_LENGTH;
  }

  /** GCM authenticates by decrypting: the plaintext if the ICV verifies */
  authenticate(packet: Buffer): Buffer | undefined {
    const icvOffset = packet.length - ICV_LENGTH;
    // two word moves: cheaper than Buffer.copy for 8 bytes
    this.nonce.writeUInt32BE(packet.readUInt32BE(ESP_HEADER_LENGTH), SALT_LENGTH);
    this.nonce.writeUInt32BE(packet.readUInt32BE(ESP_HEADER_LENGTH + 4), NONCE_LOW_OFFSET);
    const decipher = createDecipheriv(this.cipher, this.key, this.nonce, GCM_OPTIONS);
    decipher.setAAD(packet.subarray(0, ESP_HEADER_LENGTH));
    decipher.setAuthTag(packet.subarray(icvOffset));
    const plaintext = decipher.update(packet.subarray(CIPHERTEXT_OFFSET, icvOffset));
    try {
      decipher.final(); // RFC 4106: authenticates; throws on a bad ICV
    } catch {
      return undefined;
    }
    return plaintext;
  }

  /** already decrypted by authenticate() */
  decrypt(plaintexts: readonly Buffer[]): readonly Buffer[] {
    return plaintexts;
  }
}
