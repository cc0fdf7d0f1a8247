// What installing an SA pair checks and derives, the same for every ESP implementation: SPI
// ranges and uniqueness, the replay window size and the kilobyte limits.
import type { EspSaPair } from '../../shared/esp-sa.js';

export const DEFAULT_REPLAY_WINDOW = 1024;
const MAX_REPLAY_WINDOW = 1 << 20;
/** RFC 4303 2.1: SPI 0 is never sent and 1-255 are reserved by IANA */
const MIN_SPI = 256;
/** ask for a rekey at 90% of a kilobyte lifetime (RFC 2407 4.5), the head-end deletes at 100% */
const SOFT_LIFETIME_FRACTION = 0.9;

/** Throws for a duplicate id or inbound SPI, a reserved SPI or too large a replay window. */
export function checkInstallable(
  sa: EspSaPair,
  installed: { hasId(id: string): boolean; hasInboundSpi(spi: number): boolean },
): void {
  if (installed.hasId(sa.id)) throw new Error(`SA ${sa.id} is already installed`);
  for (const spi of [sa.inbound.spi, sa.outbound.spi]) {
    if (!Number.isInteger(spi) || spi < MIN_SPI || spi > 0xffffffff) {
      throw new RangeError(`SA ${sa.id}: SPI ${spi} is reserved or out of range`);
    }
  }
  if (installed.hasInboundSpi(sa.inbound.spi)) {
    throw new Error(`SA ${sa.id}: inbound SPI ${sa.inbound.spi} is already in use`);
  }
  if (replayWindowSize(sa) > MAX_REPLAY_WINDOW) {
    throw new RangeError(`SA ${sa.id}: replay window too large`);
  }
}

/** RFC 4303 3.4.3: the negotiated window, or ours when none was */
export function replayWindowSize(sa: EspSaPair): number {
  return sa.replayWindow > 0 ? sa.replayWindow : DEFAULT_REPLAY_WINDOW;
}

/** Bytes each direction may carry before a rekey is asked for; Infinity without a limit. */
export function softLifetimeBytes(sa: EspSaPair): number {
  return hardLifetimeBytes(sa) * SOFT_LIFETIME_FRACTION;
}

/** Bytes each direction may carry at all (RFC 2407 4.5 kilobytes): the SA expires there and
 * sends no more (RFC 4301 4.4.2.1); Infinity without a limit. */
export function hardLifetimeBytes(sa: EspSaPair): number {
  const kilobytes = sa.lifetime.kilobytes ?? 0;
  return kilobytes > 0 ? kilobytes * 1024 : Infinity;
}
