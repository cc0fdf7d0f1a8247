// Live data-plane counters (refreshed each second): rates, totals, and every drop by reason,
// non-zero ones highlighted.
import type { CountersEvent } from '../../shared/ui/ipc.js';
import type { ThroughputSample } from '../state/throughput.js';
import { Card } from './KeyValues.js';
import { ThroughputChart } from './ThroughputChart.js';
import { formatBitRate, formatBytes, formatCount } from '../../shared/ui/format.js';

type Total = CountersEvent['total'];

const DROPS: [keyof Total, string, string][] = [
  ['icvFailures', 'Integrity check failed', 'ICV mismatch: corrupted or forged packet'],
  ['replayDrops', 'Replayed', 'outside the anti-replay window or seen before'],
  ['decryptErrors', 'Decryption failed', ''],
  ['paddingErrors', 'Bad padding', ''],
  ['selectorDrops', 'Outside the SA selectors', 'decrypted, but not for a network of this tunnel'],
  ['noSaDrops', 'Unknown SPI', 'ESP for an SA we do not have (yet, or any more)'],
  ['noRouteDrops', 'No SA for destination', 'sent into the tunnel for a network it does not carry'],
  ['malformedDrops', 'Malformed', ''],
  ['receiveErrors', 'Receive errors', ''],
  ['sendErrors', 'Send errors', ''],
];

export function CountersPanel({
  counters,
  throughput,
}: {
  counters: CountersEvent | undefined;
  throughput: ThroughputSample[];
}) {
  const total = counters?.total;
  const rate = throughput.at(-1);
  return (
    <Card title="Traffic" className="counters">
      <div className="rates">
        <div className="rate">
          <span className="rate-label">In</span>
          <span className="rate-value" data-testid="rate-in">
            {formatBitRate(rate?.bytesInPerSecond ?? 0)}
          </span>
          <span className="rate-sub">
            {formatCount(Math.round(rate?.packetsInPerSecond ?? 0))} pkt/s
          </span>
        </div>
        <div className="rate">
          <span className="rate-label">Out</span>
          <span className="rate-value" data-testid="rate-out">
            {formatBitRate(rate?.bytesOutPerSecond ?? 0)}
          </span>
          <span className="rate-sub">
            {formatCount(Math.round(rate?.packetsOutPerSecond ?? 0))} pkt/s
          </span>
        </div>
        <ThroughputChart samples={throughput} />
      </div>
      <table className="counter-table">
        <caption className="visually-hidden">Totals</caption>
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col">Bytes</th>
            <th scope="col">Packets</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">In</th>
            <td data-testid="bytes-in">{formatBytes(total?.bytesIn ?? 0)}</td>
            <td data-testid="packets-in">{formatCount(total?.packetsIn ?? 0)}</td>
          </tr>
          <tr>
            <th scope="row">Out</th>
            <td data-testid="bytes-out">{formatBytes(total?.bytesOut ?? 0)}</td>
            <td data-testid="packets-out">{formatCount(total?.packetsOut ?? 0)}</td>
          </tr>
        </tbody>
      </table>
      <table className="drop-table">
        <caption>Dropped packets</caption>
        <tbody>
          {DROPS.map(([key, label, hint]) => {
            const value = total?.[key] ?? 0;
            return (
              <tr key={key} className={value ? 'nonzero' : undefined} title={hint || undefined}>
                <th scope="row">{label}</th>
                <td data-testid={`drop-${key}`}>{formatCount(value)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}
