// iperf3 through the tunnel: the server on the LAN host, the client in the client namespace.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { type Lab, LAB_ADDRESSES } from '../test/lab/index.js';

export const IPERF3 = '/usr/bin/iperf3';
const IPERF_PORT = '5201';

export interface IperfResult {
  /** TCP payload bytes the receiver got */
  bytes: number;
  bitsPerSecond: number;
}

/** Starts `iperf3 -s` on the LAN host and waits until it listens. */
export async function startIperfServer(lab: Lab): Promise<ChildProcess> {
  const server = lab.spawnInLan(IPERF3, ['-s', '-p', IPERF_PORT], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const listening = await lab.execInLan('ss', ['-Hltn', `sport = :${IPERF_PORT}`]);
    if (listening.stdout.trim()) return server;
    await delay(20);
  }
  server.kill('SIGKILL');
  throw new Error('iperf3 server on the LAN host did not start listening');
}

/** One TCP run; `reverse` = LAN host sends to the client (download). */
export async function iperf(lab: Lab, seconds: number, reverse: boolean): Promise<IperfResult> {
  const args = ['-c', LAB_ADDRESSES.lanHost, '-p', IPERF_PORT, '-t', String(seconds), '-J'];
  const { stdout } = await lab.execInClient(IPERF3, reverse ? [...args, '-R'] : args, {
    timeoutMs: (seconds + 20) * 1000,
  });
  const report = JSON.parse(stdout) as {
    error?: string;
    end?: { sum_received?: { bytes: number; bits_per_second: number } };
  };
  const received = report.end?.sum_received;
  if (report.error || !received) throw new Error(`iperf3 failed: ${report.error ?? stdout}`);
  return { bytes: received.bytes, bitsPerSecond: received.bits_per_second };
}
