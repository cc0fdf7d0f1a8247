// A message that does not authenticate (its HASH, or HASH_R in phase 1, does not verify, or it
// does not even decrypt to payloads) is not from our peer, or was damaged on the way: it is
// dropped, counted and logged, and never acted on. The message says why, for the log.
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}
