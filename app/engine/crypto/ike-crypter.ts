// Encryption of ISAKMP message bodies with the IV chains of RFC 2409 appendix B:
// - phase 1: the first IV is hash(g^xi | g^xr), each later one the last ciphertext block of the
//   previous phase 1 message;
// - every later exchange (Quick Mode, transaction, informational) has its own chain per message
//   ID, starting from hash(last phase 1 ciphertext block | M-ID) and continued by the last
//   ciphertext block of each message with that ID, whichever side sent it.
// Received messages are decrypted tentatively: a message whose HASH then fails must not move
// the chain, or one forged packet would desynchronise the SA.
import { type IkeCipher, type KeyedIkeCipher, keyIkeCipher } from './ike-cipher.js';
import { messageIdBytes } from './message-id.js';
import { type HashName, digest } from './prf.js';

/** Message ID 0 is phase 1 (RFC 2408 3.1), after phase 1 as well: strongSwan does the same
 * (vpnc, when its random ID happens to be 0, derives hash(phase 1 IV | 0) instead). */
const PHASE1 = 0;
/** Chains kept, least recently used dropped first: exchanges are short, and DPD alone starts a
 * new message ID every round for the life of the SA. */
const MAX_CHAINS = 16;

export interface TentativeDecryption {
  /** the decrypted body, zero padding included */
  readonly plaintext: Buffer;
  /** accepts the message: its last ciphertext block becomes the chain's IV */
  commit(): void;
}

export interface IkeCrypterOptions {
  cipher: IkeCipher;
  /** the phase 1 encryption key (phase1EncryptionKey) */
  key: Buffer;
  /** the negotiated phase 1 hash */
  hash: HashName;
  /** g^xi / g^xr: KE payload bodies */
  initiatorPublic: Buffer;
  responderPublic: Buffer;
}

export class IkeCrypter {
  readonly #cipher: KeyedIkeCipher;
  readonly #hash: HashName;
  #phase1Iv: Buffer;
  readonly #chains = new Map<number, Buffer>();

  constructor(options: IkeCrypterOptions) {
    this.#cipher = keyIkeCipher(options.cipher, options.key);
    this.#hash = options.hash;
    this.#phase1Iv = this.#truncated(
      digest(options.hash, [options.initiatorPublic, options.responderPublic]),
    );
  }

  /** Encrypts a message body (the payloads after the ISAKMP header) and advances the chain. */
  encrypt(messageId: number, plaintext: Buffer): Buffer {
    const ciphertext = this.#cipher.encrypt(this.#ivFor(messageId), plaintext);
    this.#advance(messageId, ciphertext);
    return ciphertext;
  }

  decrypt(messageId: number, ciphertext: Buffer): TentativeDecryption {
    const plaintext = this.#cipher.decrypt(this.#ivFor(messageId), ciphertext);
    return { plaintext, commit: () => this.#advance(messageId, ciphertext) };
  }

  #truncated(hash: Buffer): Buffer {
    return hash.subarray(0, this.#cipher.blockSize);
  }

  #ivFor(messageId: number): Buffer {
    const id = messageId >>> 0;
    if (id === PHASE1) return this.#phase1Iv;
    const chained = this.#chains.get(id);
    if (chained) return chained;
    // A new exchange starts from the current phase 1 IV (RFC 2409 appendix B).
    return this.#truncated(digest(this.#hash, [this.#phase1Iv, messageIdBytes(id)]));
  }

  #advance(messageId: number, ciphertext: Buffer): void {
    const id = messageId >>> 0;
    const lastBlock = Buffer.from(ciphertext.subarray(ciphertext.length - this.#cipher.blockSize));
    if (id === PHASE1) this.#phase1Iv = lastBlock;
    else {
      this.#chains.delete(id);
      this.#chains.set(id, lastBlock);
      const oldest = this.#chains.keys().next();
      if (this.#chains.size > MAX_CHAINS && !oldest.done) this.#chains.delete(oldest.value);
    }
  }
}
