// The established IKE SA as the exchanges after phase 1 see it: cookies, SKEYID_d / SKEYID_a,
// the negotiated PRF and the message encryption with its IV chains.
export interface IkeSa {
  readonly initiatorCookie: Buffer;
  readonly responderCookie: Buffer;
  readonly skeyidD: Buffer;
  readonly skeyidA: Buffer;
  /** the negotiated PRF (HMAC with the phase 1 hash, RFC 2409 appendix A) */
  prf(key: Buffer, data: Buffer): Buffer;
  /** encrypts a message body for message ID (0 = phase 1), advancing that ID's IV chain */
  encrypt(messageId: number, plaintext: Buffer): Buffer;
  /** decrypts tentatively; the chain advances only on commit() */
  decrypt(messageId: number, ciphertext: Buffer): { plaintext: Buffer; commit(): void };
}
