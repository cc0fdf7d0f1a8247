// Measuring primitives the benchmarks share: the first ping reply through the tunnel, a
// process's CPU time and peak RSS from /proc, the bytes a tunnel interface carried, what the
// gateway negotiated, and medians.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type IkeSa, type Lab, LAB_ADDRESSES } from '../test/lab/index.js';

/** Echo requests every 5 ms: the connect time resolution, cheap enough for a 2-core box. */
const PROBE_INTERVAL_S = '0.005';

export interface ReplyProbe {
  /** performance.now() of the first echo reply from the LAN host. */
  readonly firstReply: Promise<number>;
  stop(): void;
}

/**
 * A ping that runs before the client starts. Until the tunnel is up the NAT answers "net
 * unreachable" (or, rate-limited, nothing); the routes the client installs apply to the running
 * ping, so its first reply marks the first packet the tunnel carried. One long-running ping
 * instead of a ping per attempt keeps process start-up out of the figure.
 */
export async function startReplyProbe(lab: Lab, timeoutMs: number): Promise<ReplyProbe> {
  // line-buffered: into a pipe ping's stdio would hold the header until a reply fills a block
  const ping = lab.spawnInClient(
    'stdbuf',
    ['-oL', 'ping', '-n', '-i', PROBE_INTERVAL_S, LAB_ADDRESSES.lanHost],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const lines = createInterface({ input: ping.stdout! });
  const stop = () => {
    lines.close();
    if (ping.exitCode === null && ping.signalCode === null) ping.kill('SIGTERM');
  };
  // the header line means ping is sending: only then does the clock start
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    ping.once('exit', (code) => reject(new Error(`ping exited (${code}) before sending`)));
  });
  const firstReply = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ping reply through the tunnel within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.on('line', (line) => {
      if (!line.includes(` bytes from ${LAB_ADDRESSES.lanHost}`)) return;
      clearTimeout(timer);
      stop();
      resolve(performance.now());
    });
  });
  firstReply.catch(() => undefined);
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
): Promise<{ ms: number; result: T }> {
  const probe = await startReplyProbe(lab, timeoutMs);
  try {
    const started = performance.now();
    const connecting = connect();
    const [replyAt, result] = await Promise.all([probe.firstReply, connecting]);
    return { ms: replyAt - started, result };
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
