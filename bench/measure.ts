// Measuring primitives the benchmarks share: the first ping reply through the tunnel, a
// process's CPU time and peak RSS from /proc, the bytes a tunnel interface carried, what the
// gateway negotiated, and medians.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type IkeSa, type Lab, LAB_ADDRESSES } from '../test/lab/index.js';

/** Echo requests every 5 ms per probe: cheap enough for a 2-core box. */
const PROBE_INTERVAL_S = '0.005';
/** After a failed send (no route yet) ping waits about 10 ms before the next echo, so one ping
 * only sees the tunnel on a ~10 ms grid; pings started 2 ms apart refine that to ~2 ms. */
const PROBES = 5;
const PROBE_STAGGER_MS = 2;

export interface ReplyProbe {
  /** performance.now() of the first echo reply from the LAN host. */
  readonly firstReply: Promise<number>;
  stop(): void;
}

/**
 * Pings that run before the client starts. Until the tunnel is up the NAT answers "net
 * unreachable" (or, rate-limited, nothing); the routes the client installs apply to the running
 * pings, so the first reply marks the first packet the tunnel carried. Long-running pings
 * instead of a ping per attempt keep process start-up out of the figure.
 */
export async function startReplyProbe(lab: Lab, timeoutMs: number): Promise<ReplyProbe> {
  const pings: ChildProcess[] = [];
  const readers: ReturnType<typeof createInterface>[] = [];
  const stop = () => {
    readers.forEach((lines) => lines.close());
    for (const ping of pings)
      if (ping.exitCode === null && ping.signalCode === null) ping.kill('SIGTERM');
  };
  let resolveReply: (at: number) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const firstReply = new Promise<number>((resolve, reject) => {
    resolveReply = resolve;
    timer = setTimeout(() => {
      stop();
      reject(new Error(`no ping reply through the tunnel within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  void firstReply.then(
    () => clearTimeout(timer),
    () => undefined,
  );
  try {
    for (let i = 0; i < PROBES; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, PROBE_STAGGER_MS));
      // line-buffered: into a pipe ping's stdio would hold the header until a reply fills a block
      const ping = lab.spawnInClient(
        'stdbuf',
        ['-oL', 'ping', '-n', '-i', PROBE_INTERVAL_S, LAB_ADDRESSES.lanHost],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      pings.push(ping);
      const lines = createInterface({ input: ping.stdout! });
      readers.push(lines);
      // the header line means ping is sending: only then does the clock start
      await new Promise<void>((resolve, reject) => {
        lines.once('line', () => resolve());
        ping.once('exit', (code) => reject(new Error(`ping exited (${code}) before sending`)));
      });
      lines.on('line', (line) => {
        if (!line.includes(` bytes from ${LAB_ADDRESSES.lanHost}`)) return;
        stop();
        resolveReply(performance.now());
      });
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { firstReply, stop };
}

/**
 * Milliseconds from calling `connect` to the first ping reply through the tunnel. `connect`
 * may resolve before or after that reply (swanctl --initiate returns once the child SA is up);
 * its rejection ends the wait at once.
 */
export async function timeToFirstReply<T>(
  lab: Lab,
  connect: () => Promise<T>,
  timeoutMs = 15_000,
): Promise<{ ms: number; result: T; startedAt: number }> {
  const probe = await startReplyProbe(lab, timeoutMs);
  try {
    const started = performance.now();
    // the same sub-ms epoch clock as the engine's event times (app/engine/event-time.ts)
    const startedAt = performance.timeOrigin + started;
    const connecting = connect();
    const [replyAt, result] = await Promise.all([probe.firstReply, connecting]);
    return { ms: replyAt - started, result, startedAt };
  } finally {
    probe.stop();
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString());

export interface ProcessUsage {
  /** utime + stime of all the process's threads, seconds. */
  cpuSeconds: number;
  /** the stime part: the kernel's work for the process (syscalls and what they trigger) */
  systemSeconds: number;
  /** VmHWM: peak resident set size so far. */
  peakRssKiB: number;
}

export function processUsage(pid: number): ProcessUsage {
  // proc(5): fields after "(comm) "; utime and stime are fields 14 and 15
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const systemSeconds = Number(fields[12]) / CLOCK_TICKS;
  return {
    cpuSeconds: Number(fields[11]) / CLOCK_TICKS + systemSeconds,
    systemSeconds,
    peakRssKiB: Number(hwm?.[1] ?? 0),
  };
}

/** The interface the client namespace routes the LAN host through: the client's TUN. */
export async function tunnelInterface(lab: Lab): Promise<string> {
  const { stdout } = await lab.execInClient('ip', ['-o', 'route', 'get', LAB_ADDRESSES.lanHost]);
  const device = /\bdev (\S+)/.exec(stdout)?.[1];
  if (!device) throw new Error(`no route to the LAN host in the client namespace: ${stdout}`);
  return device;
}

/** Bytes an interface of the client namespace received and sent (rx + tx) since it came up. */
export async function interfaceBytes(lab: Lab, name: string): Promise<number> {
  const stats = `/sys/class/net/${name}/statistics`;
  const { stdout } = await lab.execInClient('cat', [`${stats}/rx_bytes`, `${stats}/tx_bytes`]);
  return stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line), 0);
}

export interface Transform {
  ike: string;
  esp: string;
}

/** What the gateway negotiated with the connected client, in strongSwan's algorithm names. */
export async function negotiatedTransform(lab: Lab): Promise<Transform> {
  const [ike] = await lab.listSas();
  const child = ike?.childSas[0];
  const describe = (sa: Pick<IkeSa, 'encrAlg' | 'encrKeysize' | 'integAlg' | 'dhGroup'>) =>
    [sa.encrAlg && `${sa.encrAlg}-${sa.encrKeysize ?? ''}`, sa.integAlg, sa.dhGroup]
      .filter(Boolean)
      .join('/');
  return { ike: ike ? describe(ike) : '?', esp: child ? describe(child) : '?' };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Resolves once `child` has exited: SIGTERM after `waitMs` (0: at once), SIGKILL `graceMs`
 * after that.
 */
export function terminate(child: ChildProcess, graceMs = 5000, waitMs = 0): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timers = [
      setTimeout(() => child.kill('SIGTERM'), waitMs),
      setTimeout(() => child.kill('SIGKILL'), waitMs + graceMs),
    ];
    child.once('exit', () => {
      timers.forEach(clearTimeout);
      resolve();
    });
  });
}
