// Echo throughput through a TUN, 1400-byte ICMP echo, in a throw-away namespace (root).
// A generator pinned to core 0 writes pre-built echo requests into a second TUN (rwgen0) as
// fast as it can; the kernel forwards them into rwtun0, where the echo process, pinned to
// core 1, turns each into its reply (forwarded back to rwgen0, where nobody reads them). The
// echo core is the bottleneck, so echoed packets/s is what one core does. Two echo
// implementations, in alternating rounds:
//   addon  openTun(): uv_poll, batched reads, writeBatch (test/dataplane/tun-support/tun-child.ts)
//   fs     the same kind of fd, read with fs.read and written with fs.writeSync
// Reported per implementation (medians of the rounds): echoed packets/s, and echoed packets
// per second of the echo process's own CPU time, which other load on a shared machine does not
// skew; the addon/fs ratios; then link setup (MTU + up) by ioctl against `ip link set`.
// Run: node --import tsx bench/tun-echo.ts
import { execFileSync } from 'node:child_process';
import { read, writeSync } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openTun } from '../app/dataplane/tun/index.js';
import { loadTunAddon } from '../app/dataplane/tun/native-addon.js';
import { PEER_ADDRESS, TUN_ADDRESS, TUN_PREFIX } from '../test/dataplane/tun-support/addresses.js';
import { echoRequest, echoRequestToReply } from '../test/dataplane/tun-support/ipv4-packets.js';
import {
  type NodeChild,
  type Netns,
  startNode,
  withNetns,
} from '../test/dataplane/tun-support/netns.js';
import { median, processUsage } from './measure.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const ECHO_TUN = 'rwtun0';
const GENERATOR_TUN = 'rwgen0';
const GENERATOR_ADDRESS = '198.19.251.1';
/** where the generated requests claim to come from: behind rwgen0 */
const GENERATOR_PEER = '198.19.251.2';
const MTU = 1400;
const GENERATOR_BATCH = 64;
const SECONDS = 3;
const ROUNDS = 5;
const LINK_RUNS = 20;
const ECHO_CORE = ['taskset', '-c', '1'];
const GENERATOR_CORE = ['taskset', '-c', '0'];

interface RoundResult {
  offeredPerSecond: number;
  echoedPerSecond: number;
  /** echoed packets per second of the echo process's own CPU time (user + system) */
  echoedPerCpuSecond: number;
  /** the echo process's share of its core, 0..1 */
  cpuShare: number;
}

const report = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
/** CPU seconds (user + system, which includes the softirq work its writes trigger) of a process */
const cpuSeconds = (pid: number) => processUsage(pid).cpuSeconds;

async function measureRound(ns: Netns, echo: NodeChild): Promise<RoundResult> {
  await echo.next();
  const echoPid = echo.process.pid ?? 0; // ip netns exec and taskset exec: this is node
  const generator = startNode(ns.name, GENERATOR_CORE, [THIS_FILE, '--child', 'generate']);
  await generator.next();
  const cpuBefore = cpuSeconds(echoPid);
  generator.process.stdin.end();
  const { sent, seconds } = await generator.next<{ sent: number; seconds: number }>();
  const cpu = cpuSeconds(echoPid) - cpuBefore;
  echo.process.stdin.end();
  const { echoed } = await echo.next<{ echoed: number }>();
  await Promise.all([echo.exited, generator.exited]);
  return {
    offeredPerSecond: sent / seconds,
    echoedPerSecond: echoed / seconds,
    echoedPerCpuSecond: echoed / cpu,
    cpuShare: cpu / seconds,
  };
}

/** Writes echo requests into rwgen0 for SECONDS once stdin closes; reports how many. */
async function generate(): Promise<void> {
  const tun = openTun({ name: GENERATOR_TUN, mtu: MTU });
  execFileSync('ip', ['addr', 'add', `${GENERATOR_ADDRESS}/30`, 'dev', tun.name]);
  const batch = Array.from({ length: GENERATOR_BATCH }, () =>
    echoRequest(GENERATOR_PEER, PEER_ADDRESS, MTU),
  );
  report({ name: tun.name });
  await once(process.stdin.resume(), 'end');
  const started = performance.now();
  const until = started + SECONDS * 1000;
  let sent = 0;
  while (performance.now() < until) sent += tun.writeBatch(batch);
  report({ sent, seconds: (performance.now() - started) / 1000 });
  tun.close();
}

/** Echo with fs.read / fs.writeSync on the TUN fd; reports like tun-child.ts's echo mode. */
function fsEcho(): void {
  const addon = loadTunAddon();
  const tun = new addon.Tun(ECHO_TUN);
  addon.configureLink(tun.name, MTU);
  execFileSync('ip', ['addr', 'add', `${TUN_ADDRESS}/${TUN_PREFIX}`, 'dev', tun.name]);
  const buffer = Buffer.allocUnsafe(65535);
  let echoed = 0;
  let stopping = false;
  const readNext = (): void =>
    read(tun.fd, buffer, 0, buffer.length, null, (error, bytes) => {
      if (stopping) {
        report({ echoed });
        tun.close();
        return;
      }
      // the fd is non-blocking: EAGAIN means "nothing yet", so try again on the next turn
      if (error !== null) {
        if (error.code !== 'EAGAIN') throw error;
        setImmediate(readNext);
        return;
      }
      const packet = buffer.subarray(0, bytes);
      if (echoRequestToReply(packet)) {
        writeSync(tun.fd, packet);
        echoed++;
      }
      readNext();
    });
  readNext();
  process.stdin.resume().on('end', () => (stopping = true));
  report({ name: tun.name });
}

/** Median microseconds of setting MTU and link up on a fresh TUN, by ioctl and by `ip`. */
function linkSetup(): void {
  const addon = loadTunAddon();
  const medianUs = (configure: (name: string) => void): number => {
    const times: number[] = [];
    for (let runIndex = 0; runIndex < LINK_RUNS; runIndex++) {
      const tun = new addon.Tun('rwlink0');
      const started = process.hrtime.bigint();
      configure(tun.name);
      times.push(Number(process.hrtime.bigint() - started) / 1000);
      tun.close();
    }
    return median(times);
  };
  const ioctlUs = medianUs((name) => addon.configureLink(name, MTU));
  const ipUs = medianUs((name) =>
    execFileSync('ip', ['link', 'set', 'dev', name, 'mtu', `${MTU}`, 'up']),
  );
  report({ ioctlUs, ipUs });
}

async function main(): Promise<void> {
  await withNetns('bench', async (ns) => {
    // rwgen0 -> rwtun0 and back is routed by the namespace's kernel
    await ns.exec(
      ...['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ...['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'],
    );
    const results: Record<'addon' | 'fs', RoundResult[]> = { addon: [], fs: [] };
    for (let round = 0; round < ROUNDS; round++) {
      results.addon.push(await measureRound(ns, ns.startChild(['echo', ECHO_TUN], ECHO_CORE)));
      const fsChild = startNode(ns.name, ECHO_CORE, [THIS_FILE, '--child', 'fs']);
      results.fs.push(await measureRound(ns, fsChild));
    }
    const median = (rounds: RoundResult[], key: 'echoedPerSecond' | 'echoedPerCpuSecond') =>
      [...rounds].sort((a, b) => a[key] - b[key])[ROUNDS >> 1] as RoundResult;
    const rate = (value: number) => `${Math.round(value / 1000)}k`;
    for (const [name, rounds] of Object.entries(results)) {
      const { echoedPerSecond, offeredPerSecond, cpuShare } = median(rounds, 'echoedPerSecond');
      console.log(
        `${name.padEnd(5)} ${rate(echoedPerSecond)} packets/s echoed (offered ${rate(offeredPerSecond)}/s,` +
          ` echo process at ${Math.round(cpuShare * 100)}% of its core),` +
          ` ${rate(median(rounds, 'echoedPerCpuSecond').echoedPerCpuSecond)} per CPU-second;` +
          ` rounds: ${rounds.map((r) => `${rate(r.echoedPerSecond)}/${rate(r.echoedPerCpuSecond)}`).join(' ')}`,
      );
    }
    const ratio = (key: 'echoedPerSecond' | 'echoedPerCpuSecond') =>
      (median(results.addon, key)[key] / median(results.fs, key)[key]).toFixed(2);
    console.log(
      `addon/fs: ${ratio('echoedPerSecond')}x packets/s, ${ratio('echoedPerCpuSecond')}x packets per CPU-second (medians)`,
    );

    const linkChild = startNode(ns.name, [], [THIS_FILE, '--child', 'link']);
    const { ioctlUs, ipUs } = await linkChild.next<{ ioctlUs: number; ipUs: number }>();
    await linkChild.exited;
    console.log(
      `link MTU + up: ioctl ${ioctlUs.toFixed(0)} us, ip link set ${ipUs.toFixed(0)} us (medians of ${LINK_RUNS})`,
    );
  });
}

const children: Record<string, () => unknown> = { generate, fs: fsEcho, link: linkSetup };
if (process.argv[2] === '--child') await children[process.argv[3] ?? '']?.();
else await main();
