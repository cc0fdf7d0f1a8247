// Rates from successive counters events (the data plane reports totals every second).
import type { CountersEvent } from '../../shared/ui/ipc.js';

export interface ThroughputSample {
  at: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  packetsInPerSecond: number;
  packetsOutPerSecond: number;
}

export const HISTORY_LENGTH = 120;

/** undefined for the first sample, or when the totals went back (a new connection) */
export function rateBetween(
  previous: CountersEvent | undefined,
  next: CountersEvent,
): ThroughputSample | undefined {
  if (!previous) return undefined;
  const seconds = (next.at - previous.at) / 1000;
  const a = previous.total;
  const b = next.total;
  if (seconds <= 0 || b.bytesIn < a.bytesIn || b.bytesOut < a.bytesOut) return undefined;
  return {
    at: next.at,
    bytesInPerSecond: (b.bytesIn - a.bytesIn) / seconds,
    bytesOutPerSecond: (b.bytesOut - a.bytesOut) / seconds,
    packetsInPerSecond: (b.packetsIn - a.packetsIn) / seconds,
    packetsOutPerSecond: (b.packetsOut - a.packetsOut) / seconds,
  };
}

export function appendSample(
  history: ThroughputSample[],
  sample: ThroughputSample,
): ThroughputSample[] {
  const next =
    history.length >= HISTORY_LENGTH ? history.slice(1 - HISTORY_LENGTH) : history.slice();
  next.push(sample);
  return next;
}
