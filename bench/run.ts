// `npm run bench`: Roadwarrior against both reference clients, Debian's vpnc and strongSwan's
// charon as an IKEv1 XAuth road warrior, in one run on the same lab and gateway:
//   connect time to the first ping reply through the tunnel, cold (process start) and warm
//   (a connect inside an already-running process), median of --runs;
//   iperf3 TCP throughput up and down (--iperf-seconds each); the client's CPU seconds per GB
//   carried and peak RSS during those runs (with Node's floor, the CLI loaded and connected);
//   then ESP seal/open per packet against bare EVP (bench/esp-crypto.ts, in its own process).
// Roadwarrior's row is the CLI started from its V8 startup snapshot (build/bundle-cli.mjs, built
// first); the ESM bundle's and tsx's cold rows show what the bundle and the source checkout's
// bin/roadwarrior.mjs cost, and the Node floor what starting node at all costs. Results go to
// stdout and are appended to bench/results/<date>.md. Needs root and
// scripts/install-system-deps.sh.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LAB_DEFAULTS, type Lab, startLab } from '../test/lab/index.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';
import { clientFiles } from '../test/support/interop.js';
import { CHARON } from '../test/lab/gateway.js';
import { SWANCTL } from './charon-client.js';
import {
  type BenchClient,
  type Checkpoint,
  type WarmSession,
  VPNC,
  VPNC_SCRIPT,
  charonClient,
  gatewayIdle,
  roadwarriorCli,
  roadwarriorSnapshotCli,
  roadwarriorWarm,
  vpncClient,
  whileConnected,
} from './clients.js';
import { IPERF3, iperf, startIperfServer } from './iperf.js';
import { CHECKOUT, buildPackagedCli, bundleOf, snapshotLauncherOf } from './packaged-cli.js';
import { median, negotiatedTransform, processUsage, timeToFirstReply } from './measure.js';
import { progress } from './progress.js';
import { type ClientResult, renderReport } from './report.js';

// One transform for every client: vpnc offers no MODP 2048 and no AES-GCM, and CPU per GB is
// only comparable with the same cipher. No PFS (vpnc's nopfs).
const IKE_PROPOSAL = 'aes256-sha1-modp1536';
const ESP_PROPOSAL = 'aes256-sha1';
const PASSWORD = 'alice-secret';
const BUNDLE = bundleOf(CHECKOUT);
const SNAPSHOT_LAUNCHER = snapshotLauncherOf(CHECKOUT);
const ESP_CRYPTO = fileURLToPath(new URL('./esp-crypto.ts', import.meta.url));
const NODE_FLOOR_RUNS = 5;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'iperf-seconds': { type: 'string', default: '10' },
    // CPU profiles of Roadwarrior's connects (warm: each connect; cold: each ESM-bundle CLI
    // process, as the snapshot's launcher passes no node flags);
    // profiling slows what it measures, so the figures of such a run are not comparable
    'cpu-prof-dir': { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const IPERF_SECONDS = Number(values['iperf-seconds']);
const CPU_PROFILE_DIR = values['cpu-prof-dir'] && resolve(values['cpu-prof-dir']);
if (!(RUNS >= 1 && IPERF_SECONDS >= 1)) throw new Error('--runs and --iperf-seconds: at least 1');

function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (network namespaces)');
  const missing = [
    [VPNC, 'vpnc (apt vpnc)'],
    [VPNC_SCRIPT, 'vpnc-script (apt vpnc-scripts)'],
    [CHARON, 'strongSwan charon (apt strongswan-charon)'],
    [SWANCTL, 'swanctl (apt strongswan-swanctl)'],
    [
      '/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so',
      'kernel-libipsec (apt libcharon-extra-plugins)',
    ],
    [IPERF3, 'iperf3 (apt iperf3)'],
  ].filter(([path]) => !existsSync(path!));
  if (missing.length)
    throw new Error(
      `benchmark prerequisites missing: ${missing.map(([path, what]) => `${what} at ${path}`).join(', ')}; run scripts/install-system-deps.sh`,
    );
}

/** Checkpoints of one connect, from `startedAt` (epoch ms) to the first reply, as named spans. */
function spans(startedAt: number, checkpoints: Checkpoint[], replyAt: number): [string, number][] {
  const points = [
    { name: 'start', at: startedAt },
    ...checkpoints,
    { name: 'first ping reply', at: replyAt },
  ];
  return points
    .slice(1)
    .map((point, i) => [`${points[i]!.name} → ${point.name}`, point.at - points[i]!.at]);
}

/** One cold connect, timed; or, with `whileUp` (e.g. iperf), that with the client's pid. */
async function coldConnect(
  lab: Lab,
  client: BenchClient,
  result: ClientResult,
  whileUp?: (pid: number) => Promise<void>,
): Promise<void> {
  await whileConnected(lab, client, async (running, ms, startedAt) => {
    if (whileUp) return whileUp(running.pid);
    result.cold.push(ms);
    progress(`${client.name}: cold connect ${ms.toFixed(0)} ms`);
    const checkpoints = await running.checkpoints;
    if (checkpoints) result.coldSpans.push(spans(startedAt, checkpoints, startedAt + ms));
  });
}

/** `node -e 0` in the client namespace, spawn to exit, as the cold rows start their clients. */
async function nodeFloorMs(lab: Lab): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < NODE_FLOOR_RUNS; run++) {
    const started = performance.now();
    const child = lab.spawnInClient(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`node -e 0 exited ${code}`);
    runs.push(performance.now() - started);
  }
  progress(`Node floor: node -e 0 ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return median(runs);
}

/** Peak RSS (KiB) of a command run to its end: getrusage() of the waited child, from python3
 * (node has no RUSAGE_CHILDREN; node-gyp needs python3, so it is on any machine that built the
 * addon). */
function peakRssKiB(command: string[]): number {
  const script = [
    'import resource, subprocess, sys',
    'subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)',
    'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)',
  ].join('\n');
  return Number(execFileSync('python3', ['-c', script, ...command], { encoding: 'utf8' }).trim());
}

async function traffic(lab: Lab, pid: number, result: ClientResult): Promise<void> {
  result.transform = await negotiatedTransform(lab);
  progress(`${result.name}: iperf3 up and down, ${IPERF_SECONDS} s each`);
  const before = processUsage(pid);
  result.connectedRssKiB = before.peakRssKiB;
  result.up = await iperf(lab, IPERF_SECONDS, false);
  result.down = await iperf(lab, IPERF_SECONDS, true);
  const after = processUsage(pid);
  result.cpuPerGB =
    (after.cpuSeconds - before.cpuSeconds) / ((result.up.bytes + result.down.bytes) / 1e9);
  result.peakRssKiB = after.peakRssKiB;
}

async function warmRuns(lab: Lab, warm: () => Promise<WarmSession>, result: ClientResult) {
  const session = await warm();
  try {
    for (let run = 0; run < RUNS; run++) {
      const {
        ms,
        result: checkpoints,
        startedAt,
      } = await timeToFirstReply(lab, () => session.connect());
      result.warm.push(ms);
      progress(`${result.name}: warm connect ${ms.toFixed(0)} ms`);
      if (checkpoints) result.warmSpans.push(spans(startedAt, checkpoints, startedAt + ms));
      await session.disconnect();
      await gatewayIdle(lab);
    }
  } finally {
    await session.close();
  }
}

checkPrerequisites();
const loadAtStart = loadavg();
buildPackagedCli();
progress('starting the lab');
const lab = await startLab({ ikeProposals: [IKE_PROPOSAL], espProposals: [ESP_PROPOSAL] });
const files = clientFiles(
  { ikeProposals: [IKE_PROPOSAL], espProposals: [ESP_PROPOSAL], pfs: 'off' },
  LAB_DEFAULTS.groupPsk,
  PASSWORD,
);
const iperfServer = await startIperfServer(lab).catch(async (error: unknown) => {
  files.remove();
  await lab.stop();
  throw error;
});
try {
  const vpnc = vpncClient(lab, { groupPsk: LAB_DEFAULTS.groupPsk, password: PASSWORD });
  const charon = charonClient(lab, {
    group: lab.options.group,
    groupPsk: LAB_DEFAULTS.groupPsk,
    username: 'alice',
    password: PASSWORD,
    ikeProposal: IKE_PROPOSAL,
    espProposal: ESP_PROPOSAL,
  });
  if (CPU_PROFILE_DIR) mkdirSync(CPU_PROFILE_DIR, { recursive: true });
  const snapshot = roadwarriorSnapshotCli(
    lab,
    'Roadwarrior (CLI from its startup snapshot)',
    SNAPSHOT_LAUNCHER,
    files,
  );
  const bundled = roadwarriorCli(
    lab,
    'Roadwarrior (ESM bundle CLI)',
    BUNDLE,
    files,
    CPU_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE_DIR] : [],
  );
  const viaTsx = roadwarriorCli(lab, 'Roadwarrior (CLI through tsx)', CLI_ENTRY, files);
  const row = (
    client: BenchClient,
    reference: boolean,
  ): { client: BenchClient; result: ClientResult } => ({
    client,
    result: { name: client.name, reference, cold: [], warm: [], coldSpans: [], warmSpans: [] },
  });
  const vpncRow = row(vpnc, true);
  const charonRow = row(charon, true);
  // the first Roadwarrior row is the one the targets and the warm and traffic runs belong to
  const snapshotRow = row(snapshot, false);
  const rows = [vpncRow, charonRow, snapshotRow, row(bundled, false), row(viaTsx, false)];
  // round robin, so a change in the machine's load hits every client alike
  for (let run = 0; run < RUNS; run++)
    for (const { client, result } of rows) await coldConnect(lab, client, result);
  const floor = await nodeFloorMs(lab);
  const nodeFloorRssKiB = peakRssKiB([process.execPath, '-e', '0']);
  const snapshotIdleRssKiB = peakRssKiB([SNAPSHOT_LAUNCHER, '--help']);
  await warmRuns(lab, charon.warm, charonRow.result);
  await warmRuns(lab, roadwarriorWarm(lab, files, CPU_PROFILE_DIR), snapshotRow.result);
  for (const { client, result } of [vpncRow, charonRow, snapshotRow])
    await coldConnect(lab, client, result, (pid) => traffic(lab, pid, result));

  progress('ESP seal/open against bare EVP (bench/esp-crypto.ts)');
  const espCrypto = execFileSync(process.execPath, ['--import', 'tsx', ESP_CRYPTO], {
    encoding: 'utf8',
  });
  const report = renderReport(
    rows.map((r) => r.result),
    {
      runs: RUNS,
      iperfSeconds: IPERF_SECONDS,
      loadAtStart,
      nodeFloorMs: floor,
      nodeFloorRssKiB,
      snapshotIdleRssKiB,
      espCrypto,
      strongswan: execFileSync(CHARON, ['--version']).toString().trim(),
    },
  );
  console.log(report);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  // appended: a day's file keeps every run of that day (and what was written about them)
  const file = new URL(`${new Date().toISOString().slice(0, 10)}.md`, dir);
  appendFileSync(file, `\n${report}\n`);
  console.log(`appended to ${file.pathname}`);
} finally {
  iperfServer.kill('SIGTERM');
  files.remove();
  await lab.stop();
}
