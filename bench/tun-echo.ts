// Echo throughput through a TUN, 1400-byte ICMP echo, inside a throw-away namespace (root).
// Three `ping -f` on core 0 flood 198.19.250.2; the echoing process, pinned to core 1, turns
// each request into its reply on the TUN. Two echo implementations, alternating rounds:
//   addon  openTun(): uv_poll, batched reads, writeBatch (test/dataplane/tun-support/tun-child.ts)
//   fs     the same kind of fd, read with fs.read and written with fs.writeSync
// Reported: echoed packets/s, CPU microseconds per packet of the echo process, addon/fs ratio;
// then the link setup: ioctl (SIOCSIFMTU + SIOCSIFFLAGS) against `ip link set`.
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
const PINGERS = 3;
const SECONDS = 3;
const ROUNDS = 5;
const LINK_RUNS = 20;
/** /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ) */
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const ECHO_CORE = ['taskset', '-c', '1'];

interface RoundResult {
  packetsPerSecond: number;
  cpuUsPerPacket: number;
}

async function cpuTicks(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

async function flood(ns: Netns, echo: NodeChild): Promise<RoundResult> {
  await echo.next();
  const pid = echo.process.pid ?? 0;
  const ticksBefore = await cpuTicks(pid);
  const outputs = await Promise.all(
    Array.from({ length: PINGERS }, () =>
      ns.exec(
        'taskset',
        '-c',
        '0',
        'ping',
        '-f',
        '-q',
        '-l',
        '200',
        '-s',
        `${PING_SIZE}`,
        '-w',
        `${SECONDS}`,
        '-I',
        TUN,
        PEER_ADDRESS,
      ),
    ),
  );
  const ticks = (await cpuTicks(pid)) - ticksBefore;
  echo.process.stdin.end();
  const { echoed } = await echo.next<{ echoed: number }>();
  await echo.exited;
  let received = 0;
  let milliseconds = 0;
  for (const output of outputs) {
    const match = /(\d+) received.*time (\d+)ms/.exec(output);
    received += Number(match?.[1]);
    milliseconds = Math.max(milliseconds, Number(match?.[2]));
  }
  return {
    packetsPerSecond: received / (milliseconds / 1000),
    cpuUsPerPacket: (ticks * TICK_US) / echoed,
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
    for (let round = 0; round < ROUNDS; round++) {
      results.addon.push(await flood(ns, ns.startChild(['echo', TUN], ECHO_CORE)));
      results.fs.push(await flood(ns, startNode(ns.name, ECHO_CORE, [THIS_FILE, '--child', 'fs'])));
    }
    const medianRound = (rounds: RoundResult[]) =>
      [...rounds].sort((a, b) => a.packetsPerSecond - b.packetsPerSecond)[
        ROUNDS >> 1
      ] as RoundResult;
    for (const [name, rounds] of Object.entries(results)) {
      const { packetsPerSecond, cpuUsPerPacket } = medianRound(rounds);
      console.log(
        `${name.padEnd(5)} ${Math.round(packetsPerSecond)} packets/s echoed, ` +
          `${cpuUsPerPacket.toFixed(2)} CPU us/packet (rounds: ${rounds.map((r) => Math.round(r.packetsPerSecond)).join(', ')})`,
      );
    }
    const ratio =
      medianRound(results.addon).packetsPerSecond / medianRound(results.fs).packetsPerSecond;
    const cpuRatio =
      medianRound(results.fs).cpuUsPerPacket / medianRound(results.addon).cpuUsPerPacket;
    console.log(
      `addon/fs: ${ratio.toFixed(2)}x packets/s, ${cpuRatio.toFixed(2)}x less CPU per packet`,
    );

    const link = await startNode(ns.name, [], [THIS_FILE, '--child', 'link']).next<{
      ioctlUs: number;
      ipUs: number;
    }>();
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
