// The lab's RADIUS server (option xauthRadius): radius-server.ts in the gateway's namespace on
// 127.0.0.1:1812, where strongSwan's eap-radius plugin sends the Access-Request that ends an
// XAuth-over-RADIUS exchange. Started and stopped with the lab; keeps what it was asked.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LabUser } from './options.js';
import type { RadiusRecord } from './radius-answer.js';
import { netnsExecArgs, tail } from './run.js';

export type { RadiusRecord } from './radius-answer.js';

/** What radius-server.ts reads on stdin. */
export interface RadiusServerSettings {
  address: string;
  port: number;
  secret: string;
  users: LabUser[];
}

/** Where charon finds the server (strongswan.conf eap-radius server, port, secret). */
export const LAB_RADIUS = {
  address: '127.0.0.1',
  // RFC 2865 3: the RADIUS authentication port
  port: 1812,
  secret: 'lab-radius-shared-secret',
} as const;

const SERVER = fileURLToPath(new URL('./radius-server.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
// Node with tsx starts in well under a second idle, but has taken over 10 s on this loaded
// two-core machine: the bound is only against a hang
const START_TIMEOUT_MS = 60_000;

export class LabRadius {
  /** Every Access-Request so far, oldest first. */
  readonly requests: RadiusRecord[] = [];
  private output = '';

  private constructor(private readonly child: ChildProcess) {}

  /** Starts the server in `namespace`; resolves once it listens. */
  static async start(namespace: string, users: readonly LabUser[]): Promise<LabRadius> {
    const child = spawn(
      'ip',
      netnsExecArgs(namespace, process.execPath, ['--import', 'tsx', SERVER]),
      { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const radius = new LabRadius(child);
    const settings: RadiusServerSettings = { ...LAB_RADIUS, users: [...users] };
    child.stdin?.end(JSON.stringify(settings));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (radius.output += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the RADIUS server did not listen within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the RADIUS server exited (${code ?? signal}) before it listened: ${tail(radius.output)}`,
          ),
        );
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        radius.output += `${line}\n`;
        const parsed = JSON.parse(line) as { listening?: unknown; record?: RadiusRecord };
        if (parsed.record) radius.requests.push(parsed.record);
        if (parsed.listening) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return radius;
  }

  /** What the server printed (requests, dropped packets, errors), for failure messages. */
  log(): string {
    return this.output;
  }

  /** SIGTERM; resolves once it is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
