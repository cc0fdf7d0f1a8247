// Data-plane CPU cost per GB carried (issue #3): the client process's own CPU seconds (utime +
// stime from /proc/<pid>/stat, all its threads) while iperf3 pushes TCP through the tunnel
// from the client namespace to the lab's LAN host, upload then download, divided by the bytes
// that crossed the client's TUN interface (rx + tx). Debian's vpnc is measured the same way
// in the same run and the figures are reported as ratios to it. Then the CPU seconds of a
// ping flood (20k x 1200 B, one packet in flight, so no batching helps). The clients, iperf3
// and the /proc readings are bench/run.ts's (bench/clients.ts, iperf.ts, measure.ts).
//
// Run (root): node --import tsx bench/dataplane-cpu.ts [--seconds 10] [--esp aes256gcm16,...]
//   [--cpu-prof DIR] [--skip-vpnc] [--compare CHECKOUT]
// --esp: one Roadwarrior run per proposal list (comma-separated runs; default: the profile's
//   default proposals, then aes256-sha1, which is what vpnc negotiates).
// --cpu-prof DIR: also runs Roadwarrior once more under node --cpu-prof (profiling slows it,
//   so that run is not part of the table) and prints the profile's self time by area and by
//   function (bench/cpu-profile.ts).
// --compare CHECKOUT: also runs the CLI of another checkout (e.g. an export of the previous
//   commit, with its addon built) right after each Roadwarrior run, for before/after figures
//   from one run on a machine whose load changes from minute to minute.
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LAB_ADDRESSES, LAB_DEFAULTS, type Lab, startLab } from '../test/lab/index.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';
import { type ClientFiles, clientFiles } from '../test/support/interop.js';
import {
  type BenchClient,
  VPNC_NAME,
  roadwarriorCli,
  vpncClient,
  whileConnected,
} from './clients.js';
import { profileFiles, summariseProfiles } from './cpu-profile.js';
import { iperf, startIperfServer } from './iperf.js';
import { interfaceBytes, negotiatedTransform, processUsage, tunnelInterface } from './measure.js';
import { progress } from './progress.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    esp: { type: 'string', multiple: true },
    'cpu-prof': { type: 'string' },
    'skip-vpnc': { type: 'boolean', default: false },
    compare: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage (root): node --import tsx bench/dataplane-cpu.ts [--seconds 10]
  [--esp aes256gcm16,...] [--cpu-prof DIR] [--skip-vpnc] [--compare CHECKOUT]
  --seconds   iperf3 seconds per direction (default 10)
  --esp       one Roadwarrior run per proposal list (default: the profile's, then aes256-sha1)
  --cpu-prof  one more profiled run, summarised by area and function
  --skip-vpnc no vpnc row (ratios need it)
  --compare   also the CLI of another checkout (its addon built), right after each run
`);
  process.exit(0);
}
const SECONDS = Number(flags.seconds);
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
}

const FLOOD = ['-f', '-c', '20000', '-s', '1200'];

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
    const upload = await direction(lab, pid, tun, false);
    const download = await direction(lab, pid, tun, true);
    const before = processUsage(pid).cpuSeconds;
    await lab.execInClient('ping', [...FLOOD, LAB_ADDRESSES.lanHost], { timeoutMs: 120_000 });
    const floodCpuSeconds = processUsage(pid).cpuSeconds - before;
    return { name: client.name, esp, upload, download, floodCpuSeconds };
  });
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
  const ratio = (r: Result) =>
    baseline ? `${(perGb(both(r)) / perGb(both(baseline))).toFixed(2)}x` : '-';
  const floodRatio = (r: Result) =>
    baseline ? `${(r.floodCpuSeconds / baseline.floodCpuSeconds).toFixed(2)}x` : '-';
  const cell = (d: Direction) =>
    `${perGb(d).toFixed(1)} s/GB (sys ${((100 * d.systemSeconds) / d.cpuSeconds).toFixed(0)}%), ${(d.bitsPerSecond / 1e6).toFixed(0)} Mbit/s`;
  return [
    `| client | ESP | upload | download | both: CPU s/GB | vs vpnc | CPU s, ping ${FLOOD.join(' ')} | vs vpnc |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.esp} | ${cell(r.upload)} | ${cell(r.download)} | ${perGb(both(r)).toFixed(1)} | ${ratio(r)} | ${r.floodCpuSeconds.toFixed(2)} | ${floodRatio(r)} |`,
    ),
  ];
}

const lab = await startLab();
const files: ClientFiles[] = [];
/** The CLI at `entry`; `nodeFlags` for node itself (--cpu-prof is not allowed in NODE_OPTIONS). */
const roadwarrior = (name: string, esp: string[], entry = CLI_ENTRY, nodeFlags: string[] = []) => {
  const made = clientFiles(
    esp.length > 0 ? { espProposals: esp } : {},
    LAB_DEFAULTS.groupPsk,
    PASSWORD,
  );
  files.push(made);
  return roadwarriorCli(lab, name, entry, made, nodeFlags);
};
try {
  const server = await startIperfServer(lab);
  try {
    const results: Result[] = [];
    if (!flags['skip-vpnc']) {
      const vpnc = vpncClient(lab, { groupPsk: LAB_DEFAULTS.groupPsk, password: PASSWORD });
      results.push(await measure(lab, vpnc));
    }
    for (const esp of ESP_RUNS) {
      results.push(await measure(lab, roadwarrior('roadwarrior CLI', esp)));
      if (flags.compare !== undefined) {
        const entry = join(resolve(flags.compare), 'bin', 'roadwarrior.mjs');
        results.push(
          await measure(lab, roadwarrior(`roadwarrior CLI (${flags.compare})`, esp, entry)),
        );
      }
    }
    const lines = [
      `# Data-plane CPU per GB, ${new Date().toISOString()}`,
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; iperf3 TCP ${SECONDS} s each way, client namespace -> ${LAB_ADDRESSES.lanHost}; bytes = rx + tx of the client's TUN`,
      '',
      ...table(results),
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
        roadwarrior('roadwarrior CLI (profiled)', esp ?? [], CLI_ENTRY, nodeFlags),
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
