// The Cisco VPN Client's enc_GroupPwd / enc_UserPassword: an obfuscation, not encryption (the
// key is derived from bytes stored beside the ciphertext), so anyone holding the .pcf holds the
// secret. Layout (hex): H1 (20 bytes) | H4 = SHA1(C) (20 bytes) | C. K1 = SHA1(H1 with its last
// byte + 1), K2 = SHA1(H1 with its last byte + 3); 3DES-CBC key = K1 | K2[0..4], IV = H1[0..8];
// the last plaintext byte says how many padding bytes to strip.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const HASH_LENGTH = 20;
const DES_BLOCK = 8;

export class PcfPasswordError extends Error {
  override readonly name = 'PcfPasswordError';
}

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function keyAndIv(h1: Buffer): { key: Buffer; iv: Buffer } {
  const withLast = (add: number) => {
    const copy = Buffer.from(h1);
    copy[HASH_LENGTH - 1] = (copy[HASH_LENGTH - 1]! + add) & 0xff;
    return copy;
  };
  const k1 = sha1(withLast(1));
  const k2 = sha1(withLast(3));
  return { key: Buffer.concat([k1, k2.subarray(0, 4)]), iv: h1.subarray(0, DES_BLOCK) };
}

/** The secret in an enc_* value; throws PcfPasswordError saying what is wrong with it. */
export function decodePcfPassword(hex: string): string {
  const text = hex.trim();
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0)
    throw new PcfPasswordError('expected an even number of hex digits');
  const bytes = Buffer.from(text, 'hex');
  const c = bytes.subarray(2 * HASH_LENGTH);
  if (c.length === 0 || c.length % DES_BLOCK !== 0)
    throw new PcfPasswordError(
      `expected 40 bytes of hashes and whole 8-byte blocks of ciphertext, got ${bytes.length} bytes`,
    );
  const h1 = bytes.subarray(0, HASH_LENGTH);
  const h4 = bytes.subarray(HASH_LENGTH, 2 * HASH_LENGTH);
  if (!sha1(c).equals(h4))
    throw new PcfPasswordError('the checksum does not match (the value is damaged)');
  const { key, iv } = keyAndIv(h1);
  const decipher = createDecipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(c), decipher.final()]);
  const padding = plain[plain.length - 1]!;
  if (padding < 1 || padding > DES_BLOCK)
    throw new PcfPasswordError('the padding is not valid (the value is damaged)');
  return plain.subarray(0, plain.length - padding).toString('utf8');
}

/** An enc_* value for a secret, with a fresh random H1. Reversible by anyone: say so. */
export function encodePcfPassword(secret: string): string {
  const h1 = randomBytes(HASH_LENGTH);
  const plain = Buffer.from(secret, 'utf8');
  const padding = DES_BLOCK - (plain.length % DES_BLOCK);
  const padded = Buffer.concat([plain, Buffer.alloc(padding, padding)]);
  const { key, iv } = keyAndIv(h1);
  const cipher = createCipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
  const c = Buffer.concat([cipher.update(padded), cipher.final()]);
  return Buffer.concat([h1, sha1(c), c])
    .toString('hex')
    .toUpperCase();
}
