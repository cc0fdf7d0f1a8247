// Packet captures inside a lab namespace with Wireshark's dumpcap (pcapng, readable by
// test/support/pcapng.ts and tshark).
import { spawn } from 'node:child_process';
import { LAB_INTERFACES } from './addresses.js';
import { netnsExecArgs, tail } from './run.js';
import type { LabRole } from './topology.js';

export interface CaptureOptions {
  /** Namespace to capture in; default 'nat'. */
  role?: LabRole;
  /** Interface; default: the role's link toward the gateway (nat: outside0, the post-NAT leg). */
  iface?: string;
  /** Capture filter in pcap syntax, e.g. 'udp port 4500'. */
  filter?: string;
  /** Output file; default a fresh .pcapng in the lab directory (removed by lab.stop(): copy it to keep it). */
  file?: string;
}

export interface LabCapture {
  readonly path: string;
  /** Ends the capture, flushes the file and returns its path. */
  stop(): Promise<string>;
}

const DEFAULT_INTERFACE: Record<LabRole, string> = {
  cli: LAB_INTERFACES.client,
  nat: LAB_INTERFACES.natOutside,
  gw: LAB_INTERFACES.gatewayWan,
  lan: LAB_INTERFACES.lanHost,
};

const READY_TIMEOUT_MS = 5000;

/** Starts dumpcap in `namespace` and resolves once it writes `path`. */
export function startCapture(
  namespace: string,
  role: LabRole,
  options: CaptureOptions,
  path: string,
): Promise<LabCapture> {
  const iface = options.iface ?? DEFAULT_INTERFACE[role];
  const args = ['-i', iface, '-w', path, '-q', ...(options.filter ? ['-f', options.filter] : [])];
  const child = spawn('ip', netnsExecArgs(namespace, 'dumpcap', args), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new Error(`dumpcap on ${namespace}/${iface} ${why}; stderr: ${tail(stderr) || '(none)'}`),
      );
    };
    const timer = setTimeout(
      () => fail(`did not start within ${READY_TIMEOUT_MS / 1000} s`),
      READY_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before capturing`);
    child.once('error', (error) => fail(`could not be spawned (${error.message})`));
    child.once('exit', onExit);
    const onStderr = (chunk: string) => {
      stderr += chunk;
      // dumpcap names the file once the interface is open and capturing
      if (!stderr.includes('File:')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stderr.off('data', onStderr).resume();
      resolve({
        path,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          await closed;
          return path;
        },
      });
    };
    child.stderr.setEncoding('utf8').on('data', onStderr);
  });
}
