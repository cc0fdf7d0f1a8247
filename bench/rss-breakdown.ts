// Where the headless CLI's resident memory sits: one connect of a snapshot launcher in the lab
// (default dist/cli/roadwarrior-fast, as `npm run bench` runs it; build it first with
// `npm run build:cli`), then `--iperf-seconds` of iperf3 each way. At both points: VmHWM,
// VmRSS, threads and RSS by mapping from /proc/PID/smaps (node's binary as text and read-only
// data, anonymous memory (V8's heap, thread stacks, large blocks), malloc's brk heap, the
// libraries); of the anonymous memory, "blob" is the copy of the snapshot blob that node 20
// keeps for the process's life (found by its content). Several launchers (e.g. builds with other V8 flags) are connected in turn on the
// same lab, so their figures compare within one run. Needs root.
// Run: node --import tsx bench/rss-breakdown.ts [--iperf-seconds N] [LAUNCHER ...]
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The snapshot blob's size and pieces of it, one per MiB: an anonymous mapping with as much
 * resident that holds them all is the blob's copy. */
interface Blob {
  kib: number;
  probes: Buffer[];
}

function blobOf(launcher: string): Blob {
  const blob = readFileSync(join(dirname(launcher), 'roadwarrior.blob'));
  const probes: Buffer[] = [];
  for (let at = 4096; at + 64 <= blob.length; at += 1 << 20)
    probes.push(blob.subarray(at, at + 64));
  return { kib: blob.length / 1024, probes };
}

/** Whether the process's memory from `start` to `end` holds every probe. */
function holds(pid: number, start: number, end: number, probes: readonly Buffer[]): boolean {
  const memory = Buffer.alloc(end - start);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    readSync(fd, memory, 0, memory.length, start);
  } finally {
    closeSync(fd);
  }
  return probes.every((probe) => memory.includes(probe));
}

interface Mapping {
  start: number;
  end: number;
  name: string;
  rssKib: number;
}

/** /proc/PID/smaps as mappings: file name ("x" for executable parts, [anon]) and RSS. */
function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = (header[4] || '[anon]').replace(/.*\//, '');
      out.push({
        start: parseInt(header[1]!, 16),
        end: parseInt(header[2]!, 16),
        name: header[3]?.includes('x') ? `${name} x` : name,
        rssKib: 0,
      });
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    const last = out.at(-1);
    if (rss && last) last.rssKib = Number(rss[1]);
  }
  return out;
}

/** One line: the status fields and RSS per mapping, the blob's copy by itself (read after the
 * figures: reading /proc/PID/mem could fault pages in). */
function breakdown(pid: number, blob: Blob): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
  const all = mappings(pid);
  const byMapping = new Map<string, number>();
  for (const mapping of all) {
    const isBlob =
      mapping.name === '[anon]' &&
      mapping.rssKib >= blob.kib * 0.9 &&
      holds(pid, mapping.start, mapping.end, blob.probes);
    const name = isBlob ? 'blob' : mapping.name;
    byMapping.set(name, (byMapping.get(name) ?? 0) + mapping.rssKib);
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
    const blob = blobOf(launcher);
    await whileConnected(lab, client, async (running) => {
      await running.checkpoints;
      console.log(`${launcher}\n  connected:    ${breakdown(running.pid, blob)}`);
      if (IPERF_SECONDS <= 0) return;
      await iperf(lab, IPERF_SECONDS, false);
      await iperf(lab, IPERF_SECONDS, true);
      console.log(`  after iperf:  ${breakdown(running.pid, blob)}`);
    });
  }
} finally {
  iperfServer.kill('SIGTERM');
  files.remove();
  await lab.stop();
}
