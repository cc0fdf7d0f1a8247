// Reconnect delays: exponential with a cap and some jitter, so many clients that lost the same
// gateway do not all come back in the same second.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** give up after this many attempts in a row */
  maxAttempts: number;
  /** +-fraction of the delay, 0..1 */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  maxMs: 60_000,
  maxAttempts: 8,
  jitter: 0.2,
};

/** attempt counts from 1 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
