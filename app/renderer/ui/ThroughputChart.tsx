// Throughput over the last two minutes, in and out, as a plain SVG.
import type { ThroughputSample } from '../state/throughput.js';
import { HISTORY_LENGTH } from '../state/throughput.js';
import { formatBitRate } from '../../shared/ui/format.js';

const WIDTH = 480;
const HEIGHT = 96;

function path(
  samples: ThroughputSample[],
  pick: (s: ThroughputSample) => number,
  max: number,
): string {
  const step = WIDTH / (HISTORY_LENGTH - 1);
  const offset = HISTORY_LENGTH - samples.length;
  return samples
    .map(
      (s, i) =>
        `${i ? 'L' : 'M'}${((offset + i) * step).toFixed(1)},${(HEIGHT - (pick(s) / max) * HEIGHT).toFixed(1)}`,
    )
    .join(' ');
}

/** a round scale top: 1, 2 or 5 times a power of ten, in bytes per second */
function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(value, 125)));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((v) => v >= value) ?? value;
}

export function ThroughputChart({ samples }: { samples: ThroughputSample[] }) {
  const peak = Math.max(
    0,
    ...samples.map((s) => Math.max(s.bytesInPerSecond, s.bytesOutPerSecond)),
  );
  const max = niceMax(peak);
  const latest = samples.at(-1);
  const label = latest
    ? `Throughput over the last ${samples.length} seconds; now ${formatBitRate(latest.bytesInPerSecond)} in, ${formatBitRate(latest.bytesOutPerSecond)} out`
    : 'Throughput: no data yet';
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
      >
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} className="chart-grid" x1="0" x2={WIDTH} y1={HEIGHT * f} y2={HEIGHT * f} />
        ))}
        {samples.length > 1 && (
          <>
            <path className="chart-in" d={path(samples, (s) => s.bytesInPerSecond, max)} />
            <path className="chart-out" d={path(samples, (s) => s.bytesOutPerSecond, max)} />
          </>
        )}
      </svg>
      <figcaption>
        <span className="chart-scale">scale 0 – {formatBitRate(max)}</span>
        <span className="legend legend-in">in</span>
        <span className="legend legend-out">out</span>
        <span className="chart-span">last 2 min</span>
      </figcaption>
    </figure>
  );
}
