// Where the headless CLI's resident memory sits: one connect of a snapshot launcher in the lab
// (default dist/cli/roadwarrior-fast, as `npm run bench` runs it; build it first with
// `npm run build:cli`), then `--iperf-seconds` of iperf3 each way. At both points: VmHWM,
// VmRSS, threads and RSS by mapping from /proc/PID/smaps (node's binary as text and read-only
// data, anonymous memory (V8's heap, thread stacks, large blocks), malloc's brk heap, the
// libraries). Several launchers (e.g. builds with other V8 flags) are connected in turn on the
// same lab, so their figures compare within one run. Needs root.
// Run: node --import tsx bench/rss-breakdown.ts [--iperf-seconds N] [LAUNCHER ...]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LAB_DEFAULTS, startLab } from '../test/lab/index.js';
import { clientFiles } from '../test/support/interop.js';
import { roadwarriorSnapshotCli, whileConnected } from './clients.js';
import { iperf, startIperfServer } from './iperf.js';
import { CHECKOUT, snapshotLauncherOf } from './packaged-cli.js';

const DEFAULT_LAUNCHER = snapshotLauncherOf(CHECKOUT);
const PROPOSALS = { ikeProposals: ['aes256-sha1-modp1536'], espProposals: ['aes256-sha1'] };
/** mappings smaller than this are summed as "other" */
const SHOWN_KIB = 400;

const { values, positionals } = parseArgs({
  options: { 'iperf-seconds': { type: 'string', default: '3' } },
  allowPositionals: true,
});
const IPERF_SECONDS = Number(values['iperf-seconds']);
const launchers = positionals.length > 0 ? positionals : [DEFAULT_LAUNCHER];

const mib = (kib: number) => (kib / 1024).toFixed(1);

/** One line: the status fields and RSS per mapping (file name, "x" for executable parts). */
function breakdown(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
  const byMapping = new Map<string, number>();
  let mapping = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = (header[2] || '[anon]').replace(/.*\//, '');
      mapping = header[1]?.includes('x') ? `${name} x` : name;
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) byMapping.set(mapping, (byMapping.get(mapping) ?? 0) + Number(rss[1]));
  }
  const sorted = [...byMapping].sort((a, b) => b[1] - a[1]);
  const shown = sorted.filter(([, kib]) => kib >= SHOWN_KIB);
  const other = sorted.reduce((sum, [, kib]) => (kib < SHOWN_KIB ? sum + kib : sum), 0);
  return [
    `VmHWM ${mib(field('VmHWM'))} MiB, VmRSS ${mib(field('VmRSS'))}, ${field('Threads')} threads:`,
    ...shown.map(([name, kib]) => `${name} ${mib(kib)}`),
    `other ${mib(other)}`,
  ].join(' ');
}

const lab = await startLab(PROPOSALS);
const files = clientFiles({ ...PROPOSALS, pfs: 'off' }, LAB_DEFAULTS.groupPsk, 'alice-secret');
const iperfServer = await startIperfServer(lab);
try {
  console.log(`machine load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (const launcher of launchers) {
    const client = roadwarriorSnapshotCli(lab, launcher, launcher, files);
    await whileConnected(lab, client, async (running) => {
      await running.checkpoints;
      console.log(`${launcher}\n  connected:    ${breakdown(running.pid)}`);
      if (IPERF_SECONDS <= 0) return;
      await iperf(lab, IPERF_SECONDS, false);
      await iperf(lab, IPERF_SECONDS, true);
      console.log(`  after iperf:  ${breakdown(running.pid)}`);
    });
  }
} finally {
  iperfServer.kill('SIGTERM');
  files.remove();
  await lab.stop();
}
