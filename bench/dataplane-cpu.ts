// Data-plane CPU cost per GB carried (issue #3): the client process's own CPU seconds (utime +
// stime from /proc/<pid>/stat, all its threads) while iperf3 pushes TCP through the tunnel
// from the client namespace to the lab's LAN host, upload then download, divided by the bytes
// that crossed the client's TUN interface (rx + tx). Debian's vpnc is measured the same way
// in the same run and the figures are reported as ratios to it. Then the CPU seconds of a
// ping flood (20k x 1200 B, one packet in flight, so no batching helps) and its mean round-trip
// time (ping's own rtt avg). The clients, iperf3 and the /proc readings are bench/run.ts's
// (bench/clients.ts, iperf.ts, measure.ts).
//
// Run (root): node --import tsx bench/dataplane-cpu.ts [--seconds 10] [--esp aes256gcm16,...]
//   [--cli snapshot|tsx] [--cpu-prof DIR] [--skip-vpnc] [--compare CHECKOUT] [--flood-only]
//   [--syscalls]
// --cli: which Roadwarrior CLI (repeatable; default snapshot): the packaged command started from
//   its startup snapshot (bench/packaged-cli.ts, built first, as `npm run bench` measures it), or
//   the source checkout's bin/roadwarrior.mjs through tsx, whose loader and compilers leave
//   garbage that V8 collects in the first half minute after the connect (about 0.25 s of CPU on
//   its GC threads, idle, session 12), inside the first iperf3 runs.
// --esp: one Roadwarrior run per proposal list (comma-separated runs; default: the profile's
//   default proposals, then aes256-sha1, which is what vpnc negotiates).
// --cpu-prof DIR: also runs the tsx CLI once more under node --cpu-prof (profiling slows it,
//   so that run is not part of the table) and prints the profile's self time by area and by
//   function (bench/cpu-profile.ts).
// --compare CHECKOUT: also runs the CLI of another checkout (e.g. an export of the previous
//   commit, with its addon built; its packaged CLI is built too for --cli snapshot) right after
//   each Roadwarrior run, for before/after figures from one run on a machine whose load changes
//   from minute to minute.
// --flood-only: no iperf3, only the ping flood (quick repeats of the one-packet-in-flight case).
// --syscalls: then one more flood of each client under strace -c -f (which slows it: not part
//   of the CPU figures), its system calls per round trip.
// --rounds N (default 2): every client is measured N times, the order of the clients reversed
//   in every other round, and the figures are pooled over the rounds (CPU and bytes summed, the
//   flood's CPU and round trip averaged). The machine drifts within a run: measured in one
//   fixed order, the client measured last had the worst flood in both runs of session 11.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LAB_ADDRESSES, LAB_DEFAULTS, type Lab, startLab } from '../test/lab/index.js';
import { type ClientFiles, clientFiles } from '../test/support/interop.js';
import {
  type BenchClient,
  VPNC_NAME,
  roadwarriorCli,
  roadwarriorSnapshotCli,
  vpncClient,
  whileConnected,
} from './clients.js';
import { profileFiles, summariseProfiles } from './cpu-profile.js';
import { iperf, startIperfServer } from './iperf.js';
import { CHECKOUT, buildPackagedCli, snapshotLauncherOf } from './packaged-cli.js';
import { interfaceBytes, negotiatedTransform, processUsage, tunnelInterface } from './measure.js';
import { progress } from './progress.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    esp: { type: 'string', multiple: true },
    cli: { type: 'string', multiple: true },
    'cpu-prof': { type: 'string' },
    'skip-vpnc': { type: 'boolean', default: false },
    compare: { type: 'string' },
    'flood-only': { type: 'boolean', default: false },
    syscalls: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage (root): node --import tsx bench/dataplane-cpu.ts [--seconds 10]
  [--esp aes256gcm16,...] [--cli snapshot|tsx] [--cpu-prof DIR] [--skip-vpnc]
  [--compare CHECKOUT] [--flood-only] [--syscalls] [--rounds 2]
  --seconds   iperf3 seconds per direction (default 10)
  --esp       one Roadwarrior run per proposal list (default: the profile's, then aes256-sha1)
  --cli       snapshot (the packaged CLI, built first; default) or tsx (bin/roadwarrior.mjs);
              repeat it for both
  --cpu-prof  one more profiled run, summarised by area and function
  --skip-vpnc no vpnc row (ratios need it)
  --compare   also the CLI of another checkout (its addon built), right after each run
  --flood-only no iperf3: the ping flood only
  --syscalls  one more flood per client under strace -c -f: system calls per round trip
  --rounds    times each client is measured, every other round in reverse order (default 2)
`);
  process.exit(0);
}
const SECONDS = Number(flags.seconds);
const ROUNDS = Number(flags.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write(`--rounds: a whole number of at least 1, not ${flags.rounds}\n`);
  process.exit(2);
}
const CLI_KINDS = ['snapshot', 'tsx'] as const;
type CliKind = (typeof CLI_KINDS)[number];
const isCliKind = (kind: string): kind is CliKind =>
  (CLI_KINDS as readonly string[]).includes(kind);
const CLIS = flags.cli ?? ['snapshot'];
const unknownCli = CLIS.find((kind) => !isCliKind(kind));
if (unknownCli !== undefined) {
  process.stderr.write(`--cli: ${CLI_KINDS.join(' or ')}, not ${unknownCli}\n`);
  process.exit(2);
}
const ESP_RUNS = (flags.esp ?? ['', 'aes256-sha1']).map((list) => list.split(',').filter(Boolean));
const PASSWORD = 'alice-secret';
const PROFILE_TOP = 20;
const GB = 1e9;

interface Direction {
  cpuSeconds: number;
  /** the part of cpuSeconds spent in the kernel (syscalls and the stack work they trigger) */
  systemSeconds: number;
  tunBytes: number;
  /** iperf3's receiver-side goodput */
  bitsPerSecond: number;
}

interface Result {
  name: string;
  esp: string;
  upload: Direction;
  download: Direction;
  /** CPU seconds for the ping flood (one packet in flight: no batches) */
  floodCpuSeconds: number;
  /** the flood's mean round-trip time, ms (ping's rtt avg) */
  floodRttMs: number;
  /** --syscalls: strace's summary of a second flood, per round trip */
  syscalls?: string;
}

const FLOOD_COUNT = 20000;
const FLOOD = ['-f', '-c', String(FLOOD_COUNT), '-s', '1200'];
const NO_TRAFFIC: Direction = { cpuSeconds: 0, systemSeconds: 0, tunBytes: 0, bitsPerSecond: 0 };
/** --syscalls: the calls listed per round trip */
const SYSCALL_TOP = 8;

async function flood(lab: Lab): Promise<number> {
  const { stdout } = await lab.execInClient('ping', [...FLOOD, LAB_ADDRESSES.lanHost], {
    timeoutMs: 120_000,
  });
  // "rtt min/avg/max/mdev = 0.061/0.083/1.024/0.019 ms"
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(stdout);
  if (!rtt) throw new Error(`no rtt line in ping's output: ${stdout.slice(-200)}`);
  return Number(rtt[1]);
}

/** One more flood under strace -c -f: the most frequent system calls, per round trip. */
async function floodSyscalls(lab: Lab, pid: number): Promise<string> {
  const out = join(tmpdir(), `rw-bench-strace-${process.pid}-${pid}.txt`);
  const strace = lab.spawnInClient('strace', ['-c', '-f', '-o', out, '-p', String(pid)]);
  try {
    await new Promise((settle) => setTimeout(settle, 500)); // attached to every thread
    await flood(lab);
  } finally {
    strace.kill('SIGINT');
    await new Promise((settle) => strace.once('exit', settle));
  }
  // "% time seconds usecs/call calls errors syscall", rows after the ---- line
  const rows = readFileSync(out, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && /^\d+$/.test(f[3]!) && f.at(-1) !== 'total')
    .map((f) => ({
      calls: Number(f[3]),
      errors: /^\d+$/.test(f[4]!) ? Number(f[4]) : 0,
      name: f.at(-1)!,
    }));
  rmSync(out, { force: true });
  const total = rows.reduce((sum, row) => sum + row.calls, 0);
  const top = rows
    .sort((a, b) => b.calls - a.calls)
    .slice(0, SYSCALL_TOP)
    .map(
      (row) =>
        `${row.name} ${(row.calls / FLOOD_COUNT).toFixed(2)}${row.errors ? ` (${(row.errors / FLOOD_COUNT).toFixed(2)} failed)` : ''}`,
    );
  return `${(total / FLOOD_COUNT).toFixed(2)} per round trip: ${top.join(', ')}`;
}

/** One iperf3 run with the client's CPU time and the bytes its TUN carried around it. */
async function direction(lab: Lab, pid: number, tun: string, reverse: boolean): Promise<Direction> {
  const bytesBefore = await interfaceBytes(lab, tun);
  const cpuBefore = processUsage(pid);
  const { bitsPerSecond } = await iperf(lab, SECONDS, reverse);
  const cpuAfter = processUsage(pid);
  return {
    cpuSeconds: cpuAfter.cpuSeconds - cpuBefore.cpuSeconds,
    systemSeconds: cpuAfter.systemSeconds - cpuBefore.systemSeconds,
    tunBytes: (await interfaceBytes(lab, tun)) - bytesBefore,
    bitsPerSecond,
  };
}

async function measure(lab: Lab, client: BenchClient): Promise<Result> {
  progress(`${client.name}: iperf3 up and down, ${SECONDS} s each, then ping ${FLOOD.join(' ')}`);
  return whileConnected(lab, client, async ({ pid }) => {
    const tun = await tunnelInterface(lab);
    const { esp } = await negotiatedTransform(lab);
    const floodOnly = flags['flood-only'];
    const upload = floodOnly ? NO_TRAFFIC : await direction(lab, pid, tun, false);
    const download = floodOnly ? NO_TRAFFIC : await direction(lab, pid, tun, true);
    const before = processUsage(pid).cpuSeconds;
    const floodRttMs = await flood(lab);
    const floodCpuSeconds = processUsage(pid).cpuSeconds - before;
    const syscalls = flags.syscalls ? await floodSyscalls(lab, pid) : undefined;
    return { name: client.name, esp, upload, download, floodCpuSeconds, floodRttMs, syscalls };
  });
}

const addDirections = (a: Direction, b: Direction): Direction => ({
  cpuSeconds: a.cpuSeconds + b.cpuSeconds,
  systemSeconds: a.systemSeconds + b.systemSeconds,
  tunBytes: a.tunBytes + b.tunBytes,
  bitsPerSecond: a.bitsPerSecond + b.bitsPerSecond,
});
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** One client's rounds as one result: CPU and bytes summed (so s/GB is over all of them), the
 * throughput, the flood's CPU and its round trip averaged. */
function pooled(rounds: Result[]): Result {
  const [first] = rounds;
  if (!first) throw new Error('no round to pool');
  const sum = (pick: (r: Result) => Direction) => {
    const total = rounds.map(pick).reduce(addDirections);
    return { ...total, bitsPerSecond: total.bitsPerSecond / rounds.length };
  };
  return {
    name: first.name,
    esp: first.esp,
    upload: sum((r) => r.upload),
    download: sum((r) => r.download),
    floodCpuSeconds: mean(rounds.map((r) => r.floodCpuSeconds)),
    floodRttMs: mean(rounds.map((r) => r.floodRttMs)),
    ...(first.syscalls !== undefined ? { syscalls: first.syscalls } : {}),
  };
}

const perGb = (d: Direction) => d.cpuSeconds / (d.tunBytes / GB);
const both = (r: Result): Direction => ({
  cpuSeconds: r.upload.cpuSeconds + r.download.cpuSeconds,
  systemSeconds: r.upload.systemSeconds + r.download.systemSeconds,
  tunBytes: r.upload.tunBytes + r.download.tunBytes,
  bitsPerSecond: (r.upload.bitsPerSecond + r.download.bitsPerSecond) / 2,
});

function table(results: Result[]): string[] {
  const baseline = results.find((r) => r.name === VPNC_NAME);
  const versus = (value: (r: Result) => number) => (r: Result) =>
    baseline ? `${(value(r) / value(baseline)).toFixed(2)}x` : '-';
  const ratio = versus((r) => perGb(both(r)));
  const floodRatio = versus((r) => r.floodCpuSeconds);
  const rttRatio = versus((r) => r.floodRttMs);
  const cell = (d: Direction) =>
    d.tunBytes === 0
      ? '-'
      : `${perGb(d).toFixed(1)} s/GB (sys ${((100 * d.systemSeconds) / d.cpuSeconds).toFixed(0)}%), ${(d.bitsPerSecond / 1e6).toFixed(0)} Mbit/s`;
  const perGbCell = (r: Result) =>
    r.upload.tunBytes === 0 ? '- | -' : `${perGb(both(r)).toFixed(1)} | ${ratio(r)}`;
  return [
    `| client | ESP | upload | download | both: CPU s/GB | vs vpnc | CPU s, ping ${FLOOD.join(' ')} | vs vpnc | its rtt avg, ms | vs vpnc |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.esp} | ${cell(r.upload)} | ${cell(r.download)} | ${perGbCell(r)} | ${r.floodCpuSeconds.toFixed(2)} | ${floodRatio(r)} | ${r.floodRttMs.toFixed(3)} | ${rttRatio(r)} |`,
    ),
    ...results
      .filter((r) => r.syscalls !== undefined)
      .map((r) => `\n${r.name} (${r.esp}), system calls under strace -c -f: ${r.syscalls}`),
  ];
}

const compared = flags.compare === undefined ? undefined : resolve(flags.compare);
if (CLIS.includes('snapshot')) {
  buildPackagedCli();
  if (compared !== undefined) buildPackagedCli(compared);
}
const lab = await startLab();
const files: ClientFiles[] = [];
/** One connect's profile and secrets, removed at the end. */
const filesFor = (esp: string[]) => {
  const made = clientFiles(
    esp.length > 0 ? { espProposals: esp } : {},
    LAB_DEFAULTS.groupPsk,
    PASSWORD,
  );
  files.push(made);
  return made;
};
/** A checkout's CLI of that kind; `nodeFlags` (tsx only) for node itself (--cpu-prof is not
 * allowed in NODE_OPTIONS, and the snapshot's launcher passes none). */
const roadwarrior = (
  name: string,
  esp: string[],
  kind: CliKind,
  checkout = CHECKOUT,
  nodeFlags: string[] = [],
) =>
  kind === 'snapshot'
    ? roadwarriorSnapshotCli(lab, name, snapshotLauncherOf(checkout), filesFor(esp))
    : roadwarriorCli(lab, name, join(checkout, 'bin', 'roadwarrior.mjs'), filesFor(esp), nodeFlags);
try {
  const server = await startIperfServer(lab);
  try {
    const clients: (() => BenchClient)[] = [];
    if (!flags['skip-vpnc'])
      clients.push(() => vpncClient(lab, { groupPsk: LAB_DEFAULTS.groupPsk, password: PASSWORD }));
    for (const esp of ESP_RUNS) {
      for (const kind of CLIS.filter(isCliKind)) {
        clients.push(() => roadwarrior(`roadwarrior CLI (${kind})`, esp, kind));
        if (compared !== undefined) {
          const name = `roadwarrior CLI (${kind}, ${flags.compare})`;
          clients.push(() => roadwarrior(name, esp, kind, compared));
        }
      }
    }
    // byClient[i]: client i's result of each round
    const byClient: Result[][] = clients.map(() => []);
    const rounds: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = clients.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      const results: Result[] = [];
      for (const i of order) {
        const result = await measure(lab, clients[i]!());
        byClient[i]!.push(result);
        results.push(result);
      }
      rounds.push('', `Round ${round + 1} of ${ROUNDS}, in this order:`, '', ...table(results));
    }
    const lines = [
      `# Data-plane CPU per GB, ${new Date().toISOString()}`,
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; iperf3 TCP ${SECONDS} s each way, client namespace -> ${LAB_ADDRESSES.lanHost}; bytes = rx + tx of the client's TUN`,
      '',
      ROUNDS > 1
        ? `Pooled over ${ROUNDS} rounds (every other one in reverse order): CPU and bytes summed, throughput, flood CPU and round trip averaged`
        : 'One round',
      '',
      ...table(byClient.map(pooled)),
      ...(ROUNDS > 1 ? rounds : []),
    ];
    console.log(lines.join('\n'));
    const profileDir = flags['cpu-prof'];
    if (profileDir !== undefined) {
      const dir = resolve(profileDir);
      mkdirSync(dir, { recursive: true });
      const known = new Set(profileFiles([dir]));
      const nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
      const [esp] = ESP_RUNS;
      const profiled = await measure(
        lab,
        roadwarrior('roadwarrior CLI (tsx, profiled)', esp ?? [], 'tsx', CHECKOUT, nodeFlags),
      );
      console.log(['', ...table([profiled])].join('\n'));
      // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main thread, where the
      // data plane runs (the others are tsx's loader worker, idle)
      const mainThread = /\.0\.\d+\.cpuprofile$/;
      for (const file of profileFiles([dir]).filter((f) => mainThread.test(f) && !known.has(f))) {
        console.log(`\n${file}: self time`);
        console.log(summariseProfiles([file], { top: PROFILE_TOP }));
      }
    }
  } finally {
    server.kill('SIGTERM');
  }
} finally {
  files.forEach((f) => f.remove());
  await lab.stop();
}
