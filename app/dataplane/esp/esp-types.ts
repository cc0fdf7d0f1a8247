// What an ESP engine reports and takes, beside app/shared/esp-sa.ts: drop reasons (each with
// its counter), rekey and expiry reasons and the results and options of the engine's calls.

/**
 * Why decrypt() dropped a packet; each reason has its counter. 'dummy' is RFC 4303 2.6 next
 * header 59: counted as received, carries nothing.
 */
export const ESP_DROP_REASONS = [
  'malformed',
  'no-sa',
  'replay',
  'icv',
  'padding',
  'decrypt',
  'selector',
  'dummy',
] as const;
export type EspDropReason = (typeof ESP_DROP_REASONS)[number];

/** Why an SA should be replaced soon; the IKE engine decides when. */
export type RekeyReason = 'sequence-space' | 'kilobyte-lifetime';

/** Why an SA expired: it sends nothing more (RFC 4303 3.3.3, RFC 4301 4.4.2.1) and must be
 * replaced now. */
export type ExpiryReason = 'sequence-space-exhausted' | 'kilobyte-lifetime-reached';

export type DecryptResult = { packet: Buffer } | { drop: EspDropReason };

export interface EspEngineOptions {
  /** called once per SA and reason, synchronously from encrypt/decrypt(Batch); must not throw */
  onRekeyNeeded?: (saId: string, reason: RekeyReason) => void;
  /** as onRekeyNeeded, once per SA, when a hard limit is reached */
  onExpired?: (saId: string, reason: ExpiryReason) => void;
}

export interface InstallOptions {
  /** tests only: the first outbound sequence number instead of 1 (RFC 4303 3.3.3) */
  firstSequence?: number;
}
