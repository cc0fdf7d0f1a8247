// When SAs are renewed and how long a replaced one lingers: shared by the ESP rekeys
// (child-sas.ts) and the phase 1 re-authentication (connection.ts).
import { randomInt } from 'node:crypto';

/** how long the old SA keeps accepting inbound packets after a rekey, whichever side started
 * it (strongSwan keeps an IKEv1 SA it rekeyed until its hard lifetime unless we delete it) */
export const REKEY_GRACE_MS = 3000;

/** Renew before the hard lifetime: 10 % of it (5 s to 9 min) plus up to 5 % jitter, so both
 * ends do not renew at once. */
export function rekeyDelayMs(lifetimeSeconds: number): number {
  const lifetimeMs = lifetimeSeconds * 1000;
  const margin =
    Math.min(Math.max(lifetimeMs * 0.1, 5_000), 540_000) +
    randomInt(0, Math.max(1, Math.floor(lifetimeMs * 0.05)));
  return Math.max(1_000, lifetimeMs - margin);
}
