// The lab's head-end: one strongSwan charon in the gw namespace with its own strongswan.conf,
// private /run (charon.pid is hard-wired there), vici socket and log file, driven by swanctl.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { gatewayConfig } from './config.js';
import type { ResolvedLabOptions } from './options.js';
import { type RunResult, netnsExecArgs, run, tail } from './run.js';
import { type IkeSa, parseListSas } from './sas.js';

export const CHARON = '/usr/lib/ipsec/charon';
export const SWANCTL = 'swanctl';

const SWANCTL_CREDENTIAL_DIRS = [
  'x509',
  'x509ca',
  'x509ocsp',
  'x509aa',
  'x509ac',
  'x509crl',
  'pubkey',
  'private',
  'rsa',
  'ecdsa',
  'bliss',
  'pkcs8',
  'pkcs12',
];
const POLL_MS = 5;
const STOP_GRACE_MS = 2000;
const OUTPUT_KEEP = 8192;

export interface GatewayStartTimings {
  /** From spawning charon until its vici socket accepts connections. */
  viciReadyMs: number;
  /** swanctl --load-all (connections, pool, secrets). */
  configLoadMs: number;
}

export class Gateway {
  readonly dir: string;
  readonly runDir: string;
  readonly strongswanConfPath: string;
  readonly swanctlDir: string;
  readonly logFile: string;
  readonly viciSocket: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    private readonly namespace: string,
    dir: string,
  ) {
    this.dir = dir;
    this.runDir = join(dir, 'run');
    this.strongswanConfPath = join(dir, 'strongswan.conf');
    this.swanctlDir = join(dir, 'swanctl');
    this.logFile = join(dir, 'charon.log');
    this.viciSocket = join(this.runDir, 'charon.vici');
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Writes strongswan.conf and swanctl.conf for `options`. */
  writeConfig(options: ResolvedLabOptions): void {
    mkdirSync(this.runDir, { recursive: true });
    // swanctl --load-all scans these credential directories and complains about missing ones
    for (const sub of SWANCTL_CREDENTIAL_DIRS)
      mkdirSync(join(this.swanctlDir, sub), { recursive: true });
    const config = gatewayConfig(options, { logFile: this.logFile, viciSocket: this.viciSocket });
    writeFileSync(this.strongswanConfPath, config.strongswanConf);
    writeFileSync(join(this.swanctlDir, 'swanctl.conf'), config.swanctlConf, { mode: 0o600 });
    // swanctl loads unencrypted private keys only from its private/ directory
    if (options.pki)
      copyFileSync(options.pki.gatewayKey, join(this.swanctlDir, 'private', 'gateway.key'));
  }

  /** Starts charon, waits for its vici socket and loads the config. */
  async start(timeoutMs = 5000): Promise<GatewayStartTimings> {
    if (this.running) throw new Error(`charon is already running (pid ${this.child?.pid})`);
    // a SIGKILLed charon leaves its pid file; a recycled pid would make charon refuse to start
    rmSync(join(this.runDir, 'charon.pid'), { force: true });
    rmSync(this.viciSocket, { force: true });
    const started = performance.now();
    this.output = '';
    const child = spawn('ip', netnsExecArgs(this.namespace, CHARON, [], this.runDir), {
      env: { ...process.env, STRONGSWAN_CONF: this.strongswanConfPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', (error) => {
        keep(Buffer.from(`spawn failed: ${error.message}\n`));
        resolve();
      });
    });
    await this.waitForVici(started, timeoutMs);
    const viciReady = performance.now();
    await this.swanctl(['--load-all']);
    return {
      viciReadyMs: Math.round(viciReady - started),
      configLoadMs: Math.round(performance.now() - viciReady),
    };
  }

  private async waitForVici(started: number, timeoutMs: number): Promise<void> {
    while (!(await socketAnswers(this.viciSocket))) {
      if (!this.running) {
        throw new Error(
          `charon exited (${this.child?.exitCode ?? this.child?.signalCode}) before opening its vici socket; ${this.diagnostics()}`,
        );
      }
      if (performance.now() - started > timeoutMs) {
        throw new Error(
          `charon did not open its vici socket ${this.viciSocket} within ${timeoutMs / 1000} s; ${this.diagnostics()}`,
        );
      }
      await delay(POLL_MS);
    }
  }

  /** charon's output and the end of its log, for error messages: without the lines of the
   * vici connections, which the tests' own polling for SAs (four lines every 50 ms) would make
   * all of the end. */
  diagnostics(lines = 15): string {
    const output = tail(this.output, 1000);
    const log = this.log()
      .trimEnd()
      .split('\n')
      .filter((line) => !/\[CFG\] vici client \d+ /.test(line))
      .slice(-lines)
      .join('\n');
    return `${output ? `charon output: ${output}; ` : ''}last log lines:\n${log || '(log empty)'}`;
  }

  /** Runs swanctl against this charon. */
  swanctl(args: string[], timeoutMs = 10_000): Promise<RunResult> {
    if (!this.running)
      return Promise.reject(
        new Error(`swanctl ${args.join(' ')}: the lab's charon is not running`),
      );
    return run(SWANCTL, [...args, '--uri', `unix://${this.viciSocket}`], {
      timeoutMs,
      env: {
        ...process.env,
        STRONGSWAN_CONF: this.strongswanConfPath,
        SWANCTL_DIR: this.swanctlDir,
      },
    });
  }

  async listSas(): Promise<IkeSa[]> {
    return parseListSas((await this.swanctl(['--list-sas', '--pretty'])).stdout);
  }

  /** charon's log so far ('' before the first line). */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** SIGKILL: charon vanishes without a DELETE, as a crashed or unplugged head-end would. */
  async kill(): Promise<void> {
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (charon deletes its SAs and tells the peers), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.running) return this.exited;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
