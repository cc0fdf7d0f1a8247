// Echo throughput through a TUN, 1400-byte ICMP echo, inside a throw-away namespace (root).
// `ping -i 0 -l 1000` on core 0 floods 198.19.250.2 faster than any echo keeps up; the echoing
// process, pinned to core 1, turns each request into its reply on the TUN. Two echo
// implementations, alternating rounds:
//   addon  openTun(): uv_poll, batched reads, writeBatch (test/dataplane/tun-support/tun-child.ts)
//   fs     the same kind of fd, read with fs.read and written with fs.writeSync
// Reported per implementation (median round): echoed packets/s, how busy core 1 was, and
// packets per busy core-second (softirq work included: /proc/stat); then the addon/fs ratios,
// then link setup: ioctl (SIOCSIFMTU + SIOCSIFFLAGS) against `ip link set`.
// Run: node --import tsx bench/tun-echo.ts
import { execFileSync } from 'node:child_process';
import { read, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadTunAddon } from '../app/dataplane/tun/native-addon.js';
import { PEER_ADDRESS, TUN_ADDRESS, TUN_PREFIX } from '../test/dataplane/tun-support/addresses.js';
import { echoRequestToReply } from '../test/dataplane/tun-support/ipv4-packets.js';
import {
  type NodeChild,
  type Netns,
  startNode,
  withNetns,
} from '../test/dataplane/tun-support/netns.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const TUN = 'rwtun0';
const MTU = 1400;
/** ICMP payload that makes 1400-byte IPv4 packets (20 IPv4 + 8 ICMP header bytes) */
const PING_SIZE = MTU - 28;
const SECONDS = 3;
const ROUNDS = 5;
const LINK_RUNS = 20;
const ECHO_CORE = 1;

interface RoundResult {
  packetsPerSecond: number;
  /** share of the echo core that was busy, 0..1 */
  busy: number;
  packetsPerCoreSecond: number;
}

/** busy and total clock ticks of one core so far (/proc/stat: idle and iowait are not busy) */
async function coreTicks(core: number): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8'))
    .split('\n')
    .find((l) => l.startsWith(`cpu${core} `));
  const ticks = (line ?? '').split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

async function flood(ns: Netns, echo: NodeChild): Promise<RoundResult> {
  await echo.next();
  const before = await coreTicks(ECHO_CORE);
  const output = await ns.exec(
    ...['taskset', '-c', `${1 - ECHO_CORE}`, 'ping', '-i', '0', '-l', '1000', '-q'],
    ...['-s', `${PING_SIZE}`, '-w', `${SECONDS}`, '-I', TUN, PEER_ADDRESS],
  );
  const after = await coreTicks(ECHO_CORE);
  echo.process.stdin.end();
  await echo.next();
  await echo.exited;
  const match = /(\d+) received.*time (\d+)ms/.exec(output);
  const received = Number(match?.[1]);
  const seconds = Number(match?.[2]) / 1000;
  const busy = (after.busy - before.busy) / (after.total - before.total);
  return {
    packetsPerSecond: received / seconds,
    busy,
    packetsPerCoreSecond: received / seconds / busy,
  };
}

/** Echo with fs.read / fs.writeSync on the TUN fd; reports like tun-child.ts's echo mode. */
function fsEcho(): void {
  const addon = loadTunAddon();
  const tun = new addon.Tun(TUN);
  addon.configureLink(tun.name, MTU);
  execFileSync('ip', ['addr', 'add', `${TUN_ADDRESS}/${TUN_PREFIX}`, 'dev', tun.name]);
  const buffer = Buffer.allocUnsafe(65535);
  let echoed = 0;
  let stopping = false;
  const readNext = (): void =>
    read(tun.fd, buffer, 0, buffer.length, null, (error, bytes) => {
      if (stopping) {
        process.stdout.write(`${JSON.stringify({ echoed })}\n`);
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
  process.stdout.write(`${JSON.stringify({ name: tun.name })}\n`);
}

/** Median microseconds of setting MTU and link up on a fresh TUN, by ioctl and by `ip`. */
function linkSetup(): void {
  const addon = loadTunAddon();
  const median = (configure: (name: string) => void): number => {
    const times: number[] = [];
    for (let runIndex = 0; runIndex < LINK_RUNS; runIndex++) {
      const tun = new addon.Tun('rwlink0');
      const started = process.hrtime.bigint();
      configure(tun.name);
      times.push(Number(process.hrtime.bigint() - started) / 1000);
      tun.close();
    }
    return times.sort((a, b) => a - b)[LINK_RUNS / 2] ?? 0;
  };
  const ioctlUs = median((name) => addon.configureLink(name, MTU));
  const ipUs = median((name) =>
    execFileSync('ip', ['link', 'set', 'dev', name, 'mtu', `${MTU}`, 'up']),
  );
  process.stdout.write(`${JSON.stringify({ ioctlUs, ipUs })}\n`);
}

async function main(): Promise<void> {
  await withNetns('bench', async (ns) => {
    const results: Record<'addon' | 'fs', RoundResult[]> = { addon: [], fs: [] };
    const echoCore = ['taskset', '-c', `${ECHO_CORE}`];
    for (let round = 0; round < ROUNDS; round++) {
      results.addon.push(await flood(ns, ns.startChild(['echo', TUN], echoCore)));
      results.fs.push(await flood(ns, startNode(ns.name, echoCore, [THIS_FILE, '--child', 'fs'])));
    }
    const median = (rounds: RoundResult[]) =>
      [...rounds].sort((a, b) => a.packetsPerCoreSecond - b.packetsPerCoreSecond)[
        ROUNDS >> 1
      ] as RoundResult;
    for (const [name, rounds] of Object.entries(results)) {
      const round = median(rounds);
      console.log(
        `${name.padEnd(5)} ${Math.round(round.packetsPerSecond)} packets/s echoed, core ${Math.round(round.busy * 100)}% busy: ` +
          `${Math.round(round.packetsPerCoreSecond)} packets per core-second ` +
          `(rounds: ${rounds.map((r) => `${Math.round(r.packetsPerSecond)}@${Math.round(r.busy * 100)}%`).join(', ')})`,
      );
    }
    const addon = median(results.addon);
    const fs = median(results.fs);
    console.log(
      `addon/fs: ${(addon.packetsPerSecond / fs.packetsPerSecond).toFixed(2)}x packets/s, ` +
        `${(addon.packetsPerCoreSecond / fs.packetsPerCoreSecond).toFixed(2)}x packets per core-second`,
    );
    const linkChild = startNode(ns.name, [], [THIS_FILE, '--child', 'link']);
    const link = await linkChild.next<{ ioctlUs: number; ipUs: number }>();
    await linkChild.exited;
    console.log(
      `link MTU + up: ioctl ${link.ioctlUs.toFixed(1)} us, ip link set ${link.ipUs.toFixed(0)} us (medians of ${LINK_RUNS})`,
    );
  });
}

if (process.argv[2] === '--child') {
  if (process.argv[3] === 'fs') fsEcho();
  else linkSetup();
} else {
  await main();
}
