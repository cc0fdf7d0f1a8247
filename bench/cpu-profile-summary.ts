// Where the CPU went in V8 .cpuprofile files (node --cpu-prof, bench/warm-driver.ts
// --cpu-prof-dir): self time summed over all the files, by area of the code and by function.
//   node --import tsx bench/cpu-profile-summary.ts DIR_OR_FILES... [--top N] [--from-app]
// --from-app: ignore each profile's samples before the first one with app/ code on the stack
// (warm-driver profiles: the profiler's own start and the wait for the connect command).
import { parseArgs } from 'node:util';
import { profileFiles, summariseProfiles } from './cpu-profile.js';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '20' }, 'from-app': { type: 'boolean' } },
  allowPositionals: true,
});
const files = profileFiles(positionals);
if (files.length === 0)
  throw new Error('usage: cpu-profile-summary.ts DIR_OR_FILES... [--top N] [--from-app]');
console.log(summariseProfiles(files, { top: Number(values.top), fromApp: values['from-app'] }));
