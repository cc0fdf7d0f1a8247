// Answers to aggressive mode message 1 that prove nothing (RFC 2409 5.4: nothing in message 2
// is authenticated until its HASH_R verifies with the group key, and a cleartext notification
// never is). Each is dropped while the gateway's real answer may still come; what they
// claimed becomes the connection's error only when no real answer came, and stays marked
// unauthenticated, so no client acts on it as on the gateway's word (a wrong key looks like
// this, and so does someone on the path forging answers).
import type { ErrorCode } from '../shared/events.js';
import { EngineError } from './api.js';
import { CryptoError } from './crypto/index.js';
import { toEngineError } from './engine-errors.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { DecodeError } from './wire/codec.js';

/** A wrong key is the likeliest story when the gateway spoke; a damaged message says least. */
const WEIGHT: Partial<Record<ErrorCode, number>> = {
  'malformed-response': 0,
  'group-psk-rejected': 2,
};
const weight = (error: EngineError) => WEIGHT[error.code] ?? 1;

export class UnprovenAnswers {
  private claim: EngineError | undefined;
  private count = 0;

  /** Notes what a dropped answer claimed; returns the error that drops it. */
  drop(claim: EngineError): UnauthenticatedError {
    this.count++;
    if (!this.claim || weight(claim) >= weight(this.claim)) this.claim = claim;
    return new UnauthenticatedError(claim.message);
  }

  /** An answer that could not be read or used (malformed, a value outside the group, a claim
   * of its own) is dropped like any other; anything else is a bug and passes through. */
  dropUnusable(error: unknown): unknown {
    const unusable =
      error instanceof EngineError || error instanceof DecodeError || error instanceof CryptoError;
    return unusable ? this.drop(toEngineError(error)) : error;
  }

  /** After the retransmission budget: the strongest claim, unauthenticated; undefined when no
   * answer came at all. */
  verdict(): EngineError | undefined {
    if (!this.claim) return undefined;
    return new EngineError(
      this.claim.code,
      `${this.claim.message} (none of the ${this.count} answers proved the group key: unauthenticated)`,
      { authenticated: false },
    );
  }
}
