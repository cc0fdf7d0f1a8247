// The phase 1 ciphers (RFC 2409 appendix A: 3DES-CBC 5, AES-CBC 7 per RFC 3602 5) as
// one-shot CBC over whole ISAKMP message bodies.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from './errors.js';

export type IkeCipherName = 'aes' | '3des';

export interface IkeCipher {
  name: IkeCipherName;
  /** 128/192/256 for AES (Key-Length attribute, RFC 3602 5.3); 192 for 3DES */
  keyBits: number;
}

interface CipherParams {
  /** OpenSSL cipher name */
  algorithm: string;
  blockSize: number;
  keyLength: number;
}

function paramsOf(cipher: IkeCipher): CipherParams {
  if (cipher.name === 'aes' && [128, 192, 256].includes(cipher.keyBits)) {
    return { algorithm: `aes-${cipher.keyBits}-cbc`, blockSize: 16, keyLength: cipher.keyBits / 8 };
  }
  if (cipher.name === '3des' && cipher.keyBits === 192) {
    return { algorithm: 'des-ede3-cbc', blockSize: 8, keyLength: 24 };
  }
  throw new CryptoError(
    'unsupported-transform',
    `IKE cipher ${cipher.name} with a ${cipher.keyBits}-bit key is not supported`,
  );
}

/** Bytes of key the cipher takes (what phase1EncryptionKey must produce). */
export function ikeCipherKeyLength(cipher: IkeCipher): number {
  return paramsOf(cipher).keyLength;
}

export interface KeyedIkeCipher {
  readonly blockSize: number;
  /** RFC 2409 appendix B: pads up to the block size with 0x00 bytes; an aligned body gets
   * none (an empty one still takes a block, so that an IV chain can continue from it). */
  encrypt(iv: Buffer, plaintext: Buffer): Buffer;
  /** Leaves the padding in place: the payload lengths tell the decoder where data ends. */
  decrypt(iv: Buffer, ciphertext: Buffer): Buffer;
}

export function keyIkeCipher(cipher: IkeCipher, key: Buffer): KeyedIkeCipher {
  const { algorithm, blockSize, keyLength } = paramsOf(cipher);
  if (key.length !== keyLength) {
    throw new CryptoError(
      'bad-key-length',
      `${algorithm} needs a ${keyLength}-byte key, got ${key.length}`,
    );
  }
  return {
    blockSize,
    encrypt(iv, plaintext) {
      const padded = Buffer.alloc(Math.max(1, Math.ceil(plaintext.length / blockSize)) * blockSize);
      plaintext.copy(padded);
      const c = createCipheriv(algorithm, key, iv).setAutoPadding(false);
      return Buffer.concat([c.update(padded), c.final()]);
    },
    decrypt(iv, ciphertext) {
      if (ciphertext.length === 0 || ciphertext.length % blockSize !== 0) {
        throw new CryptoError(
          'bad-ciphertext-length',
          `encrypted body of ${ciphertext.length} bytes is not a whole number of ${blockSize}-byte blocks`,
        );
      }
      const d = createDecipheriv(algorithm, key, iv).setAutoPadding(false);
      return Buffer.concat([d.update(ciphertext), d.final()]);
    },
  };
}
