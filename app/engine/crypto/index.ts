// The IKEv1 crypto layer: Diffie-Hellman, PRFs, phase 1 and phase 2 key derivation, message
// encryption with its IV chains, NAT-D. Everything here is built on node:crypto.
export { CryptoError, type CryptoErrorCode } from './errors.js';
export { type KeyExchange, SUPPORTED_DH_GROUPS, createKeyExchange } from './dh.js';
export { prepareKeyExchange, takeKeyExchange } from './key-exchange-pool.js';
export { type HashName, type Prf, createPrf, digest, hashNameFromId } from './prf.js';
export {
  type Phase1AuthMaterial,
  type Phase1Keys,
  type KeyMaterial,
  derivePskPhase1Keys,
  deriveSignaturePhase1Keys,
  hashI,
  hashR,
  phase1EncryptionKey,
} from './phase1-keys.js';
export { type IkeCipher, type IkeCipherName, ikeCipherKeyLength } from './ike-cipher.js';
export { IkeCrypter, type IkeCrypterOptions, type TentativeDecryption } from './ike-crypter.js';
export { messageIdBytes } from './message-id.js';
export {
  type EspKeyInput,
  type EspKeyLengths,
  type KeymatInput,
  espDirectionKeys,
  espKeyLengths,
  keymat,
  messageHash,
  quickModeHash2,
  quickModeHash3,
} from './phase2-keys.js';
export { natDiscoveryHash } from './natd.js';
