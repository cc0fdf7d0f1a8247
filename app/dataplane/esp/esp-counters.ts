// Counter records (app/shared/counters.ts) for one SA and for the whole data plane.
import type { DataPlaneCounters, EspSaCounters } from '../../shared/counters.js';
import type { EspSaPair } from '../../shared/esp-sa.js';

export type DataPlaneTotals = DataPlaneCounters['total'];

/** the counts that add up across SAs (also the order of the addon's SA counters) */
export const SUMMED_FIELDS = [
  'packetsIn',
  'bytesIn',
  'packetsOut',
  'bytesOut',
  'icvFailures',
  'replayDrops',
  'decryptErrors',
  'paddingErrors',
  'selectorDrops',
  'sendErrors',
] as const satisfies readonly (keyof EspSaCounters & keyof DataPlaneTotals)[];
type SummedField = (typeof SUMMED_FIELDS)[number];

function zeroSums(): Record<SummedField, number> {
  return Object.fromEntries(SUMMED_FIELDS.map((field) => [field, 0])) as Record<
    SummedField,
    number
  >;
}

export function emptySaCounters(sa: EspSaPair): EspSaCounters {
  return {
    saId: sa.id,
    spiIn: sa.inbound.spi,
    spiOut: sa.outbound.spi,
    ...zeroSums(),
    lastInboundAt: 0,
    lastOutboundAt: 0,
  };
}

export function emptyTotals(): DataPlaneTotals {
  return {
    ...zeroSums(),
    lastInboundAt: 0,
    lastOutboundAt: 0,
    noSaDrops: 0,
    noRouteDrops: 0,
    receiveErrors: 0,
    malformedDrops: 0,
  };
}

/** Adds one SA's counts to totals (timestamps: the later one). */
export function addSaCounters(totals: DataPlaneTotals, sa: EspSaCounters): void {
  for (const field of SUMMED_FIELDS) totals[field] += sa[field];
  totals.lastInboundAt = Math.max(totals.lastInboundAt, sa.lastInboundAt);
  totals.lastOutboundAt = Math.max(totals.lastOutboundAt, sa.lastOutboundAt);
}
