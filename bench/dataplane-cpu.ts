// Data-plane CPU cost per GB carried (issue #3): the client process's own CPU seconds (utime +
// stime from /proc/<pid>/stat, all its threads) while iperf3 pushes TCP through the tunnel
// from the client namespace to the lab's LAN host, upload then download, divided by the bytes
// that crossed the client's TUN interface (rx + tx). Debian's vpnc is measured the same way
// in the same run and the figures are reported as ratios to it. Then the CPU seconds of the
// ping flood bench/run.ts measures (20k x 1200 B, one packet in flight, so no batching helps).
//
// Run (root): node --import tsx bench/dataplane-cpu.ts [--seconds 10] [--esp aes256gcm16,...]
//   [--cpu-prof DIR] [--skip-vpnc] [--compare CHECKOUT]
// --esp: one Roadwarrior run per proposal list (comma-separated runs; default: the profile's
//   default proposals, then aes256-sha1, which is what vpnc negotiates).
// --cpu-prof DIR: also runs Roadwarrior once more under node --cpu-prof (profiling slows it,
//   so that run is not part of the table) and prints the profile's top self-time entries.
// --compare CHECKOUT: also runs the CLI of another checkout (e.g. an export of the previous
//   commit, with its addon built) right after each Roadwarrior run, for before/after figures
//   from one run on a machine whose load changes from minute to minute.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../test/lab/index.js';
import {
  type ClientFiles,
  clientFiles,
  connectArgs,
  isConnected,
} from '../test/support/interop.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    esp: { type: 'string', multiple: true },
    'cpu-prof': { type: 'string' },
    'skip-vpnc': { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});
const SECONDS = Number(flags.seconds);
const ESP_RUNS = (flags.esp ?? ['', 'aes256-sha1']).map((list) => list.split(',').filter(Boolean));
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const GB = 1e9;

/** A connected client: its process and the TUN interface its traffic crosses. */
interface Connected {
  pid: number;
  tunName: string;
  stop(): Promise<void>;
}

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
  /** CPU seconds for the ping flood bench/run.ts uses (one packet in flight: no batches) */
  floodCpuSeconds: number;
}

const FLOOD = ['-f', '-c', '20000', '-s', '1200'];

/** utime and stime of a process (all its threads), in seconds */
function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return {
    user: Number(fields[11]) / TICKS_PER_SECOND,
    system: Number(fields[12]) / TICKS_PER_SECOND,
  };
}

async function tunBytes(lab: Lab, tunName: string): Promise<number> {
  const stats = `/sys/class/net/${tunName}/statistics`;
  const { stdout } = await lab.execInClient('cat', [`${stats}/rx_bytes`, `${stats}/tx_bytes`]);
  return stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line), 0);
}

async function iperf(lab: Lab, client: Connected, reverse: boolean): Promise<Direction> {
  const bytesBefore = await tunBytes(lab, client.tunName);
  const cpuBefore = cpuTimes(client.pid);
  const args = [
    '-c',
    LAB_ADDRESSES.lanHost,
    '-t',
    String(SECONDS),
    '-J',
    ...(reverse ? ['-R'] : []),
  ];
  const { stdout } = await lab.execInClient('iperf3', args, { timeoutMs: SECONDS * 1000 + 20_000 });
  const cpuAfter = cpuTimes(client.pid);
  const bytesAfter = await tunBytes(lab, client.tunName);
  const report = JSON.parse(stdout) as { end: { sum_received: { bits_per_second: number } } };
  return {
    cpuSeconds: cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system,
    systemSeconds: cpuAfter.system - cpuBefore.system,
    tunBytes: bytesAfter - bytesBefore,
    bitsPerSecond: report.end.sum_received.bits_per_second,
  };
}

/** strongSwan's name for the child SA's algorithms, e.g. AES_GCM_16-256 or AES_CBC-128/HMAC_SHA1_96. */
async function negotiatedEsp(lab: Lab): Promise<string> {
  const child = (await lab.listSas())[0]?.childSas[0];
  if (!child) return 'unknown';
  const integrity = child.integAlg ? `/${child.integAlg}` : '';
  return `${child.encrAlg}-${child.encrKeysize}${integrity}`;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return once(child, 'exit').then(() => undefined);
}

/** The CLI with `nodeArgs` for node itself (--cpu-prof is not allowed in NODE_OPTIONS). */
async function connectRoadwarrior(
  lab: Lab,
  files: ClientFiles,
  nodeArgs: string[] = [],
  entry = CLI_ENTRY,
): Promise<Connected> {
  const cliArgs = [...nodeArgs, entry, ...connectArgs(files, ['--json'])];
  const child = lab.spawnInClient(process.execPath, cliArgs, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let tunName: string | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    const event = JSON.parse(line) as { type: string; state?: string; tunName?: string };
    if (event.type === 'network') tunName = event.tunName;
    if (isConnected(event)) break;
  }
  child.stdout!.resume(); // keep draining the event stream
  if (tunName === undefined) {
    await exited(child);
    throw new Error('the CLI did not connect');
  }
  return { pid: child.pid!, tunName, stop: () => exited(child) };
}

async function connectVpnc(lab: Lab): Promise<Connected> {
  const conf = join(lab.dir, 'vpnc-bench.conf');
  const script = join(lab.dir, 'vpnc-script-bench');
  const { gateway } = LAB_ADDRESSES;
  const secrets = `IPSec secret ${LAB_DEFAULTS.groupPsk}\nXauth password alice-secret\n`;
  writeFileSync(
    conf,
    `IPSec gateway ${gateway}\nIPSec ID ${lab.options.group}\n${secrets}Xauth username alice\n`,
    {
      mode: 0o600,
    },
  );
  // no DNS changes: the bench never touches resolv.conf
  const noDns = 'unset INTERNAL_IP4_DNS CISCO_DEF_DOMAIN CISCO_SPLIT_DNS';
  writeFileSync(script, `#!/bin/sh\n${noDns}\nexec /usr/share/vpnc-scripts/vpnc-script "$@"\n`, {
    mode: 0o755,
  });
  const vpncArgs = ['--no-detach', '--script', script, '--local-port', '0', '--ifname', 'vpnb0'];
  const child = lab.spawnInClient(
    '/usr/sbin/vpnc',
    [...vpncArgs, '--pid-file', join(lab.dir, 'vpnc-bench.pid'), conf],
    { privateRun: true, stdio: 'ignore' },
  );
  // vpnc has no event stream: connected once a ping crosses the tunnel
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const ping = ['-c', '1', '-W', '0.2', LAB_ADDRESSES.lanHost];
    if ((await lab.execInClient('ping', ping, { check: false })).code === 0) {
      return { pid: child.pid!, tunName: 'vpnb0', stop: () => exited(child) };
    }
  }
  await exited(child);
  throw new Error('vpnc did not connect');
}

async function measure(lab: Lab, name: string, connect: () => Promise<Connected>): Promise<Result> {
  const client = await connect();
  try {
    const esp = await negotiatedEsp(lab);
    const upload = await iperf(lab, client, false);
    const download = await iperf(lab, client, true);
    const before = cpuTimes(client.pid);
    await lab.execInClient('ping', [...FLOOD, LAB_ADDRESSES.lanHost], { timeoutMs: 120_000 });
    const after = cpuTimes(client.pid);
    const floodCpuSeconds = after.user + after.system - before.user - before.system;
    return { name, esp, upload, download, floodCpuSeconds };
  } finally {
    await client.stop();
    await lab.waitForSas((sas) => sas.length === 0, 5_000, 'client gone');
  }
}

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time per function of a .cpuprofile, largest first, as "share  name  file:line". */
function topOfProfile(path: string, count = 20): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[] };
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(app|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'}  ${file}${file ? `:${lineNumber + 1}` : ''}`;
    hits.set(key, (hits.get(key) ?? 0) + (node.hitCount ?? 0));
    total += node.hitCount ?? 0;
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
}

const perGb = (d: Direction) => d.cpuSeconds / (d.tunBytes / GB);
const both = (r: Result): Direction => ({
  cpuSeconds: r.upload.cpuSeconds + r.download.cpuSeconds,
  systemSeconds: r.upload.systemSeconds + r.download.systemSeconds,
  tunBytes: r.upload.tunBytes + r.download.tunBytes,
  bitsPerSecond: (r.upload.bitsPerSecond + r.download.bitsPerSecond) / 2,
});

function table(results: Result[]): string[] {
  const baseline = results.find((r) => r.name.startsWith('vpnc'));
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
const filesFor = (esp: string[]) => {
  const made = clientFiles(
    esp.length > 0 ? { espProposals: esp } : {},
    LAB_DEFAULTS.groupPsk,
    'alice-secret',
  );
  files.push(made);
  return made;
};
try {
  const server = lab.spawnInLan('iperf3', ['-s', '-B', LAB_ADDRESSES.lanHost], { stdio: 'ignore' });
  server.unref();
  await new Promise((r) => setTimeout(r, 300)); // let the server bind before the first client
  const results: Result[] = [];
  if (!flags['skip-vpnc']) results.push(await measure(lab, 'vpnc 0.5.3', () => connectVpnc(lab)));
  for (const esp of ESP_RUNS) {
    results.push(
      await measure(lab, 'roadwarrior CLI', () => connectRoadwarrior(lab, filesFor(esp))),
    );
    if (flags.compare !== undefined) {
      const entry = join(resolve(flags.compare), 'bin', 'roadwarrior.mjs');
      results.push(
        await measure(lab, `roadwarrior CLI (${flags.compare})`, () =>
          connectRoadwarrior(lab, filesFor(esp), [], entry),
        ),
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
    const known = new Set(readdirSync(dir));
    const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    const [esp] = ESP_RUNS;
    const profiled = await measure(lab, 'roadwarrior CLI (profiled)', () =>
      connectRoadwarrior(lab, filesFor(esp ?? []), nodeArgs),
    );
    console.log(['', ...table([profiled])].join('\n'));
    // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main thread, where the
    // data plane runs (the others are tsx's loader worker, idle)
    const mainThread = /\.0\.\d+\.cpuprofile$/;
    for (const file of readdirSync(dir).filter((f) => mainThread.test(f) && !known.has(f))) {
      console.log(`\n${join(dir, file)}: top self time`);
      console.log(topOfProfile(join(dir, file)).join('\n'));
    }
  }
} finally {
  files.forEach((f) => f.remove());
  await lab.stop();
}
