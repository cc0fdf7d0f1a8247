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
// The same holds for a whole run of packets in ONE update() call (each call has a fixed cost
// of about a microsecond): R1 | P1 | R2 | P2 | ... encrypts to IV1 | C1 | IV2 | C2 | ..., each
// IVi = E(Ri xor the block before it) as fresh and unpredictable as for a single packet, and
// IV1 | C1 | IV2 | C2 | ... decrypts to each packet's plaintext after its first block.
import {
  type Cipheriv,
  type Decipheriv,
  createCipheriv,
  createDecipheriv,
  createHmac,
  timingSafeEqual,
} from 'node:crypto';
import type { EspDirectionKeys } from '../../../app/shared/esp-sa.js';
import type { CbcHmacTransform } from '../../../app/dataplane/esp/transform.js';
import type { EspOpener, EspSealer } from './esp-codec.js';
import {
  ESP_HEADER_LENGTH,
  ESP_MIN_ALIGNMENT,
  ESP_SEQUENCE_OFFSET,
  ESP_TRAILER_LENGTH,
  espPlaintextLength,
  writeEspPlaintext,
} from './esp-payload.js';
import { nextHeaderFor } from './inner-packet.js';
import type { RandomPool } from './random-pool.js';

function chainedCipher<T extends Cipheriv | Decipheriv>(cipher: T): T {
  cipher.setAutoPadding(false); // ESP pads itself (RFC 4303 2.4)
  return cipher;
}

/**
 * One long-lived chained cipher run over one whole-block piece per item, the pieces written
 * back to back into scratch: one update() per scratch-full. Subclasses say how long an item's
 * piece is, write it, and read each piece's result from a range of the update() output (CBC
 * output is as long as its input). Methods, not callbacks: no closures per call.
 */
abstract class ChainedPass<Item, Result> {
  constructor(
    private readonly cipher: Cipheriv | Decipheriv,
    protected readonly scratch: Buffer,
  ) {}

  protected abstract pieceLength(item: Item): number;
  protected abstract writePiece(item: Item, offset: number): void;
  protected abstract readPiece(output: Buffer, start: number, end: number): Result;

  protected pass(items: readonly Item[]): Result[] {
    const results: Result[] = [];
    const lengths: number[] = [];
    let used = 0;
    for (const item of items) {
      const length = this.pieceLength(item);
      if (used + length > this.scratch.length) used = this.update(used, lengths, results);
      // more than any UDP payload or inner IP packet can be: only a caller's bug gets here
      if (length > this.scratch.length) throw new RangeError(`ESP piece of ${length} bytes`);
      this.writePiece(item, used);
      lengths.push(length);
      used += length;
    }
    this.update(used, lengths, results);
    return results;
  }

  /** runs scratch[0..used) through the cipher, reads the pieces; returns the new fill (0) */
  private update(used: number, lengths: number[], results: Result[]): number {
    if (used === 0) return 0;
    const output = this.cipher.update(this.scratch.subarray(0, used));
    let start = 0;
    for (const length of lengths) results.push(this.readPiece(output, start, (start += length)));
    lengths.length = 0;
    return 0;
  }
}

export class CbcHmacSealer extends ChainedPass<Buffer, Buffer> implements EspSealer {
  private readonly alignment: number;
  /** of the next packet readPiece() frames */
  private sequence = 0;

  constructor(
    private readonly transform: CbcHmacTransform,
    private readonly keys: EspDirectionKeys,
    scratch: Buffer,
    private readonly random: RandomPool,
  ) {
    // the starting chain value is irrelevant: the first block of every packet is random
    const chainStart = Buffer.alloc(transform.blockSize);
    super(chainedCipher(createCipheriv(transform.cipher, keys.encryptionKey, chainStart)), scratch);
    this.alignment = Math.max(transform.blockSize, ESP_MIN_ALIGNMENT);
  }

  seal(inner: readonly Buffer[], firstSequence: number): Buffer[] {
    this.sequence = firstSequence;
    return this.pass(inner);
  }

  protected pieceLength(packet: Buffer): number {
    return this.transform.blockSize + espPlaintextLength(packet.length, this.alignment);
  }

  /** R | payload | padding | pad length | next header */
  protected writePiece(packet: Buffer, offset: number): void {
    const { blockSize } = this.transform;
    this.random.fill(this.scratch, offset, blockSize);
    const nextHeader = nextHeaderFor(packet); // tunnel mode: the inner IP family
    writeEspPlaintext(this.scratch, offset + blockSize, packet, nextHeader, this.alignment);
  }

  /** SPI | sequence | IV | ciphertext | ICV, with IV | ciphertext = output[start..end) */
  protected readPiece(output: Buffer, start: number, end: number): Buffer {
    const icvOffset = ESP_HEADER_LENGTH + end - start;
    const packet = Buffer.allocUnsafe(icvOffset + this.transform.icvLength);
    packet.writeUInt32BE(this.keys.spi, 0);
    packet.writeUInt32BE(this.sequence++, ESP_SEQUENCE_OFFSET);
    output.copy(packet, ESP_HEADER_LENGTH, start, end);
    const icv = createHmac(this.transform.hmac, this.keys.integrityKey)
      .update(packet.subarray(0, icvOffset))
      .digest();
    icv.copy(packet, icvOffset, 0, this.transform.icvLength);
    return packet;
  }
}

export class CbcHmacOpener extends ChainedPass<Buffer, Buffer> implements EspOpener {
  constructor(
    private readonly transform: CbcHmacTransform,
    private readonly keys: EspDirectionKeys,
    scratch: Buffer,
  ) {
    const chainStart = Buffer.alloc(transform.blockSize);
    super(
      chainedCipher(createDecipheriv(transform.cipher, keys.encryptionKey, chainStart)),
      scratch,
    );
  }

  fitsLength(length: number): boolean {
    const { blockSize, icvLength } = this.transform;
    const ciphertextLength = length - ESP_HEADER_LENGTH - blockSize - icvLength;
    return ciphertextLength >= ESP_TRAILER_LENGTH && ciphertextLength % blockSize === 0;
  }

  /** IV | ciphertext if the ICV verifies */
  authenticate(packet: Buffer): Buffer | undefined {
    const { hmac, icvLength } = this.transform;
    const icvOffset = packet.length - icvLength;
    const expected = createHmac(hmac, this.keys.integrityKey)
      .update(packet.subarray(0, icvOffset))
      .digest();
    // compared in constant time; decryption waits until the packet is known authentic
    if (!timingSafeEqual(expected.subarray(0, icvLength), packet.subarray(icvOffset))) {
      return undefined;
    }
    return packet.subarray(ESP_HEADER_LENGTH, icvOffset);
  }

  decrypt(ivsAndCiphertexts: readonly Buffer[]): Buffer[] {
    return this.pass(ivsAndCiphertexts);
  }

  protected pieceLength(ivAndCiphertext: Buffer): number {
    return ivAndCiphertext.length;
  }

  protected writePiece(ivAndCiphertext: Buffer, offset: number): void {
    ivAndCiphertext.copy(this.scratch, offset);
  }

  /** the plaintext: the first block only carried the chain */
  protected readPiece(output: Buffer, start: number, end: number): Buffer {
    return output.subarray(start + this.transform.blockSize, end);
  }
}
