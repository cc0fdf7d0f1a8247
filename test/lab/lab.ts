// startLab(): a throwaway remote-access topology (client behind a NAT, IKEv1 head-end,
// protected LAN) in four network namespaces, with a real strongSwan charon as the gateway.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LAB_ADDRESSES, LAB_ADDRESSES6, LAB_INTERFACES, labGatewayAddress } from './addresses.js';
import { type CaptureOptions, type LabCapture, startCapture } from './capture.js';
import {
  cleanupStaleLabs,
  createLabDir,
  destroyLabSync,
  labDir,
  newLabId,
  registerLab,
  unregisterLab,
} from './cleanup.js';
import { Gateway, type GatewayStartTimings } from './gateway.js';
import { type LabOptions, type ResolvedLabOptions, resolveLabOptions } from './options.js';
import { LabRadius, type RadiusRecord } from './radius.js';
import { type RunOptions, type RunResult, netnsExecArgs, run } from './run.js';
import { type IkeSa, describeSas } from './sas.js';
import {
  HAS_IPV6,
  type LabNames,
  type LabRole,
  clientResolvConfPath,
  createTopology,
  labNames,
  labPids,
  signalPids,
} from './topology.js';

export interface LabTimings extends GatewayStartTimings {
  /** Namespaces, links, addresses, routes, NAT. */
  topologyMs: number;
  /** startLab() call to a loaded gateway. */
  totalMs: number;
}

export interface NamespaceRunOptions extends RunOptions {
  /** Give the command a private /run (its pid files and /var/run state stay in the lab directory). */
  privateRun?: boolean;
}

export interface NamespaceSpawnOptions extends SpawnOptions {
  /** Give the command a private /run (its pid files and /var/run state stay in the lab directory). */
  privateRun?: boolean;
}

/** exec() bound to one namespace. */
export type NamespaceExec = (
  command: string,
  args?: readonly string[],
  options?: NamespaceRunOptions,
) => Promise<RunResult>;

/** spawn() bound to one namespace. */
export type NamespaceSpawn = (
  command: string,
  args?: readonly string[],
  options?: NamespaceSpawnOptions,
) => ChildProcess;

const STOP_GRACE_MS = 1000;
const SAS_POLL_MS = 50;

/**
 * Stops charon gracefully, then every other process in the lab's namespaces (SIGTERM, SIGKILL
 * after a grace period), and removes the namespaces, the /etc/netns entry and the lab directory.
 */
async function teardown(
  id: string,
  names: LabNames,
  gateway: Gateway,
  radius: LabRadius | undefined,
): Promise<void> {
  await gateway.stop();
  await radius?.stop();
  signalPids(labPids(names), 'SIGTERM');
  const deadline = performance.now() + STOP_GRACE_MS;
  while (labPids(names).length > 0 && performance.now() < deadline) await delay(20);
  try {
    destroyLabSync(id);
  } finally {
    unregisterLab(id);
  }
}

export class Lab {
  /** Namespace names per role (cli, nat, gw, lan). */
  readonly names: LabNames;
  readonly addresses = LAB_ADDRESSES;
  /** The same plan in IPv6 (every link is dual stack). */
  readonly addresses6 = LAB_ADDRESSES6;
  readonly interfaces = LAB_INTERFACES;
  /** The cli namespace's resolv.conf (bind-mounted over /etc/resolv.conf by `ip netns exec`). */
  readonly clientResolvConf: string;
  private captures = 0;
  private stopping: Promise<void> | undefined;

  private constructor(
    /** Unique per run: "<pid>-<n>". */
    readonly id: string,
    /** Lab directory: charon's files, private /run dirs, captures; anything a test puts here goes at stop(). */
    readonly dir: string,
    private currentOptions: ResolvedLabOptions,
    private readonly gateway: Gateway,
    /** How long startLab() took, by phase (ms). */
    readonly timings: LabTimings,
    private readonly radius: LabRadius | undefined,
  ) {
    this.names = labNames(id);
    this.clientResolvConf = clientResolvConfPath(this.names);
  }

  /** Use startLab(). */
  static async create(options: LabOptions): Promise<Lab> {
    const resolved = resolveLabOptions(options);
    if (resolved.gatewayFamily === 6 && !HAS_IPV6)
      throw new Error('lab option gatewayFamily 6: this kernel has no IPv6');
    const started = performance.now();
    try {
      cleanupStaleLabs();
    } catch (error) {
      // a leftover we cannot remove does not stop this lab: its names are its own
      console.error(`warning: ${(error as Error).message}`);
    }
    const id = newLabId();
    const names = labNames(id);
    const dir = labDir(id);
    const gateway = new Gateway(names.gw, join(dir, 'charon'));
    registerLab(id, () => destroyLabSync(id));
    let radius: LabRadius | undefined;
    try {
      createLabDir(id);
      const resolvConf = `# test/lab ${id}: resolv.conf of namespace ${names.cli}\nnameserver ${LAB_ADDRESSES.natInside}\n`;
      await createTopology(names, resolvConf);
      const topologyMs = Math.round(performance.now() - started);
      // listening before charon can ask it anything
      if (resolved.xauthRadius) radius = await LabRadius.start(names.gw, resolved.users);
      gateway.writeConfig(resolved);
      const gatewayTimings = await gateway.start();
      const timings = {
        topologyMs,
        ...gatewayTimings,
        totalMs: Math.round(performance.now() - started),
      };
      return new Lab(id, dir, resolved, gateway, timings, radius);
    } catch (error) {
      const cleanup = await teardown(id, names, gateway, radius).then(
        () => '',
        (e: Error) => `; cleaning up also failed: ${e.message}`,
      );
      throw new Error(`lab ${id} failed to start: ${(error as Error).message}${cleanup}`, {
        cause: error,
      });
    }
  }

  /** The options the gateway currently runs with (defaults filled in). */
  get options(): ResolvedLabOptions {
    return this.currentOptions;
  }

  /** The gateway's address of the family the options name (gatewayFamily): what a client's
   * profile gets as its gateway. */
  get gatewayAddress(): string {
    return labGatewayAddress(this.currentOptions.gatewayFamily);
  }

  /** The Access-Requests the lab's RADIUS server answered or dropped (option xauthRadius), oldest
   * first; what the server printed, for failure messages. */
  get radiusRequests(): readonly RadiusRecord[] {
    if (!this.radius) throw new Error('this lab has no RADIUS server: start it with xauthRadius');
    return this.radius.requests;
  }

  radiusLog(): string {
    return this.radius?.log() ?? '';
  }

  /** charon's pid (host numbering), undefined while it is down. */
  get gatewayPid(): number | undefined {
    return this.gateway.pid;
  }

  /** charon's vici socket, for `swanctl --uri unix://...` or a vici client. */
  get viciSocket(): string {
    return this.gateway.viciSocket;
  }

  /** Path of charon's log file. */
  get gatewayLogFile(): string {
    return this.gateway.logFile;
  }

  private privateRunDir(role: LabRole): string {
    const dir = join(this.dir, `${role}-run`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private netnsArgs(
    role: LabRole,
    command: string,
    args: readonly string[],
    privateRun: boolean | undefined,
  ): string[] {
    return netnsExecArgs(
      this.names[role],
      command,
      args,
      privateRun ? this.privateRunDir(role) : undefined,
    );
  }

  /** Runs a command in a lab namespace; rejects on non-zero exit unless `check: false`. */
  exec(
    role: LabRole,
    command: string,
    args: readonly string[] = [],
    options: NamespaceRunOptions = {},
  ): Promise<RunResult> {
    const { privateRun, ...runOptions } = options;
    return run('ip', this.netnsArgs(role, command, args, privateRun), runOptions);
  }

  /** Spawns a command in a lab namespace; it is killed by stop() at the latest. */
  spawn(
    role: LabRole,
    command: string,
    args: readonly string[] = [],
    options: NamespaceSpawnOptions = {},
  ): ChildProcess {
    const { privateRun, ...spawnOptions } = options;
    return spawn('ip', this.netnsArgs(role, command, args, privateRun), spawnOptions);
  }

  readonly execInClient: NamespaceExec = (...args) => this.exec('cli', ...args);
  readonly spawnInClient: NamespaceSpawn = (...args) => this.spawn('cli', ...args);
  readonly execInGateway: NamespaceExec = (...args) => this.exec('gw', ...args);
  readonly spawnInGateway: NamespaceSpawn = (...args) => this.spawn('gw', ...args);
  readonly execInLan: NamespaceExec = (...args) => this.exec('lan', ...args);
  readonly spawnInLan: NamespaceSpawn = (...args) => this.spawn('lan', ...args);

  /** The gateway's IKE SAs and their child SAs. */
  listSas(): Promise<IkeSa[]> {
    return this.gateway.listSas();
  }

  /** Polls listSas() until `predicate` holds; resolves with that list. */
  async waitForSas(
    predicate: (sas: IkeSa[]) => boolean,
    timeoutMs = 10_000,
    what = 'the expected SAs',
  ): Promise<IkeSa[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const sas = await this.gateway.listSas();
      if (predicate(sas)) return sas;
      if (performance.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; gateway has ${describeSas(sas)}; ${this.gateway.diagnostics()}`,
        );
      }
      await delay(SAS_POLL_MS);
    }
  }

  /**
   * Until the gateway lists an installed child SA. A client is connected once Quick Mode's third
   * message is out, but the gateway installs its inbound SA only when it has processed that
   * message: a packet sent in between is dropped there (RFC 2409 5.5's commit bit exists for
   * this race). Tests that count every packet start counting after this.
   */
  waitForChildInstalled(timeoutMs = 5_000): Promise<IkeSa[]> {
    return this.waitForSas(
      (sas) => sas.some((sa) => sa.childSas.some((c) => c.state === 'INSTALLED')),
      timeoutMs,
      'an installed child SA on the gateway',
    );
  }

  /** Runs swanctl against the lab's charon (e.g. ['--list-conns'], ['--terminate', '--ike', 'lab']). */
  swanctl(args: string[]): Promise<RunResult> {
    return this.gateway.swanctl(args);
  }

  /** charon's log so far. */
  gatewayLog(): string {
    return this.gateway.log();
  }

  /** SIGKILLs charon: the gateway disappears without a word, as a dead peer does. */
  killGateway(): Promise<void> {
    return this.gateway.kill();
  }

  /** Stops charon (gracefully: it deletes its SAs) if it runs, then starts it again with the current config. */
  async restartGateway(): Promise<GatewayStartTimings> {
    await this.gateway.stop();
    return this.gateway.start();
  }

  /**
   * Loads new options into the running charon (`swanctl --load-all`); existing SAs stay.
   * They replace the current options: what is not given falls back to the default.
   */
  async reloadConfig(options: LabOptions): Promise<void> {
    const resolved = resolveLabOptions(options);
    // charon loads its plugins, and the RADIUS server its users, once at start
    if (resolved.xauthRadius !== undefined || this.radius !== undefined)
      throw new Error('lab option xauthRadius is fixed at startLab(): start another lab');
    this.gateway.writeConfig(resolved);
    try {
      await this.gateway.swanctl(['--load-all']);
    } catch (error) {
      // keep the files in step with what charon still runs, for restartGateway()
      this.gateway.writeConfig(this.currentOptions);
      throw error;
    }
    this.currentOptions = resolved;
  }

  /** Starts a packet capture (default: the NAT's gateway-facing leg). */
  startCapture(options: CaptureOptions = {}): Promise<LabCapture> {
    const role = options.role ?? 'nat';
    const dir = join(this.dir, 'captures');
    mkdirSync(dir, { recursive: true });
    const path = options.file ?? join(dir, `${++this.captures}-${role}.pcapng`);
    return startCapture(this.names[role], role, options, path);
  }

  /** Removes everything the lab made (see teardown); idempotent. */
  stop(): Promise<void> {
    this.stopping ??= teardown(this.id, this.names, this.gateway, this.radius);
    return this.stopping;
  }
}

/** Starts a lab; see test/lab/README.md. Removes stale labs of dead processes first. */
export function startLab(options: LabOptions = {}): Promise<Lab> {
  return Lab.create(options);
}
