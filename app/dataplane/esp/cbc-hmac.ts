// ESP with a CBC cipher (AES-CBC RFC 3602, 3DES-CBC RFC 2451) and an HMAC ICV computed over
// SPI | seq | IV | ciphertext (RFC 4303 2.8, 3.3.4; encrypt-then-MAC).
//
// Node cannot re-key a cipher object with a new IV, and creating one per packet costs about as
// much as encrypting 1400 bytes. So each direction keeps ONE long-lived CBC cipher object and
// lets CBC chaining do the IV work:
// - sending: the cipher's input per packet is R | plaintext with R a random block. Its first
//   output block E(R xor previous block) is a fresh, unpredictable block (RFC 3602 3: the IV
//   MUST be unpredictable) and the blocks after it are exactly the CBC encryption of the
//   plaintext under it, so it goes on the wire as the packet's IV;
// - receiving: the cipher's input is IV | ciphertext; the first output block is chaining
//   garbage and is skipped, the rest is the plaintext (CBC decryption of a block only depends
//   on the block before it).
// Both need whole blocks per call (checked by the caller via fitsLength), or the chain breaks.
import {
  type Cipheriv,
  type Decipheriv,
  createCipheriv,
  createDecipheriv,
  createHmac,
  timingSafeEqual,
} from 'node:crypto';
import type { EspDirectionKeys } from '../../shared/esp-sa.js';
import type { EspOpener, EspSealer } from './esp-codec.js';
import {
  ESP_HEADER_LENGTH,
  ESP_MIN_ALIGNMENT,
  ESP_SEQUENCE_OFFSET,
  ESP_TRAILER_LENGTH,
  writeEspPlaintext,
} from './esp-payload.js';
import type { RandomPool } from './random-pool.js';

export interface CbcHmacTransform {
  /** node:crypto cipher name */
  cipher: string;
  /** cipher block size = IV length (RFC 3602 2.1, RFC 2451 2.2) */
  blockSize: number;
  /** node:crypto digest name for the HMAC */
  hmac: string;
  /** truncated ICV length (RFC 2404 2, RFC 4868 2.1.1, RFC 2403 2) */
  icvLength: number;
}

function chainedCipher<T extends Cipheriv | Decipheriv>(cipher: T): T {
  cipher.setAutoPadding(false); // ESP pads itself (RFC 4303 2.4)
  return cipher;
}

export class CbcHmacSealer implements EspSealer {
  private readonly cipher: Cipheriv;
  private readonly alignment: number;

  constructor(
    private readonly transform: CbcHmacTransform,
    private readonly keys: EspDirectionKeys,
    private readonly scratch: Buffer,
    private readonly random: RandomPool,
  ) {
    // the starting chain value is irrelevant: the first block of every packet is random
    const chainStart = Buffer.alloc(transform.blockSize);
    this.cipher = chainedCipher(createCipheriv(transform.cipher, keys.encryptionKey, chainStart));
    this.alignment = Math.max(transform.blockSize, ESP_MIN_ALIGNMENT);
  }

  seal(inner: Buffer, nextHeader: number, sequence: number): Buffer {
    const { blockSize, hmac, icvLength } = this.transform;
    this.random.fill(this.scratch, 0, blockSize);
    const plainLength = writeEspPlaintext(
      this.scratch,
      blockSize,
      inner,
      nextHeader,
      this.alignment,
    );
    const ivAndCiphertext = this.cipher.update(this.scratch.subarray(0, blockSize + plainLength));
    const icvOffset = ESP_HEADER_LENGTH + ivAndCiphertext.length;
    const packet = Buffer.allocUnsafe(icvOffset + icvLength);
    packet.writeUInt32BE(this.keys.spi, 0);
    packet.writeUInt32BE(sequence, ESP_SEQUENCE_OFFSET);
    ivAndCiphertext.copy(packet, ESP_HEADER_LENGTH);
    const icv = createHmac(hmac, this.keys.integrityKey)
      .update(packet.subarray(0, icvOffset))
      .digest();
    icv.copy(packet, icvOffset, 0, icvLength);
    return packet;
  }
}

export class CbcHmacOpener implements EspOpener {
  private readonly decipher: Decipheriv;

  constructor(
    private readonly transform: CbcHmacTransform,
    private readonly keys: EspDirectionKeys,
  ) {
    const chainStart = Buffer.alloc(transform.blockSize);
    this.decipher = chainedCipher(
      createDecipheriv(transform.cipher, keys.encryptionKey, chainStart),
    );
  }

  fitsLength(length: number): boolean {
    const { blockSize, icvLength } = this.transform;
    const ciphertextLength = length - ESP_HEADER_LENGTH - blockSize - icvLength;
    return ciphertextLength >= ESP_TRAILER_LENGTH && ciphertextLength % blockSize === 0;
  }

  open(packet: Buffer): Buffer | undefined {
    const { blockSize, hmac, icvLength } = this.transform;
    const icvOffset = packet.length - icvLength;
    // RFC 4303 3.4.4.1: verify the ICV before decrypting, compare in constant time
    const expected = createHmac(hmac, this.keys.integrityKey)
      .update(packet.subarray(0, icvOffset))
      .digest();
    if (!timingSafeEqual(expected.subarray(0, icvLength), packet.subarray(icvOffset))) {
      return undefined;
    }
    return this.decipher.update(packet.subarray(ESP_HEADER_LENGTH, icvOffset)).subarray(blockSize);
  }
}
