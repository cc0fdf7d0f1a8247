// The one error type of the IKE crypto layer: a stable code for the engine to branch on and a
// message for people.

export type CryptoErrorCode =
  | 'unsupported-group'
  | 'unsupported-hash'
  | 'unsupported-transform'
  | 'invalid-public-value'
  | 'bad-key-length'
  | 'bad-spi'
  | 'bad-address'
  | 'bad-ciphertext-length';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
