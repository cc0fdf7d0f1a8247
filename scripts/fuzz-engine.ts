// `node --import tsx scripts/fuzz-engine.ts [runs] [seed] [path]`: the state fuzz of
// test/engine/state-fuzz.test.ts for longer. Each run is one whole connection against the
// in-memory gateway with one or two of its messages mutated, half of them kept up through
// rekeys and DELETEs after 'connected' and mutated there; prints how the runs ended and stops
// at the first property violation with its counterexample and seed.
import fc from 'fast-check';
import {
  afterConnectFuzzScenario,
  engineFuzzScenario,
  runScenario,
} from '../test/engine/support/engine-fuzz.js';

const runs = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
/** replays one counterexample: the path fast-check printed */
const path = process.argv[4];
const outcomes = new Map<string, number>();
const started = process.hrtime.bigint();

const result = await fc.check(
  fc.asyncProperty(fc.oneof(engineFuzzScenario, afterConnectFuzzScenario), async (scenario) => {
    const { outcome, violations } = await runScenario(scenario);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (violations.length) throw new Error(violations.join('\n'));
  }),
  { seed, numRuns: runs, endOnFailure: true, ...(path ? { path } : {}) },
);

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`fuzz-engine: ${result.numRuns} connections in ${seconds.toFixed(1)} s (seed ${seed})`);
for (const [outcome, count] of [...outcomes].sort((a, b) => b[1] - a[1]))
  console.log(`  ${outcome.padEnd(24)} ${count}`);
if (result.failed) {
  console.error(fc.defaultReportMessage(result));
  console.error(result.errorInstance);
  process.exit(1);
}
